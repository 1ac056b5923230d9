package dev.scratchgpt.tokenizer.vocab;

import java.time.Instant;
import java.util.List;

/**
 * A map from text to token ids 0..size-1 and back. Immutable and safe to share between
 * threads; {@link #newEncoder()} and {@link #newDecoder()} give per-stream state.
 *
 * <p>Implementations: {@link CharVocabulary} (the course's character vocabulary) and the BPE
 * vocabulary in {@code dev.scratchgpt.tokenizer.bpe}. Each kind plugs in through a
 * {@link VocabularyType}; the endpoint and the {@link VocabularyStore} see only this interface.
 */
public interface Vocabulary {

    /** Content-derived id ({@link ContentId}): the same token table gives the same id. */
    String id();

    VocabularyKind kind();

    /** Number of ids, V. */
    int size();

    /** Id of {@code <unk>}, or -1 when there is none. */
    int unkId();

    /** The exact bytes decoding emits for {@code id} (UTF-8 for a character vocabulary). */
    byte[] tokenBytes(int id);

    /** Human-readable form of {@code id}: the character itself, or e.g. {@code <unk>}. */
    String token(int id);

    /** Tokens that encode as one id each, e.g. {@code <|endoftext|>} (BPE); empty for CHAR. */
    default List<String> specialTokens() {
        return List.of();
    }

    /** Name of the published ranks a BPE vocabulary was loaded from, else empty. */
    default String pretrained() {
        return "";
    }

    /** Size of the corpus it was built from, in code points (0 when not built from text). */
    long sourceChars();

    Instant createdAt();

    /** A streaming encoder for one text that arrives in pieces. */
    Encoder newEncoder();

    /** A streaming decoder for one sequence of ids that arrives in pieces. */
    default Decoder newDecoder() {
        return new Utf8TokenDecoder(this);
    }

    /**
     * Encodes a whole text.
     *
     * @throws UnknownCharactersException when the text has characters the vocabulary cannot
     *     encode and it has no {@code <unk>}
     */
    default int[] encode(String text) {
        Encoder encoder = newEncoder();
        IdBuffer ids = new IdBuffer(text.length());
        encoder.encode(text, ids);
        encoder.finish(ids);
        return ids.toArray();
    }

    /**
     * Decodes ids to text; bytes that are not valid UTF-8 (possible with BPE) become U+FFFD.
     *
     * @throws IdOutOfRangeException naming the first id outside 0..size-1 and its position
     */
    default String decode(int[] ids) {
        Decoder decoder = newDecoder();
        return decoder.decode(ids, 0, ids.length) + decoder.finish();
    }

    /** {@code id} if it is in 0..size-1, else an {@link IdOutOfRangeException} for {@code position}. */
    default int checkId(int id, long position) {
        if (id < 0 || id >= size()) {
            throw new IdOutOfRangeException(this, id, position);
        }
        return id;
    }
}
