package io.moesim.models.kernels;

import io.moesim.models.tensor.Tensor;
import io.moesim.models.tensor.Vectors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-matrix product for a batch of tokens: {@code out[t, r] = sum_k w[r, k] * x[t, k]},
 * weights {@code [rows, in]} row-major as in Hugging Face checkpoints (any dtype), activations
 * {@code x [tokens, in]} and {@code out [tokens, rows]} on the heap.
 *
 * <p>Cache blocking: each parallel block owns {@value #BLOCK_ROWS} weight rows; for each chunk
 * of {@value #CHUNK} input columns those rows are widened to float once into a per-thread
 * buffer that stays in L1, then a register tile of 4 rows x 2 tokens (8 independent FMA
 * accumulators) sweeps all tokens. Widening cost is paid once per weight element, not once
 * per token, so the loop is FMA-bound when tokens are many.
 *
 * <p>Every output element is summed in the same order whichever tile computes it (one vector
 * accumulator per chunk, lanes reduced, then the chunk's scalar tail, chunks added in order),
 * so a token's result does not depend on the thread count nor on the other tokens in the batch.
 */
public final class MatMul {

    /** Weight rows per parallel block (a multiple of the 4-row register tile). */
    static final int BLOCK_ROWS = 8;
    /** Input columns per cache chunk (a multiple of every vector length). */
    static final int CHUNK = 512;

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[BLOCK_ROWS * CHUNK]);

    private MatMul() {
    }

    /**
     * {@code out[outOffset + t*rows + r] = sum_k w[r, k] * x[xOffset + t*in + k]} for
     * {@code t < tokens}, {@code r < rows}, where {@code w} is {@code [rows, in]}.
     */
    public static void matmul(Parallel par, Tensor w, float[] x, int xOffset, int tokens, float[] out, int outOffset) {
        w.requireRank(2);
        int rows = w.dim(0);
        int in = w.dim(1);
        if (tokens < 0 || xOffset + (long) tokens * in > x.length || outOffset + (long) tokens * rows > out.length) {
            throw new IndexOutOfBoundsException("matmul " + w + " over " + tokens + " tokens: x[" + x.length + "]@" + xOffset
                    + ", out[" + out.length + "]@" + outOffset);
        }
        if (tokens == 0 || rows == 0) {
            return;
        }
        int blocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        par.forEach(blocks, b -> {
            int r0 = b * BLOCK_ROWS;
            block(w, x, xOffset, tokens, in, rows, out, outOffset, r0, Math.min(BLOCK_ROWS, rows - r0));
        });
    }

    /** {@code out = x . w^T} with both arrays at offset 0. */
    public static void matmul(Parallel par, Tensor w, float[] x, int tokens, float[] out) {
        matmul(par, w, x, 0, tokens, out, 0);
    }

    private static void block(Tensor w, float[] x, int xOffset, int tokens, int in, int rows,
                              float[] out, int outOffset, int r0, int nr) {
        float[] wb = SCRATCH.get();
        for (int k0 = 0; k0 < in; k0 += CHUNK) {
            int kc = Math.min(CHUNK, in - k0);
            for (int r = 0; r < nr; r++) {
                w.toFloat((long) (r0 + r) * in + k0, wb, r * kc, kc);
            }
            boolean first = k0 == 0;
            int t = 0;
            for (; t + 2 <= tokens; t += 2) {
                int xa = xOffset + t * in + k0;
                int oa = outOffset + t * rows + r0;
                int r = 0;
                for (; r + 4 <= nr; r += 4) {
                    tile4x2(wb, r * kc, kc, x, xa, xa + in, out, oa + r, oa + rows + r, first);
                }
                for (; r < nr; r++) {
                    single(wb, r * kc, kc, x, xa, out, oa + r, first);
                    single(wb, r * kc, kc, x, xa + in, out, oa + rows + r, first);
                }
            }
            for (; t < tokens; t++) {
                int xa = xOffset + t * in + k0;
                int oa = outOffset + t * rows + r0;
                int r = 0;
                for (; r + 4 <= nr; r += 4) {
                    tile4x1(wb, r * kc, kc, x, xa, out, oa + r, first);
                }
                for (; r < nr; r++) {
                    single(wb, r * kc, kc, x, xa, out, oa + r, first);
                }
            }
        }
    }

    private static void store(float[] out, int at, float partial, boolean first) {
        out[at] = first ? partial : out[at] + partial;
    }

    /** One output: weights row at {@code wb[w0 ..]} (length kc) against x at {@code xa}. */
    private static void single(float[] wb, int w0, int kc, float[] x, int xa, float[] out, int o, boolean first) {
        int lanes = F.length();
        int vec = kc - kc % lanes;
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < vec; i += lanes) {
            acc = FloatVector.fromArray(F, wb, w0 + i).fma(FloatVector.fromArray(F, x, xa + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int i = vec; i < kc; i++) {
            s += wb[w0 + i] * x[xa + i];
        }
        store(out, o, s, first);
    }

    /** Four consecutive weight rows (stride kc in wb) against one token. */
    private static void tile4x1(float[] wb, int w0, int kc, float[] x, int xa, float[] out, int o, boolean first) {
        int lanes = F.length();
        int vec = kc - kc % lanes;
        int w1 = w0 + kc;
        int w2 = w1 + kc;
        int w3 = w2 + kc;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int i = 0; i < vec; i += lanes) {
            FloatVector xv = FloatVector.fromArray(F, x, xa + i);
            a0 = FloatVector.fromArray(F, wb, w0 + i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, wb, w1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, wb, w2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, wb, w3 + i).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (int i = vec; i < kc; i++) {
            float xi = x[xa + i];
            s0 += wb[w0 + i] * xi;
            s1 += wb[w1 + i] * xi;
            s2 += wb[w2 + i] * xi;
            s3 += wb[w3 + i] * xi;
        }
        store(out, o, s0, first);
        store(out, o + 1, s1, first);
        store(out, o + 2, s2, first);
        store(out, o + 3, s3, first);
    }

    /** Four consecutive weight rows against two tokens: eight accumulators. */
    private static void tile4x2(float[] wb, int w0, int kc, float[] x, int xa, int xb,
                                float[] out, int oa, int ob, boolean first) {
        int lanes = F.length();
        int vec = kc - kc % lanes;
        int w1 = w0 + kc;
        int w2 = w1 + kc;
        int w3 = w2 + kc;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F);
        FloatVector b3 = FloatVector.zero(F);
        for (int i = 0; i < vec; i += lanes) {
            FloatVector xv = FloatVector.fromArray(F, x, xa + i);
            FloatVector yv = FloatVector.fromArray(F, x, xb + i);
            FloatVector v0 = FloatVector.fromArray(F, wb, w0 + i);
            a0 = v0.fma(xv, a0);
            b0 = v0.fma(yv, b0);
            FloatVector v1 = FloatVector.fromArray(F, wb, w1 + i);
            a1 = v1.fma(xv, a1);
            b1 = v1.fma(yv, b1);
            FloatVector v2 = FloatVector.fromArray(F, wb, w2 + i);
            a2 = v2.fma(xv, a2);
            b2 = v2.fma(yv, b2);
            FloatVector v3 = FloatVector.fromArray(F, wb, w3 + i);
            a3 = v3.fma(xv, a3);
            b3 = v3.fma(yv, b3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        float t0 = b0.reduceLanes(VectorOperators.ADD);
        float t1 = b1.reduceLanes(VectorOperators.ADD);
        float t2 = b2.reduceLanes(VectorOperators.ADD);
        float t3 = b3.reduceLanes(VectorOperators.ADD);
        for (int i = vec; i < kc; i++) {
            float xi = x[xa + i];
            float yi = x[xb + i];
            s0 += wb[w0 + i] * xi;
            s1 += wb[w1 + i] * xi;
            s2 += wb[w2 + i] * xi;
            s3 += wb[w3 + i] * xi;
            t0 += wb[w0 + i] * yi;
            t1 += wb[w1 + i] * yi;
            t2 += wb[w2 + i] * yi;
            t3 += wb[w3 + i] * yi;
        }
        store(out, oa, s0, first);
        store(out, oa + 1, s1, first);
        store(out, oa + 2, s2, first);
        store(out, oa + 3, s3, first);
        store(out, ob, t0, first);
        store(out, ob + 1, t1, first);
        store(out, ob + 2, t2, first);
        store(out, ob + 3, t3, first);
    }
}
