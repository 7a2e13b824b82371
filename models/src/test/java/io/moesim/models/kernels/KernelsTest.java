package io.moesim.models.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import io.moesim.models.tensor.Vectors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class KernelsTest {

    private static final Arena ARENA = Arena.ofShared();
    private static final Parallel ONE = Parallel.sequential();
    private static final Parallel THREE = Parallel.of(3);

    @AfterAll
    static void close() {
        THREE.close();
        ARENA.close();
    }

    static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** Stores v rounded to dtype in a fresh off-heap segment. */
    static Tensor store(DType dtype, float[] v, int... shape) {
        MemorySegment seg = ARENA.allocate(Math.max(1, (long) v.length * dtype.bytes())).asSlice(0, (long) v.length * dtype.bytes());
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case F32 -> seg.set(Vectors.FLOAT_LE, 4L * i, v[i]);
                case BF16 -> seg.set(Vectors.SHORT_LE, 2L * i, DType.floatToBf16(v[i]));
                case F16 -> seg.set(Vectors.SHORT_LE, 2L * i, Float.floatToFloat16(v[i]));
            }
        }
        return Tensor.of(dtype, seg, shape);
    }

    /** Reference out[t, r] = sum_k w[r,k] x[t,k] in double, with the tensor's widened values. */
    static double[] refMatmul(Tensor w, float[] x, int tokens) {
        int rows = w.dim(0);
        int in = w.dim(1);
        double[] out = new double[tokens * rows];
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += (double) w.get((long) r * in + k) * x[t * in + k];
                }
                out[t * rows + r] = s;
            }
        }
        return out;
    }

    /** Relative error against the reference, scaled by the norm of the reference vector. */
    static void assertClose(double[] expected, float[] got, double tolerance, String what) {
        double norm = 0;
        double err = 0;
        for (int i = 0; i < expected.length; i++) {
            norm += expected[i] * expected[i];
            err = Math.max(err, Math.abs(expected[i] - got[i]));
        }
        double rms = Math.sqrt(norm / Math.max(1, expected.length));
        if (err > tolerance * rms) {
            throw new AssertionError(what + ": max error " + err + " vs rms " + rms);
        }
    }

    @Test
    void matvecMatchesDoubleReferenceForEveryDtype() {
        Random r = new Random(1);
        for (DType dtype : DType.values()) {
            for (int[] shape : new int[][] {{1, 1}, {37, 13}, {70, 256}, {33, 1031}}) {
                Tensor w = store(dtype, random(r, shape[0] * shape[1]), shape);
                float[] x = random(r, shape[1]);
                float[] out = new float[shape[0]];
                MatVec.matvec(THREE, w, x, out);
                assertClose(refMatmul(w, x, 1), out, 1e-5, "matvec " + w);
                float[] seq = new float[shape[0]];
                MatVec.matvec(ONE, w, x, seq);
                assertArrayEquals(out, seq, "thread-count dependence");
            }
        }
    }

    @Test
    void matmulMatchesDoubleReferenceAndIsThreadAndBatchIndependent() {
        Random r = new Random(2);
        for (DType dtype : DType.values()) {
            for (int[] shape : new int[][] {{5, 3, 7}, {17, 45, 1100}, {4, 64, 512}, {1, 9, 33}}) {
                int tokens = shape[0];
                Tensor w = store(dtype, random(r, shape[1] * shape[2]), shape[1], shape[2]);
                float[] x = random(r, tokens * shape[2]);
                float[] out = new float[tokens * shape[1]];
                MatMul.matmul(THREE, w, x, tokens, out);
                assertClose(refMatmul(w, x, tokens), out, 1e-5, "matmul " + w + " x " + tokens);
                float[] seq = new float[out.length];
                MatMul.matmul(ONE, w, x, tokens, seq);
                assertArrayEquals(out, seq, "thread-count dependence");
                // The last token alone gives bitwise the same row as inside the batch.
                float[] alone = new float[shape[1]];
                MatMul.matmul(ONE, w, x, (tokens - 1) * shape[2], 1, alone, 0);
                for (int i = 0; i < shape[1]; i++) {
                    assertEquals(Float.floatToIntBits(out[(tokens - 1) * shape[1] + i]), Float.floatToIntBits(alone[i]));
                }
            }
        }
    }

    @Test
    void lowPrecisionWeightsEqualTheirWidenedF32Copies() {
        Random r = new Random(3);
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            Tensor w = store(dtype, random(r, 24 * 600), 24, 600);
            Tensor wide = store(DType.F32, w.toFloatArray(), 24, 600);
            float[] x = random(r, 5 * 600);
            float[] a = new float[5 * 24];
            float[] b = new float[5 * 24];
            MatMul.matmul(THREE, w, x, 5, a);
            MatMul.matmul(THREE, wide, x, 5, b);
            assertArrayEquals(b, a);
        }
    }

    @Test
    void rmsNormAndSoftmaxAndSilu() {
        Random r = new Random(4);
        int n = 203;
        float[] x = random(r, n);
        float[] w = random(r, n);
        float[] out = new float[n];
        Norm.rms(out, 0, x, 0, w, 0, n, 1e-6f);
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
        double inv = 1 / Math.sqrt(ss / n + 1e-6);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            expected[i] = x[i] * inv * w[i];
        }
        assertClose(expected, out, 1e-6, "rmsnorm");

        float[] s = random(r, 50);
        double max = Double.NEGATIVE_INFINITY;
        for (float v : s) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : s) {
            sum += Math.exp(v - max);
        }
        double[] soft = new double[50];
        for (int i = 0; i < 50; i++) {
            soft[i] = Math.exp(s[i] - max) / sum;
        }
        Activations.softmax(s, 0, 50);
        assertClose(soft, s, 1e-6, "softmax");

        assertEquals(0.0f, Activations.silu(0f));
        assertEquals(2.0 / (1 + Math.exp(-2.0)), Activations.silu(2f), 1e-6);
        assertEquals(-3.0 / (1 + Math.exp(3.0)), Activations.silu(-3f), 1e-6);
    }

    @Test
    void ropeLayoutsRotateTheRightPairs() {
        int headDim = 8;
        int rotary = 6; // partial rotary: the last 2 dims pass through
        double theta = 10000;
        int pos = 7;
        Random r = new Random(5);
        float[] x = random(r, 2 * headDim);
        float[] neox = x.clone();
        float[] inter = x.clone();
        Rope.neox(neox, 0, 2, headDim, RopeTable.standard(rotary, theta, 16), pos);
        Rope.interleaved(inter, 0, 2, headDim, RopeTable.standard(rotary, theta, 16), pos);
        double[] eNeox = new double[x.length];
        double[] eInter = new double[x.length];
        for (int h = 0; h < 2; h++) {
            int b = h * headDim;
            for (int i = 0; i < rotary / 2; i++) {
                double a = pos * Math.pow(theta, -2.0 * i / rotary);
                eNeox[b + i] = x[b + i] * Math.cos(a) - x[b + i + 3] * Math.sin(a);
                eNeox[b + i + 3] = x[b + i + 3] * Math.cos(a) + x[b + i] * Math.sin(a);
                eInter[b + 2 * i] = x[b + 2 * i] * Math.cos(a) - x[b + 2 * i + 1] * Math.sin(a);
                eInter[b + 2 * i + 1] = x[b + 2 * i + 1] * Math.cos(a) + x[b + 2 * i] * Math.sin(a);
            }
            for (int i = rotary; i < headDim; i++) {
                eNeox[b + i] = x[b + i];
                eInter[b + i] = x[b + i];
            }
        }
        assertClose(eNeox, neox, 1e-6, "neox");
        assertClose(eInter, inter, 1e-6, "interleaved");
        float[] onTheSpot = x.clone();
        Rope.neox(onTheSpot, 0, 2, headDim, rotary, theta, pos);
        assertArrayEquals(neox, onTheSpot);
    }

    @Test
    void causalGqaAttentionMatchesReference() {
        Random r = new Random(6);
        int heads = 6;
        int kvHeads = 2;
        int keyDim = 24;
        int valueDim = 16;
        int len = 9;
        KvCache cache = new KvCache(16, kvHeads, keyDim, valueDim);
        for (int p = 0; p < len; p++) {
            cache.put(p, random(r, kvHeads * keyDim), 0, random(r, kvHeads * valueDim), 0);
        }
        int[] positions = {3, 8, 0};
        float[] q = random(r, positions.length * heads * keyDim);
        float scale = (float) (1 / Math.sqrt(keyDim));
        float[] out = new float[positions.length * heads * valueDim];
        Attention.causal(THREE, q, positions.length, positions, heads, cache, scale, out);
        double[] expected = new double[out.length];
        for (int t = 0; t < positions.length; t++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                int n = positions[t] + 1;
                double[] s = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double d = 0;
                    for (int i = 0; i < keyDim; i++) {
                        d += (double) q[(t * heads + h) * keyDim + i] * cache.keys()[cache.keyOffset(j, kvh) + i];
                    }
                    s[j] = d * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < valueDim; i++) {
                        expected[(t * heads + h) * valueDim + i] += s[j] / sum * cache.values()[cache.valueOffset(j, kvh) + i];
                    }
                }
            }
        }
        assertClose(expected, out, 1e-5, "attention");
        float[] seq = new float[out.length];
        Attention.causal(ONE, q, positions.length, positions, heads, cache, scale, seq);
        assertArrayEquals(out, seq);
    }

    /** Reference SwiGLU expert in double. */
    static double[] refExpert(Tensor gate, Tensor up, Tensor down, float[] x, int xOff) {
        int ff = gate.dim(0);
        int d = gate.dim(1);
        double[] h = new double[ff];
        for (int j = 0; j < ff; j++) {
            double g = 0;
            double u = 0;
            for (int k = 0; k < d; k++) {
                g += (double) gate.get((long) j * d + k) * x[xOff + k];
                u += (double) up.get((long) j * d + k) * x[xOff + k];
            }
            h[j] = g / (1 + Math.exp(-g)) * u;
        }
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < ff; j++) {
                y[i] += down.get((long) i * ff + j) * h[j];
            }
        }
        return y;
    }

    @Test
    void swigluMlpMatchesReference() {
        Random r = new Random(7);
        int d = 40;
        int ff = 56;
        Tensor gate = store(DType.BF16, random(r, ff * d), ff, d);
        Tensor up = store(DType.BF16, random(r, ff * d), ff, d);
        Tensor down = store(DType.BF16, random(r, d * ff), d, ff);
        float[] x = random(r, 3 * d);
        float[] out = new float[3 * d];
        Mlp.swiglu(THREE, gate, up, down, x, 3, out);
        double[] expected = new double[3 * d];
        for (int t = 0; t < 3; t++) {
            System.arraycopy(refExpert(gate, up, down, x, t * d), 0, expected, t * d, d);
        }
        assertClose(expected, out, 1e-5, "swiglu");
    }

    @Test
    void groupedExpertsMatchPerTokenReferenceInBothLayouts() {
        Random r = new Random(8);
        int experts = 6;
        int d = 48;
        int ff = 20;
        int tokens = 11;
        int topK = 3;
        float[] gateUp = random(r, experts * 2 * ff * d);
        float[] down = random(r, experts * d * ff);
        ExpertWeights packed = ExpertWeights.packed(store(DType.BF16, gateUp, experts, 2 * ff, d),
                store(DType.BF16, down, experts, d, ff));
        List<Tensor> g = new ArrayList<>();
        List<Tensor> u = new ArrayList<>();
        List<Tensor> dn = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            float[] ge = new float[ff * d];
            float[] ue = new float[ff * d];
            float[] de = new float[d * ff];
            System.arraycopy(gateUp, e * 2 * ff * d, ge, 0, ff * d);
            System.arraycopy(gateUp, e * 2 * ff * d + ff * d, ue, 0, ff * d);
            System.arraycopy(down, e * d * ff, de, 0, d * ff);
            g.add(store(DType.BF16, ge, ff, d));
            u.add(store(DType.BF16, ue, ff, d));
            dn.add(store(DType.BF16, de, d, ff));
        }
        ExpertWeights separate = ExpertWeights.separate(g, u, dn);

        float[] x = random(r, tokens * d);
        int[] chosen = new int[tokens * topK];
        float[] weights = new float[tokens * topK];
        for (int t = 0; t < tokens; t++) {
            for (int k = 0; k < topK; k++) {
                chosen[t * topK + k] = (t * 5 + k * 2) % experts; // expert 1, 3, 5 hot; some unused
                weights[t * topK + k] = r.nextFloat();
            }
        }
        float[] residual = random(r, tokens * d);
        double[] expected = new double[tokens * d];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < d; i++) {
                expected[t * d + i] = residual[t * d + i];
            }
            for (int k = 0; k < topK; k++) {
                int e = chosen[t * topK + k];
                double[] y = refExpert(g.get(e), u.get(e), dn.get(e), x, t * d);
                for (int i = 0; i < d; i++) {
                    expected[t * d + i] += weights[t * topK + k] * y[i];
                }
            }
        }
        float[] a = residual.clone();
        Experts.forward(THREE, packed, x, tokens, topK, chosen, weights, a);
        assertClose(expected, a, 1e-5, "packed experts");
        float[] b = residual.clone();
        Experts.forward(ONE, separate, x, tokens, topK, chosen, weights, b);
        assertArrayEquals(a, b, "layouts or thread counts disagree");

        // A batch of one token (decode) streams the experts with MatVec; an expert listed twice counts twice.
        int[] one = {1, 4, 1};
        float[] oneWeights = {0.5f, 0.25f, 0.125f};
        double[] expectedOne = new double[d];
        for (int i = 0; i < d; i++) {
            expectedOne[i] = residual[i];
        }
        for (int k = 0; k < topK; k++) {
            double[] y = refExpert(g.get(one[k]), u.get(one[k]), dn.get(one[k]), x, 0);
            for (int i = 0; i < d; i++) {
                expectedOne[i] += oneWeights[k] * y[i];
            }
        }
        float[] c = Arrays.copyOf(residual, d);
        Experts.forward(THREE, packed, x, 1, topK, one, oneWeights, c);
        assertClose(expectedOne, c, 1e-5, "one-token experts");
        float[] c1 = Arrays.copyOf(residual, d);
        Experts.forward(ONE, separate, x, 1, topK, one, oneWeights, c1);
        assertArrayEquals(c, c1, "one-token layouts or thread counts disagree");
    }

    @Test
    void residualBiasAndClampMatchLoops() {
        Random r = new Random(12);
        int n = 21; // not a multiple of any vector length: exercises the scalar tails
        int rows = 3;
        float[] x = random(r, rows * n);
        float[] y = random(r, rows * n);
        float[] bias = random(r, n);
        double[] sum = new double[rows * n];
        double[] biased = new double[rows * n];
        double[] clamped = new double[rows * n];
        for (int i = 0; i < rows * n; i++) {
            sum[i] = (double) y[i] + x[i];
            biased[i] = (double) x[i] + bias[i % n];
            clamped[i] = Math.max(-0.5, Math.min(0.5, x[i]));
        }
        float[] y2 = y.clone();
        Vec.add(x, 0, y2, 0, rows * n);
        assertClose(sum, y2, 1e-7, "add");
        float[] xb = x.clone();
        Vec.addBias(xb, 0, rows, bias, n);
        assertClose(biased, xb, 1e-7, "bias");
        float[] xc = x.clone();
        Vec.clamp(xc, 0, rows * n, 0.5f);
        assertClose(clamped, xc, 0, "clamp");
    }
}
