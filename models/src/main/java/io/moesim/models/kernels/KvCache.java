package io.moesim.models.kernels;

/**
 * The key/value cache of one attention layer on the heap: keys {@code [maxTokens, kvHeads, keyDim]}
 * and values {@code [maxTokens, kvHeads, valueDim]} (key and value head sizes may differ, as in
 * DeepSeek's MLA decompressed to per-head keys of 192 and values of 128).
 */
public final class KvCache {

    private final int maxTokens;
    private final int kvHeads;
    private final int keyDim;
    private final int valueDim;
    private final float[] keys;
    private final float[] values;

    public KvCache(int maxTokens, int kvHeads, int keyDim, int valueDim) {
        if (maxTokens <= 0 || kvHeads <= 0 || keyDim <= 0 || valueDim <= 0) {
            throw new IllegalArgumentException("KvCache dimensions must be positive");
        }
        long k = (long) maxTokens * kvHeads * keyDim;
        long v = (long) maxTokens * kvHeads * valueDim;
        if (k > Integer.MAX_VALUE - 8 || v > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KvCache of " + maxTokens + " tokens does not fit a float[]");
        }
        this.maxTokens = maxTokens;
        this.kvHeads = kvHeads;
        this.keyDim = keyDim;
        this.valueDim = valueDim;
        this.keys = new float[(int) k];
        this.values = new float[(int) v];
    }

    /** Stores all heads' key ({@code kvHeads * keyDim} at {@code k[kOffset]}) and value of position {@code pos}. */
    public void put(int pos, float[] k, int kOffset, float[] v, int vOffset) {
        if (pos < 0 || pos >= maxTokens) {
            throw new IndexOutOfBoundsException("position " + pos + " outside KV cache of " + maxTokens);
        }
        System.arraycopy(k, kOffset, keys, keyOffset(pos, 0), kvHeads * keyDim);
        System.arraycopy(v, vOffset, values, valueOffset(pos, 0), kvHeads * valueDim);
    }

    /** Index of the key of {@code head} at {@code pos} in {@link #keys()}. */
    public int keyOffset(int pos, int head) {
        return (pos * kvHeads + head) * keyDim;
    }

    /** Index of the value of {@code head} at {@code pos} in {@link #values()}. */
    public int valueOffset(int pos, int head) {
        return (pos * kvHeads + head) * valueDim;
    }

    /** The key array (live, not a copy). */
    public float[] keys() {
        return keys;
    }

    /** The value array (live, not a copy). */
    public float[] values() {
        return values;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int keyDim() {
        return keyDim;
    }

    public int valueDim() {
        return valueDim;
    }
}
