package dev.scratchgpt.sampler.generate;

import java.nio.charset.StandardCharsets;

/**
 * A model's vocabulary as the sampler needs it to turn ids into text: each id's exact bytes
 * (fetched once from the tokenizer's GetVocabulary and kept).
 */
public record Vocabulary(String id, byte[][] tokenBytes) {

    /** The course's kind of vocabulary: one token per character of {@code chars}, in order. */
    public static Vocabulary ofCharacters(String id, String chars) {
        int[] codePoints = chars.codePoints().toArray();
        byte[][] bytes = new byte[codePoints.length][];
        for (int i = 0; i < codePoints.length; i++) {
            bytes[i] = Character.toString(codePoints[i]).getBytes(StandardCharsets.UTF_8);
        }
        return new Vocabulary(id, bytes);
    }

    public int size() {
        return tokenBytes.length;
    }
}
