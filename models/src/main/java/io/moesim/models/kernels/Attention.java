package io.moesim.models.kernels;

import java.util.Arrays;

/**
 * Causal scaled-dot-product attention over a {@link KvCache}, with grouped-query heads: query
 * head {@code h} reads kv head {@code h / (heads / kvHeads)}. The work is split by (token, kv
 * head) group, each computed by one thread in a fixed order.
 */
public final class Attention {

    private Attention() {
    }

    /**
     * Attention of one head group for one query token at {@code pos}, over cache positions
     * {@code [0, pos]}: for each of the {@code groupHeads} query heads at
     * {@code q[qOffset + g*keyDim]}, writes {@code valueDim} outputs at {@code out[outOffset + g*valueDim]}.
     * {@code scores} must hold {@code pos + 1} floats (scratch).
     */
    public static void headGroup(float[] q, int qOffset, int groupHeads, KvCache cache, int kvHead, int pos, float scale,
                                 float[] out, int outOffset, float[] scores) {
        int keyDim = cache.keyDim();
        int valueDim = cache.valueDim();
        float[] keys = cache.keys();
        float[] values = cache.values();
        int len = pos + 1;
        for (int g = 0; g < groupHeads; g++) {
            int qa = qOffset + g * keyDim;
            for (int j = 0; j < len; j++) {
                scores[j] = Vec.dot(q, qa, keys, cache.keyOffset(j, kvHead), keyDim) * scale;
            }
            Activations.softmax(scores, 0, len);
            int oa = outOffset + g * valueDim;
            Arrays.fill(out, oa, oa + valueDim, 0f);
            for (int j = 0; j < len; j++) {
                Vec.axpy(scores[j], values, cache.valueOffset(j, kvHead), out, oa, valueDim);
            }
        }
    }

    /**
     * Causal attention for {@code tokens} query tokens at {@code positions[t]} (their keys and
     * values already in the cache): {@code q [tokens, heads, keyDim]},
     * {@code out [tokens, heads, valueDim]}. Scores are multiplied by {@code scale}
     * (usually {@code 1/sqrt(keyDim)}).
     */
    public static void causal(Parallel par, float[] q, int tokens, int[] positions, int heads, KvCache cache, float scale,
                              float[] out) {
        int kvHeads = cache.kvHeads();
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads do not divide into " + kvHeads + " kv heads");
        }
        int group = heads / kvHeads;
        int keyDim = cache.keyDim();
        int valueDim = cache.valueDim();
        for (int t = 0; t < tokens; t++) {
            if (positions[t] < 0 || positions[t] >= cache.maxTokens()) {
                throw new IndexOutOfBoundsException("position " + positions[t] + " outside KV cache of " + cache.maxTokens());
            }
        }
        par.forEach(tokens * kvHeads, job -> {
            int t = job / kvHeads;
            int kvh = job % kvHeads;
            int pos = positions[t];
            float[] scores = new float[pos + 1];
            headGroup(q, (t * heads + kvh * group) * keyDim, group, cache, kvh, pos, scale,
                    out, (t * heads + kvh * group) * valueDim, scores);
        });
    }

    /** Decode: one query token at {@code pos}; {@code q [heads, keyDim]}, {@code out [heads, valueDim]}. */
    public static void decode(Parallel par, float[] q, int heads, KvCache cache, int pos, float scale, float[] out) {
        causal(par, q, 1, new int[] {pos}, heads, cache, scale, out);
    }
}
