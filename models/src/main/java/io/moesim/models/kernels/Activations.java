package io.moesim.models.kernels;

/** Element-wise activations and softmax (scalar: they are a tiny share of the work). */
public final class Activations {

    private Activations() {
    }

    /** SiLU (swish): {@code x * sigmoid(x)}. */
    public static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }

    /** {@code gate[g + i] = silu(gate[g + i]) * up[u + i]} for {@code i < n}: the SwiGLU gate. */
    public static void siluGate(float[] gate, int gateOffset, float[] up, int upOffset, int n) {
        for (int i = 0; i < n; i++) {
            gate[gateOffset + i] = silu(gate[gateOffset + i]) * up[upOffset + i];
        }
    }

    /** In-place softmax over {@code x[offset, offset + n)}, max-subtracted; exponentials in double. */
    public static void softmax(float[] x, int offset, int n) {
        if (n == 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(x[offset + i] - max);
            x[offset + i] = (float) e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[offset + i] *= inv;
        }
    }
}
