package io.moesim.models.kernels;

import io.moesim.models.tensor.Tensor;

/** The SiLU-gated MLP (SwiGLU) used by dense layers, shared experts and routed experts. */
public final class Mlp {

    private Mlp() {
    }

    /**
     * {@code out[t] = down(silu(gate x[t]) * up x[t])} for {@code tokens} rows of {@code x [tokens, d]}
     * into {@code out [tokens, d]} (overwritten); gate/up {@code [ff, d]}, down {@code [d, ff]}.
     */
    public static void swiglu(Parallel par, Tensor gate, Tensor up, Tensor down, float[] x, int xOffset, int tokens,
                              float[] out, int outOffset) {
        int ff = gate.dim(0);
        float[] g = new float[tokens * ff];
        float[] u = new float[tokens * ff];
        MatMul.matmul(par, gate, x, xOffset, tokens, g, 0);
        MatMul.matmul(par, up, x, xOffset, tokens, u, 0);
        Activations.siluGate(g, 0, u, 0, tokens * ff);
        MatMul.matmul(par, down, g, 0, tokens, out, outOffset);
    }

    /** {@link #swiglu(Parallel, Tensor, Tensor, Tensor, float[], int, int, float[], int)} at offset 0. */
    public static void swiglu(Parallel par, Tensor gate, Tensor up, Tensor down, float[] x, int tokens, float[] out) {
        swiglu(par, gate, up, down, x, 0, tokens, out, 0);
    }
}
