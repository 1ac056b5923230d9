package dev.scratchgpt.sampler.generate;

import java.util.List;

/**
 * How to pick each next token, already validated (see {@code GenerateRequestValidator}).
 *
 * @param temperature  0 means greedy (argmax); otherwise logits are divided by it
 * @param topK         keep only the k most likely tokens; 0 keeps all
 * @param topP         nucleus: keep the smallest set of tokens whose probability reaches it; 1 keeps all
 * @param seed         seeds the per-request random source: same seed, same request, same text
 * @param numSamples   rows decoded together as one batch
 * @param maxNewTokens tokens generated per sample at most
 * @param stop         stop sequences; a sample ends when its text contains one
 */
public record SamplingParams(float temperature, int topK, float topP, long seed, int numSamples,
                             int maxNewTokens, List<String> stop) {

    public SamplingParams {
        stop = List.copyOf(stop);
    }

    /** Greedy: temperature 0, or top-k 1 (which leaves only the argmax to sample from). */
    public boolean greedy() {
        return temperature == 0f || topK == 1;
    }
}
