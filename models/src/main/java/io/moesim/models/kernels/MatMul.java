package io.moesim.models.kernels;

import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import io.moesim.models.tensor.Vectors;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-matrix product for a batch of tokens: {@code out[t, r] = sum_k w[r, k] * x[t, k]},
 * weights {@code [rows, in]} row-major as in Hugging Face checkpoints (any dtype), activations
 * {@code x [tokens, in]} and {@code out [tokens, rows]} on the heap.
 *
 * <p>Outer-product micro-kernel with the vector over tokens: the activations are packed once per
 * call, transposed in groups of {@link Vectors#LANES} tokens ({@code xt[group][k][lane]}, padded
 * with zero tokens), so that one vector load gives {@code x[t .. t+LANES, k]}. Each parallel block
 * owns {@value #BLOCK_ROWS} weight rows; for each chunk of {@value #CHUNK} input columns those
 * rows are widened to float once into a per-thread buffer (L1), and a register tile of
 * 6 rows x 2 token vectors (12 accumulators) broadcasts one weight per row and column and does
 * 12 FMAs per 2 vector loads and 6 broadcasts. No horizontal sums: an accumulator lane is one
 * output element.
 *
 * <p>Summation order: every output element is the chain {@code s = fma(w[r, k], x[t, k], s)}
 * over {@code k = 0, 1, .., in-1} from {@code s = 0} (accumulators are saved and resumed between
 * chunks, which does not round), whichever tile, thread or batch computes it. So a token's result
 * is bitwise independent of the thread count and of the other tokens in the batch (including a
 * batch of one). It differs in rounding from {@link MatVec}, which sums lanes in parallel.
 *
 * <p>A few tokens ({@value #SMALL_TOKENS} or fewer) with BF16 weights run {@link SmallMatMul}
 * instead, whose vector is over output rows (weights transposed per chunk) and whose every output
 * is the same chain, so the results are the same bits; with 1-3 tokens the outer product would
 * spend one FMA per weight element on a nearly empty group of 8 tokens.
 */
public final class MatMul {

    /** Weight rows per parallel block (a multiple of the 6-row register tile). */
    static final int BLOCK_ROWS = 24;
    /** Input columns per cache chunk. */
    static final int CHUNK = 256;
    private static final int TILE_ROWS = 6;
    /**
     * Up to this many tokens, BF16 weights go through {@link SmallMatMul} (vector over rows, same
     * bits). Measured on the reference machine ([1024 x 2048] BF16, one thread, in cache): 0.21 vs
     * 0.39 ns per weight element at 1 token, 0.45 vs 0.51 at 12, even at 14-15, slower from 16.
     * F32 and F16 weights stay on the outer product: their transpose (widened rows, then the float
     * butterfly) made the small kernel 10-20% slower than the outer product even at one token.
     */
    static final int SMALL_TOKENS = 12;

    private static final VectorSpecies<Float> F = Vectors.F;
    private static final int L = Vectors.LANES;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers: widened weight rows of one chunk, and the block's accumulators. */
    private static final class Scratch {
        final float[] wb = new float[BLOCK_ROWS * CHUNK];
        float[] acc = new float[0];

        float[] acc(int n) {
            if (acc.length < n) {
                acc = new float[n];
            }
            return acc;
        }
    }

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
        if (in == 0) {
            for (int t = 0; t < tokens; t++) {
                Arrays.fill(out, outOffset + t * rows, outOffset + (t + 1) * rows, 0f);
            }
            return;
        }
        if (tokens <= SMALL_TOKENS && w.dtype() == DType.BF16 && SmallMatMul.supported()) {
            SmallMatMul.matmul(par, w, x, xOffset, tokens, out, outOffset);
        } else {
            outerProduct(par, w, x, xOffset, tokens, out, outOffset);
        }
    }

    /** The outer-product kernel for any token count (bounds checked, {@code tokens, rows, in > 0}). */
    static void outerProduct(Parallel par, Tensor w, float[] x, int xOffset, int tokens, float[] out, int outOffset) {
        int rows = w.dim(0);
        int in = w.dim(1);
        int groups = (tokens + L - 1) / L;
        float[] xt = new float[groups * in * L];
        par.forEach(groups, g -> pack(x, xOffset, tokens, in, g, xt));
        int blocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        par.forEach(blocks, b -> {
            int r0 = b * BLOCK_ROWS;
            block(w, xt, groups, tokens, in, rows, out, outOffset, r0, Math.min(BLOCK_ROWS, rows - r0));
        });
    }

    /** {@code out = x . w^T} with both arrays at offset 0. */
    public static void matmul(Parallel par, Tensor w, float[] x, int tokens, float[] out) {
        matmul(par, w, x, 0, tokens, out, 0);
    }

    /** Group g of the packed activations: {@code xt[(g*in + k)*L + j] = x[t = g*L + j, k]} (padding tokens stay zero). */
    private static void pack(float[] x, int xOffset, int tokens, int in, int g, float[] xt) {
        for (int t = g * L; t < Math.min(tokens, (g + 1) * L); t++) {
            int base = g * in * L + t % L;
            int src = xOffset + t * in;
            for (int k = 0; k < in; k++) {
                xt[base + k * L] = x[src + k];
            }
        }
    }

    private static void block(Tensor w, float[] xt, int groups, int tokens, int in, int rows,
                              float[] out, int outOffset, int r0, int nr) {
        Scratch s = SCRATCH.get();
        float[] wb = s.wb;
        int tp = groups * L;
        int nrPad = (nr + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
        float[] acc = s.acc(nrPad * tp);
        Arrays.fill(acc, 0, nrPad * tp, 0f);
        for (int k0 = 0; k0 < in; k0 += CHUNK) {
            int kc = Math.min(CHUNK, in - k0);
            for (int r = 0; r < nr; r++) {
                w.toFloat((long) (r0 + r) * in + k0, wb, r * kc, kc);
            }
            Arrays.fill(wb, nr * kc, nrPad * kc, 0f);
            int g = 0;
            for (; g + 2 <= groups; g += 2) {
                int xa = (g * in + k0) * L;
                int xb = xa + in * L;
                for (int r = 0; r < nrPad; r += TILE_ROWS) {
                    tile6x2(wb, r * kc, kc, xt, xa, xb, acc, r * tp + g * L, tp);
                }
            }
            if (g < groups) {
                int xa = (g * in + k0) * L;
                for (int r = 0; r < nrPad; r += TILE_ROWS) {
                    tile6x1(wb, r * kc, kc, xt, xa, acc, r * tp + g * L, tp);
                }
            }
        }
        for (int t = 0; t < tokens; t++) {
            int o = outOffset + t * rows + r0;
            for (int r = 0; r < nr; r++) {
                out[o + r] = acc[r * tp + t];
            }
        }
    }

    /**
     * Six weight rows (stride kc in wb, from w0) against two token vectors (xt from xa and xb,
     * stride L per k): accumulators {@code acc[a + i*tp ..]} (group a) and {@code +L} (group b).
     */
    private static void tile6x2(float[] wb, int w0, int kc, float[] xt, int xa, int xb, float[] acc, int a, int tp) {
        int w1 = w0 + kc, w2 = w1 + kc, w3 = w2 + kc, w4 = w3 + kc, w5 = w4 + kc;
        FloatVector c0 = FloatVector.fromArray(F, acc, a);
        FloatVector d0 = FloatVector.fromArray(F, acc, a + L);
        FloatVector c1 = FloatVector.fromArray(F, acc, a + tp);
        FloatVector d1 = FloatVector.fromArray(F, acc, a + tp + L);
        FloatVector c2 = FloatVector.fromArray(F, acc, a + 2 * tp);
        FloatVector d2 = FloatVector.fromArray(F, acc, a + 2 * tp + L);
        FloatVector c3 = FloatVector.fromArray(F, acc, a + 3 * tp);
        FloatVector d3 = FloatVector.fromArray(F, acc, a + 3 * tp + L);
        FloatVector c4 = FloatVector.fromArray(F, acc, a + 4 * tp);
        FloatVector d4 = FloatVector.fromArray(F, acc, a + 4 * tp + L);
        FloatVector c5 = FloatVector.fromArray(F, acc, a + 5 * tp);
        FloatVector d5 = FloatVector.fromArray(F, acc, a + 5 * tp + L);
        for (int k = 0; k < kc; k++) {
            FloatVector x0 = FloatVector.fromArray(F, xt, xa + k * L);
            FloatVector x1 = FloatVector.fromArray(F, xt, xb + k * L);
            FloatVector v = FloatVector.broadcast(F, wb[w0 + k]);
            c0 = v.fma(x0, c0);
            d0 = v.fma(x1, d0);
            v = FloatVector.broadcast(F, wb[w1 + k]);
            c1 = v.fma(x0, c1);
            d1 = v.fma(x1, d1);
            v = FloatVector.broadcast(F, wb[w2 + k]);
            c2 = v.fma(x0, c2);
            d2 = v.fma(x1, d2);
            v = FloatVector.broadcast(F, wb[w3 + k]);
            c3 = v.fma(x0, c3);
            d3 = v.fma(x1, d3);
            v = FloatVector.broadcast(F, wb[w4 + k]);
            c4 = v.fma(x0, c4);
            d4 = v.fma(x1, d4);
            v = FloatVector.broadcast(F, wb[w5 + k]);
            c5 = v.fma(x0, c5);
            d5 = v.fma(x1, d5);
        }
        c0.intoArray(acc, a);
        d0.intoArray(acc, a + L);
        c1.intoArray(acc, a + tp);
        d1.intoArray(acc, a + tp + L);
        c2.intoArray(acc, a + 2 * tp);
        d2.intoArray(acc, a + 2 * tp + L);
        c3.intoArray(acc, a + 3 * tp);
        d3.intoArray(acc, a + 3 * tp + L);
        c4.intoArray(acc, a + 4 * tp);
        d4.intoArray(acc, a + 4 * tp + L);
        c5.intoArray(acc, a + 5 * tp);
        d5.intoArray(acc, a + 5 * tp + L);
    }

    /** Six weight rows against one token vector (the last group when the group count is odd). */
    private static void tile6x1(float[] wb, int w0, int kc, float[] xt, int xa, float[] acc, int a, int tp) {
        int w1 = w0 + kc, w2 = w1 + kc, w3 = w2 + kc, w4 = w3 + kc, w5 = w4 + kc;
        FloatVector c0 = FloatVector.fromArray(F, acc, a);
        FloatVector c1 = FloatVector.fromArray(F, acc, a + tp);
        FloatVector c2 = FloatVector.fromArray(F, acc, a + 2 * tp);
        FloatVector c3 = FloatVector.fromArray(F, acc, a + 3 * tp);
        FloatVector c4 = FloatVector.fromArray(F, acc, a + 4 * tp);
        FloatVector c5 = FloatVector.fromArray(F, acc, a + 5 * tp);
        for (int k = 0; k < kc; k++) {
            FloatVector x0 = FloatVector.fromArray(F, xt, xa + k * L);
            c0 = FloatVector.broadcast(F, wb[w0 + k]).fma(x0, c0);
            c1 = FloatVector.broadcast(F, wb[w1 + k]).fma(x0, c1);
            c2 = FloatVector.broadcast(F, wb[w2 + k]).fma(x0, c2);
            c3 = FloatVector.broadcast(F, wb[w3 + k]).fma(x0, c3);
            c4 = FloatVector.broadcast(F, wb[w4 + k]).fma(x0, c4);
            c5 = FloatVector.broadcast(F, wb[w5 + k]).fma(x0, c5);
        }
        c0.intoArray(acc, a);
        c1.intoArray(acc, a + tp);
        c2.intoArray(acc, a + 2 * tp);
        c3.intoArray(acc, a + 3 * tp);
        c4.intoArray(acc, a + 4 * tp);
        c5.intoArray(acc, a + 5 * tp);
    }
}
