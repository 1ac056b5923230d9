package dev.scratchgpt.sampler.runtime;

import java.util.List;

/**
 * What the sampler must know about an exported graph to run it: sizes and io names (all in
 * the manifest). A transformer has one past/present pair per layer; the bigram has none.
 */
public record GraphSpec(boolean transformer, int vocabSize, int blockSize, int nHead, int headDim,
                        String inputIds, String logits,
                        List<String> pastKeys, List<String> pastValues,
                        List<String> presentKeys, List<String> presentValues) {

    public GraphSpec {
        pastKeys = List.copyOf(pastKeys);
        pastValues = List.copyOf(pastValues);
        presentKeys = List.copyOf(presentKeys);
        presentValues = List.copyOf(presentValues);
    }

    public int nLayer() {
        return pastKeys.size();
    }
}
