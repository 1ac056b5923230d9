package dev.scratchgpt.tokenizer.bpe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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

    private BpeTrainer() {
    }

    /**
     * Trains to {@code vocabSize} ids in all: 256 bytes, then merges, then {@code specials}. Stops
     * early if the corpus runs out of adjacent pairs. Special tokens in the corpus are cut out
     * before counting, so no merge spans one.
     */
    public static BytePairEncoding train(String corpus, int vocabSize, SplitPattern splitPattern, List<String> specials) {
        int mergeableTarget = vocabSize - specials.size();
        if (mergeableTarget < 256) {
            throw new IllegalArgumentException("vocab_size " + vocabSize + " leaves no room for the 256 byte tokens and "
                    + specials.size() + " special tokens");
        }
        Words words = Words.count(corpus, splitPattern, specials);
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

    static long pair(int left, int right) {
        return ((long) left << 32) | right;
    }

    static int left(long pair) {
        return (int) (pair >>> 32);
    }

    static int right(long pair) {
        return (int) pair;
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

        static Words count(String corpus, SplitPattern split, List<String> specials) {
            Map<String, long[]> counts = new HashMap<>();
            List<String> segments = specials.isEmpty() ? List.of(corpus) : Arrays.asList(corpus.split(
                    specials.stream().map(Pattern::quote).collect(Collectors.joining("|")), -1));
            for (String segment : segments) {
                for (int start = 0, end; start < segment.length(); start = end) {
                    end = split.pieceEnd(segment, start, segment.length());
                    counts.computeIfAbsent(segment.substring(start, end), k -> new long[1])[0]++;
                }
            }
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
        private final Map<Long, Long> count = new HashMap<>();
        /** Words that contained the pair at some point (may be stale: checked on use). */
        private final Map<Long, List<Integer>> wordsWith = new HashMap<>();
        /** Max-heap of (count, pair); an entry is stale when its count no longer matches. */
        private final PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) ->
                a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
        /** Merge number that last touched each word, to visit a word once per merge. */
        private final int[] visited;
        private int mergeNumber;

        PairCounts(Words words) {
            this.words = words;
            this.visited = new int[words.ids.length];
            for (int w = 0; w < words.ids.length; w++) {
                add(w, words.ids[w], words.frequency[w]);
            }
            count.forEach((pair, n) -> queue.add(new long[] {n, pair}));
        }

        /** The most frequent pair, or -1 when no word has two tokens left. */
        long mostFrequent() {
            long[] top;
            while ((top = queue.poll()) != null) {
                Long current = count.get(top[1]);
                if (current != null && current == top[0]) {
                    return top[1];
                }
            }
            return -1;
        }

        /** Replaces every occurrence of {@code pair} (left to right, non-overlapping) by {@code id}. */
        void merge(long pair, int id) {
            mergeNumber++;
            int a = left(pair);
            int b = right(pair);
            Map<Long, Long> touched = new HashMap<>();
            for (int w : wordsWith.remove(pair)) {
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
                remember(touched, word);
                remember(touched, merged);
                add(w, word, -f);
                add(w, merged, f);
                words.ids[w] = merged;
            }
            count.remove(pair);
            for (Long changed : touched.keySet()) {
                Long n = count.get(changed);
                if (n != null && n > 0) {
                    queue.add(new long[] {n, changed});
                }
            }
        }

        private void remember(Map<Long, Long> changed, int[] word) {
            for (int i = 0; i + 1 < word.length; i++) {
                changed.put(pair(word[i], word[i + 1]), 0L);
            }
        }

        private void add(int w, int[] word, long delta) {
            for (int i = 0; i + 1 < word.length; i++) {
                long p = pair(word[i], word[i + 1]);
                long n = count.merge(p, delta, Long::sum);
                if (n == 0) {
                    count.remove(p);
                } else if (delta > 0) {
                    wordsWith.computeIfAbsent(p, k -> new ArrayList<>()).add(w);
                }
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
