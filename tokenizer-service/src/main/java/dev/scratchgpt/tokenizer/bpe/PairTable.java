package dev.scratchgpt.tokenizer.bpe;

import java.util.Arrays;

/**
 * The trainer's table of adjacent id pairs: for each pair a slot holding its frequency-weighted
 * count and the words it occurs in. Open addressing over primitive arrays: training updates
 * these counts millions of times, and boxed {@code Map<Long, Long>} keys cost more than the
 * counting itself. Slots are never freed (a count may drop to 0 and rise again).
 */
final class PairTable {

    private static final long EMPTY = -1;

    /** Slot of each hash position, or -1. */
    private int[] index;
    private long[] pairs = new long[1024];
    private long[] counts = new long[1024];
    private int[][] words = new int[1024][];
    private int[] wordCounts = new int[1024];
    private int size;

    PairTable() {
        index = new int[4096];
        Arrays.fill(index, -1);
    }

    /** The slot of {@code pair}, created with count 0 if new. */
    int slot(long pair) {
        int mask = index.length - 1;
        for (int h = hash(pair) & mask; ; h = (h + 1) & mask) {
            int slot = index[h];
            if (slot < 0) {
                return insert(pair, h);
            }
            if (pairs[slot] == pair) {
                return slot;
            }
        }
    }

    /** The slot of {@code pair}, or -1 if it never occurred. */
    int find(long pair) {
        int mask = index.length - 1;
        for (int h = hash(pair) & mask; ; h = (h + 1) & mask) {
            int slot = index[h];
            if (slot < 0 || pairs[slot] == pair) {
                return slot;
            }
        }
    }

    long pair(int slot) {
        return pairs[slot];
    }

    long count(int slot) {
        return counts[slot];
    }

    void addCount(int slot, long delta) {
        counts[slot] += delta;
    }

    /** Notes that word {@code w} contains the pair (duplicates allowed; readers skip them). */
    void addWord(int slot, int w) {
        int[] list = words[slot];
        if (list == null) {
            list = words[slot] = new int[4];
        } else if (wordCounts[slot] == list.length) {
            list = words[slot] = Arrays.copyOf(list, list.length * 2);
        }
        list[wordCounts[slot]++] = w;
    }

    /** The words noted for the slot, then forgets them. */
    int[] takeWords(int slot) {
        int[] list = words[slot] == null ? new int[0] : Arrays.copyOf(words[slot], wordCounts[slot]);
        words[slot] = null;
        wordCounts[slot] = 0;
        return list;
    }

    int size() {
        return size;
    }

    private int insert(long pair, int h) {
        if (size == pairs.length) {
            int capacity = size * 2;
            pairs = Arrays.copyOf(pairs, capacity);
            counts = Arrays.copyOf(counts, capacity);
            words = Arrays.copyOf(words, capacity);
            wordCounts = Arrays.copyOf(wordCounts, capacity);
        }
        int slot = size++;
        pairs[slot] = pair;
        index[h] = slot;
        if (size * 2 > index.length) {
            rehash();
        }
        return slot;
    }

    private void rehash() {
        index = new int[index.length * 2];
        Arrays.fill(index, -1);
        int mask = index.length - 1;
        for (int slot = 0; slot < size; slot++) {
            int h = hash(pairs[slot]) & mask;
            while (index[h] >= 0) {
                h = (h + 1) & mask;
            }
            index[h] = slot;
        }
    }

    /** The murmur3 finaliser: pairs differ in few bits, so those bits must reach every bucket bit. */
    private static int hash(long pair) {
        long h = pair;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h;
    }
}
