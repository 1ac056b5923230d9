package dev.scratchgpt.tokenizer.vocab;

/**
 * Decodes one sequence of ids that arrives in pieces. Text is returned only up to the last
 * complete character, so a token that ends inside a multi-byte character never shows a broken
 * character; the rest comes with the next ids. Not thread-safe; one per stream.
 */
public interface Decoder {

    /**
     * Decodes {@code ids[offset..offset+length)} and returns the text completed by them.
     *
     * @throws IdOutOfRangeException naming the id and its position in the whole stream
     */
    String decode(int[] ids, int offset, int length);

    /** Ends the sequence: returns what is pending, with U+FFFD for an unfinished character. */
    String finish();
}
