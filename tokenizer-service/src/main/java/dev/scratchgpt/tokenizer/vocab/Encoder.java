package dev.scratchgpt.tokenizer.vocab;

/**
 * Encodes one text that arrives in pieces. A piece may end anywhere, even between the two
 * halves of a surrogate pair: the encoder keeps what it cannot encode yet for the next piece.
 * Not thread-safe; one per stream.
 */
public interface Encoder {

    /**
     * Encodes the next piece of text and appends its ids to {@code out}.
     *
     * @throws UnknownCharactersException naming the characters the vocabulary cannot encode
     *     and the code point offset of the first, counted from the start of the stream
     */
    void encode(CharSequence text, IdBuffer out);

    /** Ends the text: encodes whatever was held back. */
    void finish(IdBuffer out);

    /** Code points encoded so far over the whole stream. */
    long codePoints();
}
