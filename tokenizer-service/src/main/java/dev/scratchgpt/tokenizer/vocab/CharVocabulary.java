package dev.scratchgpt.tokenizer.vocab;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The course's character vocabulary: {@code chars = sorted(list(set(text)))}, with
 * {@code stoi}/{@code itos} as arrays. Characters are Unicode code points, so an emoji is one
 * token, not two UTF-16 halves. With {@code <unk>}, its id is the last one, size-1, and it
 * decodes to U+FFFD.
 */
public final class CharVocabulary implements Vocabulary {

    public static final String UNK = "<unk>";
    private static final int REPLACEMENT = 0xFFFD;
    private static final int MAX_LISTED_UNKNOWN = 8;

    private final String id;
    /** itos: the sorted distinct code points; id i is codePoints[i]. */
    private final int[] codePoints;
    private final boolean hasUnk;
    /** stoi for the BMP: bmpIds[c] is the id of char c or -1, up to the largest BMP code point. */
    private final int[] bmpIds;
    /** itos for decoding: the code point of every id, U+FFFD for unk. */
    private final int[] decodeTable;
    private final boolean hasSupplementary;
    private final long sourceChars;
    private final Instant createdAt;

    /**
     * @param codePoints distinct code points in ascending order (the vocabulary, without unk)
     */
    public CharVocabulary(int[] codePoints, boolean hasUnk, long sourceChars, Instant createdAt) {
        if (codePoints.length == 0) {
            throw new InvalidInputException("a character vocabulary needs at least one character");
        }
        for (int i = 1; i < codePoints.length; i++) {
            if (codePoints[i] <= codePoints[i - 1]) {
                throw new IllegalArgumentException("code points must be distinct and ascending");
            }
        }
        this.codePoints = codePoints.clone();
        this.hasUnk = hasUnk;
        this.sourceChars = sourceChars;
        this.createdAt = createdAt;
        int maxBmp = -1;
        for (int cp : codePoints) {
            if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
                maxBmp = cp;
            }
        }
        this.bmpIds = new int[maxBmp + 1];
        Arrays.fill(bmpIds, -1);
        for (int i = 0; i < codePoints.length && codePoints[i] <= maxBmp; i++) {
            bmpIds[codePoints[i]] = i;
        }
        this.decodeTable = Arrays.copyOf(codePoints, size());
        if (hasUnk) {
            decodeTable[codePoints.length] = REPLACEMENT;
        }
        this.hasSupplementary = codePoints[codePoints.length - 1] >= Character.MIN_SUPPLEMENTARY_CODE_POINT;
        this.id = ContentId.of(VocabularyKind.CHAR, size(), this::tokenBytes, unkId(), List.of(), "");
    }

    /** The vocabulary of {@code text}: its distinct code points, sorted. */
    public static CharVocabulary of(String text, boolean addUnk, Instant createdAt) {
        return new CharVocabulary(text.codePoints().sorted().distinct().toArray(), addUnk,
                text.codePointCount(0, text.length()), createdAt);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public VocabularyKind kind() {
        return VocabularyKind.CHAR;
    }

    @Override
    public int size() {
        return codePoints.length + (hasUnk ? 1 : 0);
    }

    @Override
    public int unkId() {
        return hasUnk ? codePoints.length : -1;
    }

    /** The vocabulary's characters in id order, without unk (the course's {@code ''.join(chars)}). */
    public int[] codePoints() {
        return codePoints.clone();
    }

    @Override
    public byte[] tokenBytes(int id) {
        return new String(Character.toChars(codePointOf(id))).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String token(int id) {
        return id == unkId() ? UNK : new String(Character.toChars(codePointOf(id)));
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
    public Encoder newEncoder() {
        return new CharEncoder();
    }

    @Override
    public Decoder newDecoder() {
        return new CharDecoder();
    }

    @Override
    public int[] encode(String text) {
        IdBuffer ids = new IdBuffer(text.length());
        Encoder encoder = newEncoder();
        encoder.encode(text, ids);
        encoder.finish(ids);
        return ids.size() == ids.array().length ? ids.array() : ids.toArray();
    }

    @Override
    public String decode(int[] ids) {
        return new CharDecoder().decode(ids, 0, ids.length);
    }

    private int codePointOf(int id) {
        return decodeTable[checkId(id, 0)];
    }

    /** The id of a code point, or -1. */
    private int idOf(int codePoint) {
        if (codePoint < bmpIds.length) {
            return bmpIds[codePoint];
        }
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i >= 0 ? i : -1;
    }

    private final class CharEncoder implements Encoder {

        private char pendingHigh;
        private long codePointsDone;

        @Override
        public void encode(CharSequence text, IdBuffer out) {
            int n = text.length();
            if (n == 0) {
                return;
            }
            int sizeBefore = out.size();
            out.ensureCapacity(sizeBefore + n + (pendingHigh != 0 ? 1 : 0));
            int[] ids = out.array();
            int size = sizeBefore;
            int i = 0;
            if (pendingHigh != 0) {
                char high = pendingHigh;
                pendingHigh = 0;
                if (Character.isLowSurrogate(text.charAt(0))) {
                    ids[size++] = known(Character.toCodePoint(high, text.charAt(0)), text, 1, 0);
                    i = 1;
                } else {
                    ids[size++] = known(high, text, 0, 0);
                }
            }
            int[] table = bmpIds;
            for (; i < n; i++) {
                char c = text.charAt(i);
                int id = c < table.length ? table[c] : -1;
                if (id < 0) {
                    if (Character.isHighSurrogate(c)) {
                        if (i + 1 == n) {
                            pendingHigh = c;
                            break;
                        }
                        char next = text.charAt(i + 1);
                        if (Character.isLowSurrogate(next)) {
                            id = known(Character.toCodePoint(c, next), text, i + 2, size - sizeBefore);
                            i++;
                        } else {
                            id = known(c, text, i + 1, size - sizeBefore);
                        }
                    } else {
                        id = known(c, text, i + 1, size - sizeBefore);
                    }
                }
                ids[size++] = id;
            }
            out.setSize(size);
            codePointsDone += size - sizeBefore;
        }

        @Override
        public void finish(IdBuffer out) {
            if (pendingHigh != 0) {
                char lone = pendingHigh;
                pendingHigh = 0;
                out.add(known(lone, "", 0, 0));
                codePointsDone++;
            }
        }

        @Override
        public long codePoints() {
            return codePointsDone;
        }

        /**
         * The id of {@code codePoint}, met after {@code doneInPiece} code points of this piece:
         * unk when it is unknown, or an error naming it and the other unknown characters of
         * the piece from char index {@code next} on.
         */
        private int known(int codePoint, CharSequence text, int next, int doneInPiece) {
            int id = idOf(codePoint);
            if (id >= 0) {
                return id;
            }
            if (hasUnk) {
                return unkId();
            }
            Set<Integer> unknown = new LinkedHashSet<>();
            unknown.add(codePoint);
            int i = next;
            while (i < text.length() && unknown.size() < MAX_LISTED_UNKNOWN) {
                int cp = Character.codePointAt(text, i);
                if (idOf(cp) < 0) {
                    unknown.add(cp);
                }
                i += Character.charCount(cp);
            }
            throw new UnknownCharactersException(CharVocabulary.this, new ArrayList<>(unknown),
                    codePointsDone + doneInPiece);
        }
    }

    /** Every token is a whole character, so text is complete after every id. */
    private final class CharDecoder implements Decoder {

        private long position;

        @Override
        public String decode(int[] ids, int offset, int length) {
            int[] table = decodeTable;
            char[] text = new char[hasSupplementary ? 2 * length : length];
            int n = 0;
            for (int i = offset; i < offset + length; i++) {
                int id = ids[i];
                if (id < 0 || id >= table.length) {
                    checkId(id, position + i - offset);
                }
                int cp = table[id];
                if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
                    text[n++] = (char) cp;
                } else {
                    text[n++] = Character.highSurrogate(cp);
                    text[n++] = Character.lowSurrogate(cp);
                }
            }
            position += length;
            return new String(text, 0, n);
        }

        @Override
        public String finish() {
            return "";
        }
    }
}
