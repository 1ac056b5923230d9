package dev.scratchgpt.tokenizer.vocab;

import java.time.Instant;

/** Builds one vocabulary from a corpus that arrives in pieces. Not thread-safe. */
public interface VocabularyBuilder {

    /** Adds the next piece of the corpus; a piece may end inside a surrogate pair. */
    void add(CharSequence text);

    /**
     * The vocabulary of everything added.
     *
     * @throws InvalidInputException when the corpus cannot make one (for example it is empty)
     */
    Vocabulary build(Instant createdAt);
}
