package io.moesim.models.kernels;

import java.util.Arrays;

/**
 * The grouped expert product of an MoE layer: given which experts each token of a batch was
 * routed to, run each chosen expert once over all of its tokens (gather, gate and up GEMMs,
 * SiLU gate, down GEMM) and add its output, times the token's gate weight, to the token's row.
 *
 * <p>Experts run in increasing index order and tokens of one expert in increasing token order,
 * so the additions into a token's row happen in a fixed order: results are bitwise identical
 * for any thread count.
 *
 * <p>A batch of one token (decode) streams each chosen expert's weights with {@link MatVec}
 * (memory-bound, at the speed of the weights); a batch of several uses {@link MatMul} for every
 * expert, even one that got a single token. So, as for the projections of
 * {@code ForwardModel}, a token's result depends only on whether its batch has one token or
 * several (the two kernels round differently), never on which other tokens share the batch.
 */
public final class Experts {

    private Experts() {
    }

    /**
     * {@code out[t] += sum_k weights[t*topK + k] * expert_{experts[t*topK + k]}(x[t])} for
     * {@code t < tokens}; {@code x} and {@code out} are {@code [tokens, d]}. An expert listed
     * twice for one token counts twice.
     */
    public static void forward(Parallel par, ExpertWeights w, float[] x, int tokens, int topK, int[] experts, float[] weights,
                               float[] out) {
        int d = w.hidden();
        int ff = w.intermediate();
        int n = tokens * topK;
        if (experts.length < n || weights.length < n || x.length < tokens * d || out.length < tokens * d) {
            throw new IndexOutOfBoundsException("expert assignments or activations shorter than " + tokens + " tokens x top-" + topK);
        }
        // Counting sort of assignment slots by expert (stable: slots of one expert in token order).
        int[] start = new int[w.experts() + 1];
        for (int s = 0; s < n; s++) {
            int e = experts[s];
            if (e < 0 || e >= w.experts()) {
                throw new IndexOutOfBoundsException("expert " + e + " outside [0, " + w.experts() + ")");
            }
            start[e + 1]++;
        }
        int maxCount = 0;
        for (int e = 0; e < w.experts(); e++) {
            maxCount = Math.max(maxCount, start[e + 1]);
            start[e + 1] += start[e];
        }
        int[] fill = Arrays.copyOf(start, start.length);
        int[] slots = new int[n];
        for (int s = 0; s < n; s++) {
            slots[fill[experts[s]]++] = s;
        }
        float[] xs = new float[maxCount * d];
        float[] g = new float[maxCount * ff];
        float[] u = new float[maxCount * ff];
        float[] y = new float[maxCount * d];
        for (int e = 0; e < w.experts(); e++) {
            int count = start[e + 1] - start[e];
            if (count == 0) {
                continue;
            }
            for (int i = 0; i < count; i++) {
                int token = slots[start[e] + i] / topK;
                System.arraycopy(x, token * d, xs, i * d, d);
            }
            if (tokens == 1) {
                for (int i = 0; i < count; i++) { // more than once only if the token lists e twice
                    MatVec.matvec(par, w.gate().get(e), xs, i * d, g, i * ff);
                    MatVec.matvec(par, w.up().get(e), xs, i * d, u, i * ff);
                    Activations.siluGate(g, i * ff, u, i * ff, ff);
                    MatVec.matvec(par, w.down().get(e), g, i * ff, y, i * d);
                }
            } else {
                MatMul.matmul(par, w.gate().get(e), xs, 0, count, g, 0);
                MatMul.matmul(par, w.up().get(e), xs, 0, count, u, 0);
                Activations.siluGate(g, 0, u, 0, count * ff);
                MatMul.matmul(par, w.down().get(e), g, 0, count, y, 0);
            }
            for (int i = 0; i < count; i++) {
                int slot = slots[start[e] + i];
                Vec.axpy(weights[slot], y, i * d, out, (slot / topK) * d, d);
            }
        }
    }
}
