package dev.scratchgpt.tokenizer.bpe;

import dev.scratchgpt.tokenizer.vocab.ContentId;
import dev.scratchgpt.tokenizer.vocab.Encoder;
import dev.scratchgpt.tokenizer.vocab.IdBuffer;
import dev.scratchgpt.tokenizer.vocab.InvalidInputException;
import dev.scratchgpt.tokenizer.vocab.Vocabulary;
import dev.scratchgpt.tokenizer.vocab.VocabularyKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A byte-level BPE vocabulary as the service sees it: trained merges or published ranks
 * ({@link BytePairEncoding}) plus what the store keeps about it. Streaming decode is the
 * interface's default, which emits text only at UTF-8 boundaries.
 */
public final class BpeVocabulary implements Vocabulary {

    private static final byte[] NO_BYTES = new byte[0];

    private final BytePairEncoding encoding;
    /** Published ranks it was loaded from, or null when trained. */
    private final PretrainedEncoding pretrained;
    private final long sourceChars;
    private final Instant createdAt;
    private final String id;

    public BpeVocabulary(BytePairEncoding encoding, PretrainedEncoding pretrained, long sourceChars, Instant createdAt) {
        this.encoding = encoding;
        this.pretrained = pretrained;
        this.sourceChars = sourceChars;
        this.createdAt = createdAt;
        // The split pattern is part of the content: the same ranks split differently encode differently.
        this.id = ContentId.of(VocabularyKind.BPE, size(), this::tokenBytes, -1, specialTokens(),
                pretrained() + "/" + encoding.splitPattern().id());
    }

    public BytePairEncoding encoding() {
        return encoding;
    }

    /** The published ranks it was loaded from, or null when trained. */
    public PretrainedEncoding pretrainedEncoding() {
        return pretrained;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public VocabularyKind kind() {
        return VocabularyKind.BPE;
    }

    @Override
    public int size() {
        return encoding.size();
    }

    @Override
    public int unkId() {
        return -1;
    }

    /** The token's bytes; empty for an id inside 0..size-1 that no token has (cl100k has a few). */
    @Override
    public byte[] tokenBytes(int id) {
        byte[] bytes = encoding.tokenBytes(checkRange(id));
        return bytes == null ? NO_BYTES : bytes;
    }

    /** The token's bytes as UTF-8, U+FFFD where they are not valid on their own (e.g. half an emoji). */
    @Override
    public String token(int id) {
        return new String(tokenBytes(id), StandardCharsets.UTF_8);
    }

    @Override
    public List<String> specialTokens() {
        return List.copyOf(encoding.specials().keySet());
    }

    @Override
    public String pretrained() {
        return pretrained == null ? "" : pretrained.id();
    }

    @Override
    public long sourceChars() {
        return sourceChars;
    }

    @Override
    public Instant createdAt() {
        return createdAt;
    }

    @Override
    public int[] encode(String text) {
        return encoding.encode(text);
    }

    @Override
    public String decode(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], i);
        }
        return encoding.decode(ids);
    }

    /** Also rejects ids inside the range that no token has, so decoding never meets one. */
    @Override
    public int checkId(int id, long position) {
        checkRange(id);
        if (!encoding.isAssigned(id)) {
            throw new InvalidInputException("ids[" + position + "] is " + id + ", which no token of vocabulary "
                    + this.id + " has (" + pretrained() + " leaves the ids between its ranks and its special"
                    + " tokens unused)");
        }
        return id;
    }

    private int checkRange(int id) {
        return Vocabulary.super.checkId(id, 0);
    }

    @Override
    public Encoder newEncoder() {
        return new StreamEncoder();
    }

    /** Holds back the tail that the next text may still change (see {@link PieceSplitter#split}). */
    private final class StreamEncoder implements Encoder {
        private final StringBuilder pending = new StringBuilder();
        private long codePoints;

        @Override
        public void encode(CharSequence text, IdBuffer out) {
            pending.append(text);
            int done = encoding.encode(pending, 0, pending.length(), false, out);
            consume(done);
        }

        @Override
        public void finish(IdBuffer out) {
            encoding.encode(pending, 0, pending.length(), true, out);
            consume(pending.length());
        }

        @Override
        public long codePoints() {
            return codePoints;
        }

        private void consume(int chars) {
            codePoints += Character.codePointCount(pending, 0, chars);
            pending.delete(0, chars);
        }
    }
}
