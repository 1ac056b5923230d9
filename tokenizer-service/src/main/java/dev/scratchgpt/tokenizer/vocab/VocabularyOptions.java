package dev.scratchgpt.tokenizer.vocab;

import java.util.List;

/**
 * How to build a vocabulary (CreateVocabularyRequest without the text). Each
 * {@link VocabularyType} checks the options that concern it and rejects the others.
 *
 * @param kind which kind to build
 * @param addUnk CHAR: reserve a last id {@code <unk>} for characters outside the vocabulary
 * @param vocabSize BPE: size to train to (0 = not given)
 * @param pretrained BPE: name of published ranks to load instead of training ("" = none)
 * @param specialTokens BPE: tokens encoded as one id each
 */
public record VocabularyOptions(VocabularyKind kind, boolean addUnk, int vocabSize, String pretrained,
                                List<String> specialTokens) {

    public VocabularyOptions {
        specialTokens = List.copyOf(specialTokens);
        pretrained = pretrained == null ? "" : pretrained;
    }

    /** The course's vocabulary: CHAR, no unk. */
    public static VocabularyOptions chars(boolean addUnk) {
        return new VocabularyOptions(VocabularyKind.CHAR, addUnk, 0, "", List.of());
    }
}
