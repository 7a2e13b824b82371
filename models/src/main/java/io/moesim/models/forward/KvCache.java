package io.moesim.models.forward;

/**
 * The keys and values of every layer for the tokens processed so far in one sequence, so that
 * later tokens attend to earlier ones without recomputing them. MLA layers keep the decompressed
 * per-head keys and values (simple, not the compact latent). Capacity is fixed at creation.
 */
public final class KvCache {

    final float[][] keys;
    final float[][] values;
    final int keyWidth;
    final int valueWidth;
    private final int capacity;
    private int length;

    KvCache(int layers, int capacity, int keyWidth, int valueWidth) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.keys = new float[layers][Math.multiplyExact(capacity, keyWidth)];
        this.values = new float[layers][Math.multiplyExact(capacity, valueWidth)];
    }

    /** Tokens cached so far; the position of the next token. */
    public int length() {
        return length;
    }

    /** Most tokens the cache holds. */
    public int capacity() {
        return capacity;
    }

    /** Forgets every token (the arrays are reused). */
    public void clear() {
        length = 0;
    }

    void advance(int n) {
        length += n;
    }
}
