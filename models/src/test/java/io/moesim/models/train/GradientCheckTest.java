package io.moesim.models.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of every backward kernel and of whole tiny twins of each architecture. */
class GradientCheckTest {

    static TwinConfig tiny(TwinConfig.Arch arch) {
        return switch (arch) {
            case MIXTRAL -> new TwinConfig("t", arch, 40, 16, 2, 6, 2, 1, 8, 0, 0, 0, 0, 0, 0, 0,
                    4, 2, 8, 0, false, 1, 1, 1.0, 0.05, 0, 10000, 1e-5);
            case QWEN3_MOE -> new TwinConfig("t", arch, 40, 16, 2, 6, 4, 2, 4, 0, 0, 0, 0, 0, 0, 0,
                    8, 3, 8, 0, false, 1, 1, 1.0, 0.05, 0, 10000, 1e-5);
            case DEEPSEEK_V3 -> new TwinConfig("t", arch, 40, 16, 3, 6, 2, 2, 0, 8, 8, 4, 4, 6, 12, 1,
                    16, 4, 8, 1, true, 4, 2, 2.5, 0, 0.001, 10000, 1e-5);
        };
    }

    private static int[][] randomTokens(SplittableRandom rnd, int batch, int len, int vocab) {
        int[][] s = new int[batch][len];
        for (int[] row : s) {
            for (int i = 0; i < len; i++) {
                row[i] = rnd.nextInt(vocab);
            }
        }
        return s;
    }

    private static void checkModel(TwinConfig.Arch arch) {
        TwinConfig cfg = tiny(arch);
        TwinModel model = new TwinModel(cfg, 7);
        SplittableRandom rnd = new SplittableRandom(3);
        for (Param p : model.params()) {
            float[] w = p.w();
            for (int i = 0; i < w.length; i++) {
                w[i] = p.decay() ? w[i] * 15f : 1f + (float) (rnd.nextDouble() - 0.5) * 0.4f;
            }
        }
        for (float[] b : model.biases()) {
            if (b != null) {
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (rnd.nextDouble() - 0.5) * 0.2f;
                }
            }
        }
        int[][] seqs = randomTokens(rnd, 3, cfg.contextTokens() + 1, cfg.vocabSize());
        model.zeroGrad();
        TwinModel.Tape tape = model.forward(seqs);
        model.backward(tape);
        float eps = 2e-3f;
        int checked = 0;
        StringBuilder failures = new StringBuilder();
        for (Param p : model.params()) {
            float[] w = p.w();
            float[] g = p.g();
            // the three coordinates with the largest analytic gradient at which a step of eps either
            // way changes no expert selection (selection is piecewise constant, not differentiable)
            Integer[] order = new Integer[w.length];
            for (int i = 0; i < w.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(Math.abs(g[b]), Math.abs(g[a])));
            double errSq = 0;
            double normSq = 0;
            double fdMax = 0;
            int used = 0;
            for (int oi = 0; oi < order.length && used < 3; oi++) {
                int i = order[oi];
                float keep = w[i];
                w[i] = keep + eps;
                TwinModel.Tape upTape = model.forward(seqs);
                w[i] = keep - eps;
                TwinModel.Tape downTape = model.forward(seqs);
                w[i] = keep;
                if (!java.util.Arrays.deepEquals(upTape.selected, tape.selected)
                        || !java.util.Arrays.deepEquals(downTape.selected, tape.selected)) {
                    continue;
                }
                used++;
                double fd = (upTape.loss() - downTape.loss()) / (2 * eps);
                fdMax = Math.max(fdMax, Math.abs(fd));
                errSq += (fd - g[i]) * (fd - g[i]);
                normSq += (double) g[i] * g[i];
            }
            double norm = Math.sqrt(normSq);
            if (norm < 1e-6) {
                // an expert no token chose: no gradient, and the loss must not depend on it either
                assertTrue(fdMax < 1e-4, arch + " " + p.name() + ": zero gradient but finite difference " + fdMax);
                continue;
            }
            double rel = Math.sqrt(errSq) / norm;
            if (rel >= 0.03) {
                failures.append(p.name()).append(": relative error ").append(rel).append(" (|g| ").append(norm).append(")\n");
            }
            checked++;
        }
        assertTrue(failures.isEmpty(), arch + ":\n" + failures);
        assertTrue(checked > model.params().size() / 2, "most parameters get a gradient");
    }

    @Test
    void mixtralTwinGradientsMatchFiniteDifferences() {
        checkModel(TwinConfig.Arch.MIXTRAL);
    }

    @Test
    void qwen3TwinGradientsMatchFiniteDifferences() {
        checkModel(TwinConfig.Arch.QWEN3_MOE);
    }

    @Test
    void deepseekV3TwinGradientsMatchFiniteDifferences() {
        checkModel(TwinConfig.Arch.DEEPSEEK_V3);
    }

    /** Central difference of a scalar function of one array element. */
    private static double fd(float[] x, int i, Supplier<Double> f) {
        float keep = x[i];
        float eps = 1e-2f;
        x[i] = keep + eps;
        double up = f.get();
        x[i] = keep - eps;
        double down = f.get();
        x[i] = keep;
        return (up - down) / (2 * eps);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    private static double weighted(float[] y, float[] r) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (double) y[i] * r[i];
        }
        return s;
    }

    private static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 2e-3 + 2e-3 * Math.abs(expected),
                what + ": finite difference " + expected + " vs analytic " + actual);
    }

    @Test
    void linearBackwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(1);
        int n = 3;
        int in = 5;
        int out = 4;
        float[] x = random(rnd, n * in);
        float[] w = random(rnd, out * in);
        float[] r = random(rnd, n * out);
        Supplier<Double> loss = () -> {
            float[] y = new float[n * out];
            TrainKernels.linear(x, w, y, n, in, out);
            return weighted(y, r);
        };
        float[] dx = new float[n * in];
        float[] dw = new float[out * in];
        TrainKernels.linearBackInput(r, w, dx, n, in, out);
        TrainKernels.linearBackWeight(r, x, dw, n, in, out);
        for (int i = 0; i < x.length; i++) {
            assertClose(fd(x, i, loss), dx[i], "linear dx[" + i + "]");
        }
        for (int i = 0; i < w.length; i++) {
            assertClose(fd(w, i, loss), dw[i], "linear dw[" + i + "]");
        }
    }

    @Test
    void rmsnormBackwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(2);
        int rows = 3;
        int d = 6;
        float[] x = random(rnd, rows * d);
        float[] w = random(rnd, d);
        float[] r = random(rnd, rows * d);
        Supplier<Double> loss = () -> {
            float[] y = new float[rows * d];
            TrainKernels.rmsnorm(x, w, y, new float[rows], rows, d, 1e-5f);
            return weighted(y, r);
        };
        float[] rstd = new float[rows];
        TrainKernels.rmsnorm(x, w, new float[rows * d], rstd, rows, d, 1e-5f);
        float[] dx = new float[rows * d];
        float[] dw = new float[d];
        TrainKernels.rmsnormBack(x, w, rstd, r, dx, dw, rows, d);
        for (int i = 0; i < x.length; i++) {
            assertClose(fd(x, i, loss), dx[i], "rmsnorm dx[" + i + "]");
        }
        for (int i = 0; i < d; i++) {
            assertClose(fd(w, i, loss), dw[i], "rmsnorm dw[" + i + "]");
        }
    }

    @Test
    void ropeBackwardMatchesFiniteDifferencesInBothPairings() {
        for (boolean interleaved : new boolean[] {false, true}) {
            SplittableRandom rnd = new SplittableRandom(3);
            int rows = 8; // 4 positions x 2 heads, row stride 6 with a rope part of 4 at offset 2
            float[] x = random(rnd, rows * 6);
            float[] r = random(rnd, rows * 6);
            Supplier<Double> loss = () -> {
                float[] y = x.clone();
                TrainKernels.rope(y, rows, 6, 2, 4, 2, 4, 100.0, interleaved, false);
                return weighted(y, r);
            };
            float[] dx = r.clone();
            TrainKernels.rope(dx, rows, 6, 2, 4, 2, 4, 100.0, interleaved, true);
            for (int i = 0; i < x.length; i++) {
                assertClose(fd(x, i, loss), dx[i], "rope dx[" + i + "] interleaved=" + interleaved);
            }
        }
    }

    @Test
    void swigluBackwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(4);
        int n = 10;
        float[] g = random(rnd, n);
        float[] u = random(rnd, n);
        float[] r = random(rnd, n);
        Supplier<Double> loss = () -> {
            float[] h = new float[n];
            TrainKernels.swiglu(g, u, h, n);
            return weighted(h, r);
        };
        float[] dg = new float[n];
        float[] du = new float[n];
        TrainKernels.swigluBack(g, u, r, dg, du, n);
        for (int i = 0; i < n; i++) {
            assertClose(fd(g, i, loss), dg[i], "swiglu dg[" + i + "]");
            assertClose(fd(u, i, loss), du[i], "swiglu du[" + i + "]");
        }
    }

    @Test
    void groupedQueryAttentionBackwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(5);
        int batch = 2;
        int t = 4;
        int h = 4;
        int hkv = 2;
        int dqk = 3;
        int dv = 2;
        int n = batch * t;
        float[] q = random(rnd, n * h * dqk);
        float[] k = random(rnd, n * hkv * dqk);
        float[] v = random(rnd, n * hkv * dv);
        float[] r = random(rnd, n * h * dv);
        float scale = 0.7f;
        Supplier<Double> loss = () -> {
            float[] o = new float[n * h * dv];
            TrainKernels.attention(q, k, v, o, new float[batch * h * t * t], batch, t, h, hkv, dqk, dv, scale);
            return weighted(o, r);
        };
        float[] p = new float[batch * h * t * t];
        TrainKernels.attention(q, k, v, new float[n * h * dv], p, batch, t, h, hkv, dqk, dv, scale);
        float[] dq = new float[q.length];
        float[] dk = new float[k.length];
        float[] dvv = new float[v.length];
        TrainKernels.attentionBack(q, k, v, p, r, dq, dk, dvv, batch, t, h, hkv, dqk, dv, scale);
        for (int i = 0; i < q.length; i++) {
            assertClose(fd(q, i, loss), dq[i], "attention dq[" + i + "]");
        }
        for (int i = 0; i < k.length; i++) {
            assertClose(fd(k, i, loss), dk[i], "attention dk[" + i + "]");
        }
        for (int i = 0; i < v.length; i++) {
            assertClose(fd(v, i, loss), dvv[i], "attention dv[" + i + "]");
        }
    }
}
