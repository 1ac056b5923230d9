package dev.scratchgpt.tokenizer.bpe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-level BPE merges from a corpus (Sennrich et al. 2016, byte-level as in GPT-2).
 *
 * <p>The corpus is split with the {@link SplitPattern}, and only distinct pieces ("words") are
 * kept, each with its frequency: merges never cross pieces, so a word that occurs 10,000 times
 * is merged once and counted 10,000 times. Pair counts are kept up to date incrementally: a
 * merge touches only the words that contain its pair (an index from pair to words), and a
 * priority queue with lazy deletion yields the most frequent pair next. Ties go to the
 * smallest (left id, right id), so training is deterministic.
 *
 * <p>Ids 0..255 are the single bytes, merge k gets id 256+k, special tokens follow. Should a
 * merge produce bytes that are already a token (possible, rarely, with overlapping merges),
 * the existing id is reused and the vocabulary does not grow by that merge.
 */
public final class BpeTrainer {

    private final SplitPattern splitPattern;
    private final List<String> specials;
    private final PieceSplitter splitter;
    /** Distinct pieces seen so far and how often each occurred. */
    private final Map<String, long[]> pieceCounts = new HashMap<>();
    /** Text whose last pieces may still change with the next chunk. */
    private final StringBuilder pending = new StringBuilder();
    private long codePoints;
    private boolean endsInHighSurrogate;

    /** A trainer for a corpus that arrives in chunks: {@link #add} them, then {@link #train}. */
    public BpeTrainer(SplitPattern splitPattern, List<String> specials) {
        this.splitPattern = splitPattern;
        this.specials = List.copyOf(specials);
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        for (String special : specials) {
            specialIds.put(special, specialIds.size());
        }
        this.splitter = new PieceSplitter(splitPattern, specialIds);
    }

    /** Trains on a whole corpus; see {@link #train(int)}. */
    public static BytePairEncoding train(String corpus, int vocabSize, SplitPattern splitPattern, List<String> specials) {
        BpeTrainer trainer = new BpeTrainer(splitPattern, specials);
        trainer.add(corpus);
        return trainer.train(vocabSize);
    }

    /** Counts the pieces of the next chunk of the corpus (a chunk may end anywhere). */
    public void add(CharSequence chunk) {
        if (chunk.length() == 0) {
            return;
        }
        codePoints += Character.codePointCount(chunk, 0, chunk.length());
        if (endsInHighSurrogate && Character.isLowSurrogate(chunk.charAt(0))) {
            codePoints--;
        }
        endsInHighSurrogate = Character.isHighSurrogate(chunk.charAt(chunk.length() - 1));
        // Split the chunk in place when nothing is pending: a whole corpus is not copied.
        CharSequence text = pending.length() == 0 ? chunk : pending.append(chunk);
        int done = splitter.split(text, 0, text.length(), false, new Counter());
        if (text == pending) {
            pending.delete(0, done);
        } else {
            pending.append(chunk, done, chunk.length());
        }
    }

    /** Code points added so far. */
    public long codePoints() {
        return codePoints;
    }

    /**
     * Trains to {@code vocabSize} ids in all: 256 bytes, then merges, then the special tokens.
     * Stops early if the corpus runs out of adjacent pairs. Special tokens in the corpus were
     * cut out before counting, so no merge spans one.
     */
    public BytePairEncoding train(int vocabSize) {
        int mergeableTarget = vocabSize - specials.size();
        if (vocabSize > 1 << 17) {
            throw new IllegalArgumentException("vocab_size " + vocabSize + " is above the most this trainer supports, "
                    + (1 << 17));
        }
        if (mergeableTarget < 256) {
            throw new IllegalArgumentException("vocab_size " + vocabSize + " leaves no room for the 256 byte tokens and "
                    + specials.size() + " special tokens");
        }
        splitter.split(pending, 0, pending.length(), true, new Counter());
        pending.setLength(0);
        Words words = Words.of(pieceCounts);
        List<byte[]> tokens = new ArrayList<>(mergeableTarget);
        Map<String, Integer> idByBytes = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
            idByBytes.put(latin1(tokens.get(b)), b);
        }
        PairCounts pairs = new PairCounts(words);
        while (tokens.size() < mergeableTarget) {
            long pair = pairs.mostFrequent();
            if (pair < 0) {
                break;
            }
            byte[] joined = concat(tokens.get(left(pair)), tokens.get(right(pair)));
            Integer existing = idByBytes.get(latin1(joined));
            int id = existing != null ? existing : tokens.size();
            if (existing == null) {
                tokens.add(joined);
                idByBytes.put(latin1(joined), id);
            }
            pairs.merge(pair, id);
        }
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        for (String special : specials) {
            specialIds.put(special, tokens.size() + specialIds.size());
        }
        return new BytePairEncoding(tokens.toArray(new byte[0][]), specialIds, splitPattern);
    }

    /** Counts pieces; special tokens are not part of any word. */
    private final class Counter implements PieceSplitter.Sink {
        @Override
        public void piece(CharSequence text, int start, int end) {
            pieceCounts.computeIfAbsent(text.subSequence(start, end).toString(), k -> new long[1])[0]++;
        }

        @Override
        public void special(int id) {
        }
    }

    /**
     * A pair of ids as one long: left in the high bits, so ordering pairs orders (left, right).
     * 17 bits each, as ids stay below 2^17 (vocab_size is at most 100,000): then Long.hashCode
     * (high half xor low half) spreads pairs well; with 32-bit halves, (a, b) and (b, a) and
     * many more collide and HashMap degrades to trees.
     */
    static long pair(int left, int right) {
        return ((long) left << 17) | right;
    }

    static int left(long pair) {
        return (int) (pair >>> 17);
    }

    static int right(long pair) {
        return (int) (pair & 0x1FFFF);
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /** The distinct pieces of the corpus as token ids, with how often each occurs. */
    private static final class Words {
        final int[][] ids;
        final long[] frequency;

        private Words(int[][] ids, long[] frequency) {
            this.ids = ids;
            this.frequency = frequency;
        }

        static Words of(Map<String, long[]> counts) {
            int[][] ids = new int[counts.size()][];
            long[] frequency = new long[counts.size()];
            int w = 0;
            for (Map.Entry<String, long[]> word : counts.entrySet()) {
                byte[] bytes = word.getKey().getBytes(StandardCharsets.UTF_8);
                ids[w] = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    ids[w][i] = bytes[i] & 0xFF;
                }
                frequency[w++] = word.getValue()[0];
            }
            return new Words(ids, frequency);
        }
    }

    /** Frequency-weighted counts of adjacent pairs over all words, updated merge by merge. */
    private static final class PairCounts {
        private final Words words;
        private final PairTable table = new PairTable();
        /** Max-heap of (count, pair); an entry is stale when its count no longer matches. */
        private final PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) ->
                a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
        /** Merge number that last touched each word, to visit a word once per merge. */
        private final int[] visited;
        /** Merge number that last changed each pair slot, and the slots it changed. */
        private int[] changedIn = new int[0];
        private int[] changed = new int[64];
        private int changedCount;
        private int mergeNumber;

        PairCounts(Words words) {
            this.words = words;
            this.visited = new int[words.ids.length];
            for (int w = 0; w < words.ids.length; w++) {
                add(w, words.ids[w], words.frequency[w], -1);
            }
            for (int slot = 0; slot < table.size(); slot++) {
                queue.add(new long[] {table.count(slot), table.pair(slot)});
            }
        }

        /** The most frequent pair, or -1 when no word has two tokens left. */
        long mostFrequent() {
            long[] top;
            while ((top = queue.poll()) != null) {
                int slot = table.find(top[1]);
                if (top[0] > 0 && table.count(slot) == top[0]) {
                    return top[1];
                }
            }
            return -1;
        }

        /** Replaces every occurrence of {@code pair} (left to right, non-overlapping) by {@code id}. */
        void merge(long pair, int id) {
            mergeNumber++;
            changedCount = 0;
            int a = left(pair);
            int b = right(pair);
            for (int w : table.takeWords(table.find(pair))) {
                if (visited[w] == mergeNumber) {
                    continue;
                }
                visited[w] = mergeNumber;
                int[] word = words.ids[w];
                int[] merged = replace(word, a, b, id);
                if (merged == word) {
                    continue;
                }
                long f = words.frequency[w];
                add(w, word, -f, -1);
                add(w, merged, f, id);
                words.ids[w] = merged;
            }
            for (int i = 0; i < changedCount; i++) {
                int slot = changed[i];
                if (table.count(slot) > 0) {
                    queue.add(new long[] {table.count(slot), table.pair(slot)});
                }
            }
        }

        /**
         * Adds {@code delta} to the count of every pair in {@code word}, and indexes the word
         * under its pairs: all of them at first ({@code newId} -1), later only the pairs a merge
         * created (those with {@code newId}); the others are indexed already.
         */
        private void add(int w, int[] word, long delta, int newId) {
            for (int i = 0; i + 1 < word.length; i++) {
                int slot = table.slot(pair(word[i], word[i + 1]));
                table.addCount(slot, delta);
                noteChanged(slot);
                if (delta > 0 && (newId < 0 || word[i] == newId || word[i + 1] == newId)) {
                    table.addWord(slot, w);
                }
            }
        }

        private void noteChanged(int slot) {
            if (slot >= changedIn.length) {
                changedIn = Arrays.copyOf(changedIn, Math.max(slot + 1, changedIn.length * 2));
            }
            if (changedIn[slot] != mergeNumber) {
                changedIn[slot] = mergeNumber;
                if (changedCount == changed.length) {
                    changed = Arrays.copyOf(changed, changedCount * 2);
                }
                changed[changedCount++] = slot;
            }
        }

        /** {@code word} with each (a, b) replaced by id; the same array if there is none. */
        private static int[] replace(int[] word, int a, int b, int id) {
            int[] out = null;
            int n = 0;
            for (int i = 0; i < word.length; i++) {
                if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                    if (out == null) {
                        out = Arrays.copyOf(word, word.length - 1);
                        n = i;
                    }
                    out[n++] = id;
                    i++;
                } else if (out != null) {
                    out[n++] = word[i];
                }
            }
            return out == null ? word : Arrays.copyOf(out, n);
        }
    }
}
