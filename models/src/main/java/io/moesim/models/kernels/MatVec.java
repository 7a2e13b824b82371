package io.moesim.models.kernels;

import io.moesim.models.tensor.Tensor;
import io.moesim.models.tensor.Vectors;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector product for one token (decode): {@code out[r] = sum_k w[r, k] * x[k]} with
 * {@code w} a {@code [rows, cols]} weight tensor of any dtype (usually memory-mapped) and
 * {@code x} on the heap. Memory-bound: rows are split in fixed blocks of {@value #BLOCK_ROWS}
 * across the threads, and inside a block four rows are streamed at once with two vector
 * accumulators each (eight independent FMA chains, one load of {@code x} per four rows), so that
 * enough loads are in flight to keep the memory system busy.
 *
 * <p>Each row's sum has a fixed order (two accumulators over alternating vectors, added, lanes
 * reduced, then the scalar tail), whichever thread computes it.
 */
public final class MatVec {

    /** Rows per parallel block (a multiple of the 4-row tile). */
    static final int BLOCK_ROWS = 32;

    private static final VectorSpecies<Float> F = Vectors.F;

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
        MemorySegment seg = w.segment();
        par.forEach(blocks, b -> {
            int end = Math.min(rows, (b + 1) * BLOCK_ROWS);
            int r = b * BLOCK_ROWS;
            for (; r + 4 <= end; r += 4) {
                switch (w.dtype()) {
                    case F32 -> rows4F32(seg, (long) r * cols, cols, x, xOffset, out, outOffset + r);
                    case BF16 -> rows4Bf16(seg, (long) r * cols, cols, x, xOffset, out, outOffset + r);
                    case F16 -> rows4F16(seg, (long) r * cols, cols, x, xOffset, out, outOffset + r);
                }
            }
            for (; r < end; r++) {
                out[outOffset + r] = w.dot((long) r * cols, x, xOffset, cols);
            }
        });
    }

    /** {@code out = w . x} with both vectors at offset 0. */
    public static void matvec(Parallel par, Tensor w, float[] x, float[] out) {
        matvec(par, w, x, 0, out, 0);
    }

    private static float finish(FloatVector a, FloatVector b) {
        return Vectors.sum(a.add(b));
    }

    private static void rows4F32(MemorySegment seg, long e0, int n, float[] x, int xo, float[] out, int o) {
        int lanes = F.length();
        long r0 = e0 * 4;
        long r1 = r0 + 4L * n;
        long r2 = r1 + 4L * n;
        long r3 = r2 + 4L * n;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        int i = 0;
        for (; i <= n - 2 * lanes; i += 2 * lanes) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + i + lanes);
            long k0 = 4L * i;
            long k1 = k0 + 4L * lanes;
            a0 = Vectors.loadF32(seg, r0 + k0).fma(x0, a0);
            a1 = Vectors.loadF32(seg, r1 + k0).fma(x0, a1);
            a2 = Vectors.loadF32(seg, r2 + k0).fma(x0, a2);
            a3 = Vectors.loadF32(seg, r3 + k0).fma(x0, a3);
            b0 = Vectors.loadF32(seg, r0 + k1).fma(x1, b0);
            b1 = Vectors.loadF32(seg, r1 + k1).fma(x1, b1);
            b2 = Vectors.loadF32(seg, r2 + k1).fma(x1, b2);
            b3 = Vectors.loadF32(seg, r3 + k1).fma(x1, b3);
        }
        for (; i <= n - lanes; i += lanes) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            long k0 = 4L * i;
            a0 = Vectors.loadF32(seg, r0 + k0).fma(x0, a0);
            a1 = Vectors.loadF32(seg, r1 + k0).fma(x0, a1);
            a2 = Vectors.loadF32(seg, r2 + k0).fma(x0, a2);
            a3 = Vectors.loadF32(seg, r3 + k0).fma(x0, a3);
        }
        float s0 = finish(a0, b0), s1 = finish(a1, b1), s2 = finish(a2, b2), s3 = finish(a3, b3);
        for (; i < n; i++) {
            float xi = x[xo + i];
            s0 += seg.get(Vectors.FLOAT_LE, r0 + 4L * i) * xi;
            s1 += seg.get(Vectors.FLOAT_LE, r1 + 4L * i) * xi;
            s2 += seg.get(Vectors.FLOAT_LE, r2 + 4L * i) * xi;
            s3 += seg.get(Vectors.FLOAT_LE, r3 + 4L * i) * xi;
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    private static void rows4Bf16(MemorySegment seg, long e0, int n, float[] x, int xo, float[] out, int o) {
        int lanes = F.length();
        long r0 = e0 * 2;
        long r1 = r0 + 2L * n;
        long r2 = r1 + 2L * n;
        long r3 = r2 + 2L * n;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        int i = 0;
        for (; i <= n - lanes; i += lanes) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            long k0 = 2L * i;
            a0 = Vectors.loadBf16(seg, r0 + k0).fma(x0, a0);
            a1 = Vectors.loadBf16(seg, r1 + k0).fma(x0, a1);
            a2 = Vectors.loadBf16(seg, r2 + k0).fma(x0, a2);
            a3 = Vectors.loadBf16(seg, r3 + k0).fma(x0, a3);
        }
        float s0 = finish(a0, b0), s1 = finish(a1, b1), s2 = finish(a2, b2), s3 = finish(a3, b3);
        for (; i < n; i++) {
            float xi = x[xo + i];
            s0 += bf16(seg, r0 + 2L * i) * xi;
            s1 += bf16(seg, r1 + 2L * i) * xi;
            s2 += bf16(seg, r2 + 2L * i) * xi;
            s3 += bf16(seg, r3 + 2L * i) * xi;
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    /** Columns of the four rows widened at once by the F16 path (a multiple of every vector length). */
    private static final int F16_COLS = 512;
    private static final ThreadLocal<float[]> F16_ROWS = ThreadLocal.withInitial(() -> new float[4 * F16_COLS]);

    /**
     * Four F16 rows: each chunk of {@value #F16_COLS} columns of the four rows is widened into a
     * per-thread float buffer ({@link Vectors#widenF16}, F16C) and then multiplied as F32; one
     * accumulator per row over the vectors in order, then the scalar tail (the order of the BF16 path).
     */
    private static void rows4F16(MemorySegment seg, long e0, int n, float[] x, int xo, float[] out, int o) {
        int lanes = F.length();
        float[] f = F16_ROWS.get();
        long r0 = e0 * 2;
        long row = 2L * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int vec = n - n % lanes;
        for (int c0 = 0; c0 < vec; c0 += F16_COLS) {
            int c = Math.min(F16_COLS, vec - c0);
            long at = r0 + 2L * c0;
            Vectors.widenF16(seg, at, f, 0, c);
            Vectors.widenF16(seg, at + row, f, F16_COLS, c);
            Vectors.widenF16(seg, at + 2 * row, f, 2 * F16_COLS, c);
            Vectors.widenF16(seg, at + 3 * row, f, 3 * F16_COLS, c);
            for (int i = 0; i < c; i += lanes) {
                FloatVector x0 = FloatVector.fromArray(F, x, xo + c0 + i);
                a0 = FloatVector.fromArray(F, f, i).fma(x0, a0);
                a1 = FloatVector.fromArray(F, f, F16_COLS + i).fma(x0, a1);
                a2 = FloatVector.fromArray(F, f, 2 * F16_COLS + i).fma(x0, a2);
                a3 = FloatVector.fromArray(F, f, 3 * F16_COLS + i).fma(x0, a3);
            }
        }
        FloatVector z = FloatVector.zero(F);
        float s0 = finish(a0, z), s1 = finish(a1, z), s2 = finish(a2, z), s3 = finish(a3, z);
        for (int i = vec; i < n; i++) {
            float xi = x[xo + i];
            s0 += Float.float16ToFloat(seg.get(Vectors.SHORT_LE, r0 + 2L * i)) * xi;
            s1 += Float.float16ToFloat(seg.get(Vectors.SHORT_LE, r0 + row + 2L * i)) * xi;
            s2 += Float.float16ToFloat(seg.get(Vectors.SHORT_LE, r0 + 2 * row + 2L * i)) * xi;
            s3 += Float.float16ToFloat(seg.get(Vectors.SHORT_LE, r0 + 3 * row + 2L * i)) * xi;
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    private static float bf16(MemorySegment seg, long byteOffset) {
        return Float.intBitsToFloat(seg.get(Vectors.SHORT_LE, byteOffset) << 16);
    }
}
