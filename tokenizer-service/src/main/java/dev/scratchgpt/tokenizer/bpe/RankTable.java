package dev.scratchgpt.tokenizer.bpe;

/**
 * Token bytes to rank (= id), looked up by a slice of a byte array so that the merge loop,
 * which asks for the rank of every adjacent pair, allocates nothing. Open addressing with
 * linear probing; built once, read-only afterwards, so safe to share between threads.
 */
final class RankTable {

    private final byte[][] keys;
    private final int[] ranks;
    private final int mask;

    /** {@code tokens[rank]} are the bytes of each mergeable token; null entries are skipped. */
    RankTable(byte[][] tokens) {
        int capacity = Integer.highestOneBit(Math.max(4, tokens.length) * 2) * 2;
        keys = new byte[capacity][];
        ranks = new int[capacity];
        mask = capacity - 1;
        for (int rank = 0; rank < tokens.length; rank++) {
            byte[] token = tokens[rank];
            if (token == null) {
                continue;
            }
            int slot = hash(token, 0, token.length) & mask;
            while (keys[slot] != null) {
                if (equals(keys[slot], token, 0, token.length)) {
                    throw new IllegalArgumentException("Token bytes of rank " + rank + " repeat those of rank "
                            + ranks[slot]);
                }
                slot = (slot + 1) & mask;
            }
            keys[slot] = token;
            ranks[slot] = rank;
        }
    }

    /** The rank of {@code bytes[from..to)}, or -1 when those bytes are not a token. */
    int rank(byte[] bytes, int from, int to) {
        int slot = hash(bytes, from, to) & mask;
        byte[] key;
        while ((key = keys[slot]) != null) {
            if (equals(key, bytes, from, to)) {
                return ranks[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private static int hash(byte[] bytes, int from, int to) {
        int h = 0x9E3779B9 ^ (to - from);
        for (int i = from; i < to; i++) {
            h = (h ^ bytes[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static boolean equals(byte[] key, byte[] bytes, int from, int to) {
        if (key.length != to - from) {
            return false;
        }
        for (int i = 0; i < key.length; i++) {
            if (key[i] != bytes[from + i]) {
                return false;
            }
        }
        return true;
    }
}
