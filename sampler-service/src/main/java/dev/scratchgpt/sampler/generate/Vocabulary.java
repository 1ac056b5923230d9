package dev.scratchgpt.sampler.generate;

/**
 * A model's vocabulary as the sampler needs it to turn ids into text: each id's exact bytes
 * (fetched once from the tokenizer's GetVocabulary and kept).
 */
public record Vocabulary(String id, byte[][] tokenBytes) {

    public int size() {
        return tokenBytes.length;
    }
}
