package io.moesim.models.forward;

import io.moesim.models.kernels.KvCache;
import io.moesim.models.kernels.RopeTable;

/**
 * The state of one sequence between {@link ForwardModel#forward} calls: per layer a
 * {@link KvCache} of the keys and values of the tokens processed so far (MLA layers keep the
 * decompressed per-head keys and values, whose head sizes differ), the rotary tables for every
 * position it can hold, and the number of tokens cached. Capacity is fixed at creation.
 */
public final class SequenceCache {

    final KvCache[] layers;
    final RopeTable rope;
    private final int capacity;
    private int length;

    SequenceCache(int layers, int capacity, int kvHeads, int keyDim, int valueDim, RopeTable rope) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.rope = rope;
        this.layers = new KvCache[layers];
        for (int l = 0; l < layers; l++) {
            this.layers[l] = new KvCache(capacity, kvHeads, keyDim, valueDim);
        }
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
