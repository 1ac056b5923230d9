package dev.scratchgpt.tokenizer.vocab;

/** The kinds of vocabulary the service knows; each has one {@link VocabularyType}. */
public enum VocabularyKind {
    /** One token per Unicode code point, as in the course. */
    CHAR,
    /** Byte-level BPE: 256 byte tokens, merges, special tokens. */
    BPE
}
