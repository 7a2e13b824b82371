package io.moesim.models.forward;

import io.moesim.models.tensor.Tensor;

/**
 * A linear layer {@code y = W x (+ b)} over a weight view of shape {@code [out, in]} (mapped,
 * any dtype), applied to a batch of row vectors. Work is split over output rows so that each
 * weight row is read once per batch.
 */
final class Linear {

    final Tensor weight;
    final int out;
    final int in;
    final float[] bias;

    Linear(Tensor weight, float[] bias) {
        weight.requireRank(2);
        this.weight = weight;
        this.out = weight.dim(0);
        this.in = weight.dim(1);
        this.bias = bias;
    }

    /** {@code y[t*out + o] = sum_i W[o, i] x[t*in + i] + b[o]} for t < n; returns a new array. */
    float[] apply(float[] x, int n) {
        float[] y = new float[n * out];
        Parallel.forRange(out, Math.max(1, 16384 / Math.max(1, in * n)), o -> {
            long row = (long) o * in;
            float b = bias == null ? 0f : bias[o];
            for (int t = 0; t < n; t++) {
                y[t * out + o] = weight.dot(row, x, t * in, in) + b;
            }
        });
        return y;
    }
}
