package io.moesim.models.kernels;

import io.moesim.models.tensor.Vectors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Normalisations over one vector. */
public final class Norm {

    private static final VectorSpecies<Float> F = Vectors.F;

    private Norm() {
    }

    /**
     * RMSNorm: {@code out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]} for {@code i < n}
     * ({@code weight == null}: no scale). {@code out} may be {@code x} (in place). The mean of
     * squares is accumulated in float lanes and finished in double.
     */
    public static void rms(float[] out, int outOffset, float[] x, int xOffset, float[] weight, int weightOffset, int n, float eps) {
        int lanes = F.length();
        int i = 0;
        FloatVector acc = FloatVector.zero(F);
        for (; i <= n - lanes; i += lanes) {
            FloatVector v = FloatVector.fromArray(F, x, xOffset + i);
            acc = v.fma(v, acc);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += (double) x[xOffset + i] * x[xOffset + i];
        }
        float inv = (float) (1.0 / Math.sqrt(sum / n + eps));
        i = 0;
        for (; i <= n - lanes; i += lanes) {
            FloatVector v = FloatVector.fromArray(F, x, xOffset + i).mul(inv);
            if (weight != null) {
                v = v.mul(FloatVector.fromArray(F, weight, weightOffset + i));
            }
            v.intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            float v = x[xOffset + i] * inv;
            out[outOffset + i] = weight != null ? v * weight[weightOffset + i] : v;
        }
    }

    /** RMSNorm of {@code rows} consecutive vectors of length {@code n} in place (e.g. per-head QK norm). */
    public static void rmsRows(float[] x, int offset, int rows, int n, float[] weight, float eps) {
        for (int r = 0; r < rows; r++) {
            rms(x, offset + r * n, x, offset + r * n, weight, 0, n, eps);
        }
    }
}
