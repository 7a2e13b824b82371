package io.moesim.models.kernels;

import io.moesim.models.tensor.Tensor;

/**
 * Matrix-vector product for one token (decode): {@code out[r] = sum_k w[r, k] * x[k]} with
 * {@code w} a {@code [rows, cols]} weight tensor of any dtype (usually memory-mapped) and
 * {@code x} on the heap. Memory-bound: rows are split in fixed blocks across the threads.
 */
public final class MatVec {

    /** Rows per parallel block. */
    static final int BLOCK_ROWS = 32;

    private MatVec() {
    }

    /** {@code out[outOffset + r] = w[r, :] . x[xOffset ..]} for every row r of the 2-D tensor {@code w}. */
    public static void matvec(Parallel par, Tensor w, float[] x, int xOffset, float[] out, int outOffset) {
        w.requireRank(2);
        int rows = w.dim(0);
        int cols = w.dim(1);
        if (xOffset + cols > x.length || outOffset + rows > out.length) {
            throw new IndexOutOfBoundsException("matvec " + w + " with x[" + x.length + "]@" + xOffset + ", out[" + out.length + "]@" + outOffset);
        }
        int blocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        par.forEach(blocks, b -> {
            int end = Math.min(rows, (b + 1) * BLOCK_ROWS);
            for (int r = b * BLOCK_ROWS; r < end; r++) {
                out[outOffset + r] = w.dot((long) r * cols, x, xOffset, cols);
            }
        });
    }

    /** {@code out = w . x} with both vectors at offset 0. */
    public static void matvec(Parallel par, Tensor w, float[] x, float[] out) {
        matvec(par, w, x, 0, out, 0);
    }
}
