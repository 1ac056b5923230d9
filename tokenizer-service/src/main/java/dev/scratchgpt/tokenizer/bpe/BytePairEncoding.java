package dev.scratchgpt.tokenizer.bpe;

import dev.scratchgpt.tokenizer.vocab.IdBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A byte-level BPE vocabulary and its encoder, as tiktoken defines them: a rank for every
 * mergeable byte string (the rank is also the token id; ranks 0..255 need not be the single
 * bytes, as in r50k_base), special tokens with ids of their own, and the regex that splits
 * text before merging.
 *
 * <p>Encoding a piece merges, again and again, the adjacent pair whose concatenation has the
 * lowest rank, until no adjacent pair is a token (tiktoken's {@code byte_pair_merge}). Most
 * pieces of real text repeat, so the ids of each piece are cached. Instances are immutable
 * apart from that cache and safe to share between threads.
 */
public final class BytePairEncoding {

    /** Pieces cached per vocabulary; beyond this the encoder still works, only uncached. */
    private static final int CACHE_LIMIT = 1 << 18;
    /** Longer pieces are neither cached (rarely repeated) nor merged by the quadratic loop. */
    static final int LONG_PIECE = 256;

    private final byte[][] tokens;
    private final int mergeableCount;
    private final RankTable ranks;
    private final Map<String, Integer> specials;
    private final PieceSplitter splitter;
    private final SplitPattern splitPattern;
    private final Map<String, int[]> pieceCache = new ConcurrentHashMap<>();

    /**
     * @param mergeable the bytes of each mergeable token, indexed by rank; null for an unused rank
     * @param specials special token text to id; ids must not collide with mergeable ranks
     */
    public BytePairEncoding(byte[][] mergeable, Map<String, Integer> specials, SplitPattern splitPattern) {
        this.mergeableCount = mergeable.length;
        this.ranks = new RankTable(mergeable);
        this.splitPattern = splitPattern;
        this.specials = Collections.unmodifiableMap(new LinkedHashMap<>(specials));
        int size = mergeable.length;
        for (int id : specials.values()) {
            size = Math.max(size, id + 1);
        }
        this.tokens = Arrays.copyOf(mergeable, size);
        for (Map.Entry<String, Integer> special : specials.entrySet()) {
            int id = special.getValue();
            if (id < 0 || (id < mergeable.length && mergeable[id] != null) || tokens[id] != null) {
                throw new IllegalArgumentException("Special token " + special.getKey() + " has id " + id
                        + ", which is already taken");
            }
            tokens[id] = special.getKey().getBytes(StandardCharsets.UTF_8);
        }
        this.splitter = new PieceSplitter(splitPattern, specials);
    }

    /** Number of ids: valid ids are 0..size-1, though a published vocabulary may leave some unassigned. */
    public int size() {
        return tokens.length;
    }

    /** Ids below this are mergeable tokens (ranks); special tokens come at or after it. */
    public int mergeableCount() {
        return mergeableCount;
    }

    public SplitPattern splitPattern() {
        return splitPattern;
    }

    /** Special token text to id, in the order given at creation. */
    public Map<String, Integer> specials() {
        return specials;
    }

    /** True if {@code id} names a token (false outside 0..size-1 and for unassigned ids). */
    public boolean isAssigned(int id) {
        return id >= 0 && id < tokens.length && tokens[id] != null;
    }

    /** The exact bytes of token {@code id} (a copy), or null if the id is not assigned. */
    public byte[] tokenBytes(int id) {
        return isAssigned(id) ? tokens[id].clone() : null;
    }

    /** The ids of {@code text}; occurrences of special tokens become their single ids. */
    public int[] encode(String text) {
        IdBuffer out = new IdBuffer(text.length() / 3 + 16);
        encode(text, 0, text.length(), true, out);
        return out.toArray();
    }

    /**
     * Encodes {@code text[from..to)} into {@code out}. With {@code last} false more text follows:
     * the tail that the next characters may still change is left unencoded, and its start is
     * returned (see {@link PieceSplitter#split}); the caller passes it again with more text.
     */
    int encode(CharSequence text, int from, int to, boolean last, IdBuffer out) {
        return splitter.split(text, from, to, last, new PieceEncoder(out));
    }

    /** The bytes of {@code ids}, concatenated. Every id must be assigned (see {@link #isAssigned}). */
    public byte[] decodeBytes(int[] ids) {
        int length = 0;
        for (int i = 0; i < ids.length; i++) {
            if (!isAssigned(ids[i])) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i
                        + " is not a token of this vocabulary (valid ids: 0.." + (tokens.length - 1) + ")");
            }
            length += tokens[ids[i]].length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (int id : ids) {
            byte[] token = tokens[id];
            System.arraycopy(token, 0, out, at, token.length);
            at += token.length;
        }
        return out;
    }

    /** The text of {@code ids}; bytes that are not valid UTF-8 become U+FFFD. */
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** Turns each piece into ids: a whole-piece token, else the cache, else the merge loop. */
    private final class PieceEncoder implements PieceSplitter.Sink {
        private final IdBuffer out;
        private byte[] buffer = new byte[64];

        PieceEncoder(IdBuffer out) {
            this.out = out;
        }

        @Override
        public void special(int id) {
            out.add(id);
        }

        @Override
        public void piece(CharSequence text, int start, int end) {
            if (buffer.length < 3 * (end - start)) {
                buffer = new byte[3 * (end - start)];
            }
            int length = Utf8.encode(text, start, end, buffer);
            int whole = ranks.rank(buffer, 0, length);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
            int[] ids;
            if (length > LONG_PIECE) {
                ids = mergeLong(buffer, length);
            } else {
                String key = text.subSequence(start, end).toString();
                ids = pieceCache.get(key);
                if (ids == null) {
                    ids = merge(buffer, length);
                    if (pieceCache.size() < CACHE_LIMIT) {
                        pieceCache.put(key, ids);
                    }
                }
            }
            int size = out.size();
            out.ensureCapacity(size + ids.length);
            System.arraycopy(ids, 0, out.array(), size, ids.length);
            out.setSize(size + ids.length);
        }
    }

    /**
     * tiktoken's byte_pair_merge over {@code bytes[0..length)}: the ids of the merged parts.
     * Each step scans all pairs for the lowest rank, so it is quadratic: fine for words.
     */
    int[] merge(byte[] bytes, int length) {
        // Part i spans bytes[start[i]..start[i+1]); pairRank[i] is the rank of parts i and i+1 joined.
        int parts = length;
        int[] start = new int[parts + 1];
        int[] pairRank = new int[parts];
        for (int i = 0; i <= parts; i++) {
            start[i] = i;
        }
        for (int i = 0; i < parts; i++) {
            pairRank[i] = i + 2 <= length ? rankOrMax(bytes, i, i + 2) : Integer.MAX_VALUE;
        }
        while (parts > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i < parts - 1; i++) {
                if (pairRank[i] < bestRank) {
                    bestRank = pairRank[i];
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            // Join parts best and best+1: drop boundary best+1, then re-rank the pairs around it.
            System.arraycopy(start, best + 2, start, best + 1, parts - best - 1);
            System.arraycopy(pairRank, best + 2, pairRank, best + 1, parts - best - 2);
            parts--;
            pairRank[best] = best + 2 <= parts ? rankOrMax(bytes, start[best], start[best + 2]) : Integer.MAX_VALUE;
            if (best > 0) {
                pairRank[best - 1] = rankOrMax(bytes, start[best - 1], start[best + 1]);
            }
        }
        int[] ids = new int[parts];
        for (int i = 0; i < parts; i++) {
            ids[i] = ranks.rank(bytes, start[i], start[i + 1]);
            if (ids[i] < 0) {
                throw new IllegalStateException("Byte sequence of length " + (start[i + 1] - start[i])
                        + " has no rank: the vocabulary lacks single-byte tokens");
            }
        }
        return ids;
    }

    /**
     * The same merges as {@link #merge}, in O(n log n) for long pieces (a megabyte without a
     * space is one piece): parts form a linked list, candidate pairs wait in a heap ordered by
     * (rank, position) - the lowest rank, leftmost first, as the scan picks - and an entry is
     * skipped when its pair has changed since it was queued.
     */
    int[] mergeLong(byte[] bytes, int length) {
        // Parts are named by their first byte's offset; next[i] is the next part's offset (length at the end).
        int[] next = new int[length];
        int[] prev = new int[length];
        boolean[] gone = new boolean[length];
        for (int i = 0; i < length; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        // Entry: rank in the high 32 bits, offset of the left part in the low ones; the end of
        // the pair is re-derived on pop and the rank re-checked, which detects stale entries.
        LongHeap heap = new LongHeap(length);
        for (int i = 0; i + 1 < length; i++) {
            int rank = ranks.rank(bytes, i, i + 2);
            if (rank >= 0) {
                heap.add(((long) rank << 32) | i);
            }
        }
        int parts = length;
        while (!heap.isEmpty()) {
            long entry = heap.poll();
            int i = (int) entry;
            int rank = (int) (entry >>> 32);
            if (gone[i] || next[i] >= length || ranks.rank(bytes, i, end(next, next[i], length)) != rank) {
                continue;
            }
            int j = next[i];
            gone[j] = true;
            next[i] = next[j];
            if (next[j] < length) {
                prev[next[j]] = i;
            }
            parts--;
            if (next[i] < length) {
                int right = ranks.rank(bytes, i, end(next, next[i], length));
                if (right >= 0) {
                    heap.add(((long) right << 32) | i);
                }
            }
            if (prev[i] >= 0) {
                int left = ranks.rank(bytes, prev[i], next[i]);
                if (left >= 0) {
                    heap.add(((long) left << 32) | prev[i]);
                }
            }
        }
        int[] ids = new int[parts];
        int n = 0;
        for (int i = 0; i < length; i = next[i]) {
            ids[n++] = ranks.rank(bytes, i, next[i]);
        }
        return ids;
    }

    /** End of part {@code i}: where the part after it starts. */
    private static int end(int[] next, int i, int length) {
        return i < length ? next[i] : length;
    }

    private int rankOrMax(byte[] bytes, int from, int to) {
        int rank = ranks.rank(bytes, from, to);
        return rank < 0 ? Integer.MAX_VALUE : rank;
    }

    /** The mergeable tokens by rank (null where unused); for persistence and content ids. */
    public List<byte[]> mergeableTokens() {
        return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(tokens, mergeableCount)));
    }
}
