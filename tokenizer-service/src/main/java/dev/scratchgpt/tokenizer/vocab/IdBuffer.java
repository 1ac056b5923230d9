package dev.scratchgpt.tokenizer.vocab;

import java.util.Arrays;

/** A growable array of token ids without boxing. */
public final class IdBuffer {

    private int[] ids;
    private int size;

    public IdBuffer(int initialCapacity) {
        ids = new int[Math.max(16, initialCapacity)];
    }

    public void add(int id) {
        if (size == ids.length) {
            ensureCapacity(size + 1);
        }
        ids[size++] = id;
    }

    /** Makes room for at least {@code capacity} ids so a hot loop can write to {@link #array()}. */
    public void ensureCapacity(int capacity) {
        if (capacity > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(capacity, ids.length + (ids.length >> 1)));
        }
    }

    /** The backing array; valid up to {@link #size()}. */
    public int[] array() {
        return ids;
    }

    public int size() {
        return size;
    }

    /** Sets the size after writing to {@link #array()} directly. */
    public void setSize(int size) {
        this.size = size;
    }

    public int get(int index) {
        return ids[index];
    }

    public void clear() {
        size = 0;
    }

    public int[] toArray() {
        return Arrays.copyOf(ids, size);
    }
}
