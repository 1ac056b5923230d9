package dev.scratchgpt.tokenizer.vocab;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;

/**
 * One kind of vocabulary plugged into the service: how to build it and how to store it.
 * An {@code @ApplicationScoped} implementation is found by the service on its own; the
 * {@link VocabularyStore} writes a common header (kind, creation time, corpus size) and leaves
 * the rest of the file to {@link #write} and {@link #read}.
 */
public interface VocabularyType {

    VocabularyKind kind();

    /**
     * A builder for {@code options}.
     *
     * @throws InvalidInputException naming an option that does not apply or is out of range
     */
    VocabularyBuilder newBuilder(VocabularyOptions options);

    /** Writes what {@link #read} needs to rebuild {@code vocabulary} (always of this kind). */
    void write(Vocabulary vocabulary, DataOutputStream out) throws IOException;

    /** Reads what {@link #write} wrote; the store checks that the id comes out the same. */
    Vocabulary read(DataInputStream in, long sourceChars, Instant createdAt) throws IOException;
}
