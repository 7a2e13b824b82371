package io.moesim.models.train;

import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward and backward kernels of the twin trainer on flat row-major {@code float[]} arrays,
 * vectorised with the Vector API. Work is split into a fixed number of row blocks; every output
 * element is written by one block in a fixed order, so results do not depend on thread timing.
 */
final class TrainKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Below this many multiply-adds a kernel runs on the calling thread. */
    private static final long PARALLEL_WORK = 1 << 17;
    /** Fixed block count of parallel loops (independent of the machine, for reproducibility). */
    private static final int BLOCKS = 16;

    private TrainKernels() {
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** y[yo..] += alpha * x[xo..]. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /** Runs body(from, to) over [0, n) in fixed blocks, in parallel when the work is large. */
    static void rows(int n, long workPerRow, RowBody body) {
        if (n * workPerRow < PARALLEL_WORK || n < 2) {
            body.run(0, n);
            return;
        }
        int blocks = Math.min(BLOCKS, n);
        IntStream.range(0, blocks).parallel().forEach(b -> body.run(n * b / blocks, n * (b + 1) / blocks));
    }

    @FunctionalInterface
    interface RowBody {
        void run(int from, int to);
    }

    /** y[n, out] = x[n, in] * w[out, in]^T (HF linear layout). */
    static void linear(float[] x, float[] w, float[] y, int n, int in, int out) {
        rows(n, (long) in * out, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int o = 0; o < out; o++) {
                    y[r * out + o] = dot(x, r * in, w, o * in, in);
                }
            }
        });
    }

    /** dx[n, in] += dy[n, out] * w[out, in]. */
    static void linearBackInput(float[] dy, float[] w, float[] dx, int n, int in, int out) {
        rows(n, (long) in * out, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int o = 0; o < out; o++) {
                    float g = dy[r * out + o];
                    if (g != 0f) {
                        axpy(g, w, o * in, dx, r * in, in);
                    }
                }
            }
        });
    }

    /** dw[out, in] += dy[n, out]^T * x[n, in]. */
    static void linearBackWeight(float[] dy, float[] x, float[] dw, int n, int in, int out) {
        rows(out, (long) in * n, (from, to) -> {
            for (int o = from; o < to; o++) {
                for (int r = 0; r < n; r++) {
                    float g = dy[r * out + o];
                    if (g != 0f) {
                        axpy(g, x, r * in, dw, o * in, in);
                    }
                }
            }
        });
    }

    /** RMSNorm over rows of length d: y = x * rstd * w; rstd[row] saved for the backward. */
    static void rmsnorm(float[] x, float[] w, float[] y, float[] rstd, int rowsCount, int d, float eps) {
        for (int r = 0; r < rowsCount; r++) {
            float ms = dot(x, r * d, x, r * d, d) / d;
            float rs = (float) (1.0 / Math.sqrt(ms + eps));
            rstd[r] = rs;
            for (int i = 0; i < d; i++) {
                y[r * d + i] = x[r * d + i] * rs * w[i];
            }
        }
    }

    /** Backward of {@link #rmsnorm}: dx += ..., dw += ... */
    static void rmsnormBack(float[] x, float[] w, float[] rstd, float[] dy, float[] dx, float[] dw, int rowsCount, int d) {
        for (int r = 0; r < rowsCount; r++) {
            int off = r * d;
            float rs = rstd[r];
            float s = 0f;
            for (int i = 0; i < d; i++) {
                s += dy[off + i] * w[i] * x[off + i];
                dw[i] += dy[off + i] * x[off + i] * rs;
            }
            float c = rs * rs * rs * s / d;
            for (int i = 0; i < d; i++) {
                dx[off + i] += dy[off + i] * w[i] * rs - c * x[off + i];
            }
        }
    }

    /**
     * Rotary embedding in place on {@code rowsCount} rows of stride {@code stride}, rotating the
     * {@code ropeDim} values starting at {@code offset} of each row, the row's position being
     * {@code (row / rowsPerPos) % seqLen}. {@code inverse} applies the transpose (the backward).
     */
    static void rope(float[] a, int rowsCount, int stride, int offset, int ropeDim, int rowsPerPos, int seqLen,
                     double theta, boolean interleaved, boolean inverse) {
        int half = ropeDim / 2;
        for (int r = 0; r < rowsCount; r++) {
            int pos = (r / rowsPerPos) % seqLen;
            int base = r * stride + offset;
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(theta, -2.0 * i / ropeDim);
                float cos = (float) Math.cos(angle);
                float sin = (float) (inverse ? -Math.sin(angle) : Math.sin(angle));
                int ia = interleaved ? base + 2 * i : base + i;
                int ib = interleaved ? base + 2 * i + 1 : base + i + half;
                float va = a[ia];
                float vb = a[ib];
                a[ia] = va * cos - vb * sin;
                a[ib] = va * sin + vb * cos;
            }
        }
    }

    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }

    /** h = silu(g) * u elementwise. */
    static void swiglu(float[] g, float[] u, float[] h, int n) {
        for (int i = 0; i < n; i++) {
            h[i] = silu(g[i]) * u[i];
        }
    }

    /** Backward of {@link #swiglu}: dg, du overwritten. */
    static void swigluBack(float[] g, float[] u, float[] dh, float[] dg, float[] du, int n) {
        for (int i = 0; i < n; i++) {
            float sig = 1f / (1f + (float) Math.exp(-g[i]));
            float s = g[i] * sig;
            du[i] = dh[i] * s;
            dg[i] = dh[i] * u[i] * sig * (1f + g[i] * (1f - sig));
        }
    }

    /**
     * Causal attention over {@code batch} sequences of {@code t} tokens. q: [N, h, dqk], k: [N, hkv, dqk],
     * v: [N, hkv, dv], o: [N, h, dv], probabilities p: [batch, h, t, t] saved for the backward.
     */
    static void attention(float[] q, float[] k, float[] v, float[] o, float[] p, int batch, int t,
                          int h, int hkv, int dqk, int dv, float scale) {
        int group = h / hkv;
        rows(batch * h, (long) t * t * (dqk + dv) / 2, (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int b = bh / h;
                int head = bh % h;
                int kvh = head / group;
                for (int i = 0; i < t; i++) {
                    int qo = ((b * t + i) * h + head) * dqk;
                    int po = (bh * t + i) * t;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        float s = dot(q, qo, k, ((b * t + j) * hkv + kvh) * dqk, dqk) * scale;
                        p[po + j] = s;
                        max = Math.max(max, s);
                    }
                    float sum = 0f;
                    for (int j = 0; j <= i; j++) {
                        float e = (float) Math.exp(p[po + j] - max);
                        p[po + j] = e;
                        sum += e;
                    }
                    int oo = ((b * t + i) * h + head) * dv;
                    java.util.Arrays.fill(o, oo, oo + dv, 0f);
                    for (int j = 0; j <= i; j++) {
                        p[po + j] /= sum;
                        axpy(p[po + j], v, ((b * t + j) * hkv + kvh) * dv, o, oo, dv);
                    }
                    for (int j = i + 1; j < t; j++) {
                        p[po + j] = 0f;
                    }
                }
            }
        });
    }

    /** Backward of {@link #attention}: dq, dk, dv accumulated. Blocks are (sequence, kv head) so writes are disjoint. */
    static void attentionBack(float[] q, float[] k, float[] v, float[] p, float[] dout, float[] dq, float[] dk,
                              float[] dvv, int batch, int t, int h, int hkv, int dqk, int dv, float scale) {
        int group = h / hkv;
        rows(batch * hkv, (long) t * t * (dqk + dv) * group, (from, to) -> {
            float[] dp = new float[t];
            for (int bk = from; bk < to; bk++) {
                int b = bk / hkv;
                int kvh = bk % hkv;
                for (int head = kvh * group; head < (kvh + 1) * group; head++) {
                    int bh = b * h + head;
                    for (int i = 0; i < t; i++) {
                        int po = (bh * t + i) * t;
                        int oo = ((b * t + i) * h + head) * dv;
                        int qo = ((b * t + i) * h + head) * dqk;
                        float sum = 0f;
                        for (int j = 0; j <= i; j++) {
                            dp[j] = dot(dout, oo, v, ((b * t + j) * hkv + kvh) * dv, dv);
                            sum += dp[j] * p[po + j];
                            axpy(p[po + j], dout, oo, dvv, ((b * t + j) * hkv + kvh) * dv, dv);
                        }
                        for (int j = 0; j <= i; j++) {
                            float ds = p[po + j] * (dp[j] - sum) * scale;
                            if (ds != 0f) {
                                int ko = ((b * t + j) * hkv + kvh) * dqk;
                                axpy(ds, k, ko, dq, qo, dqk);
                                axpy(ds, q, qo, dk, ko, dqk);
                            }
                        }
                    }
                }
            }
        });
    }
}
