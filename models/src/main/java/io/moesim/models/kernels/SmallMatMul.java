package io.moesim.models.kernels;

import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MatMul}'s product for a few tokens (an expert that got one to a handful of tokens), with
 * the vector over output rows instead of over tokens, and bitwise the same results.
 *
 * <p>{@link MatMul}'s outer product broadcasts every weight element against a vector of 8 tokens;
 * with 1-3 real tokens most of each FMA is padding (0.39 ns per BF16 weight element and thread,
 * against 0.21 here). Here each parallel block owns {@value #BLOCK_ROWS} weight rows (4 groups of
 * 8); for each chunk of {@value #CHUNK} input columns the block's weights are transposed in
 * registers into a per-thread buffer {@code wt[k][row]} (8x8 transposes of 32-bit lanes: a
 * butterfly of {@code blend}s with 64-bit shifts, then {@code rearrange}s; for BF16 a 32-bit lane
 * holds two adjacent columns, split by a shift and a mask), and a register tile of 4 row vectors
 * x 2 tokens does, per column, 4 vector loads of weights, 2 broadcasts of {@code x[t, k]} and 8
 * FMAs. Each weight element is read from memory once and costs an eighth of an FMA per token,
 * instead of a whole FMA for its (mostly empty) group of 8 tokens.
 *
 * <p>Summation order: the lane of output {@code (t, r)} is the chain
 * {@code s = fma(w[r, k], x[t, k], s)} over {@code k = 0, 1, .., in-1} from {@code s = +0} (saved
 * and resumed between chunks, which does not round): exactly {@link MatMul}'s chain for that
 * element (the product is commutative and {@code fma} rounds once), so both kernels give the same
 * bits whatever the thread count, the batch or the vector width. {@code SmallMatMulTest} checks
 * this bit for bit.
 *
 * <p>Any dtype is computed (F32 and F16 rows, and the last partial group of 8 rows, are widened
 * row-major first and transposed as floats), but {@link MatMul} sends only BF16 here: for F32
 * and F16 that extra pass made this kernel slower than the outer product. The kernel uses
 * 256-bit vectors (8 float lanes) whatever the preferred width; see {@link #supported()}.
 */
final class SmallMatMul {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    /** Float lanes per vector (8): rows per row group. */
    private static final int L = 8;
    /** Row groups per parallel block (the 4 row vectors of the register tile). */
    private static final int GROUPS = 4;
    /** Weight rows per parallel block. */
    static final int BLOCK_ROWS = GROUPS * L;
    /**
     * Input columns per chunk: the transposed chunk, 32 x 128 floats (16 KiB), stays in L1 between
     * its transpose and the token passes. Longer chunks (512-2048 columns: fewer, longer streams
     * from memory) measured at most ~5% faster on weights in DRAM and 5-30% slower in cache.
     */
    static final int CHUNK = 128;

    // Butterfly of an 8x8 transpose: stage s swaps lanes i and i^s between vector pairs.
    private static final VectorShuffle<Integer> SWAP1 = VectorShuffle.fromValues(I, 1, 0, 3, 2, 5, 4, 7, 6);
    private static final VectorShuffle<Integer> SWAP2 = VectorShuffle.fromValues(I, 2, 3, 0, 1, 6, 7, 4, 5);
    private static final VectorShuffle<Integer> SWAP4 = VectorShuffle.fromValues(I, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorMask<Integer> ODD1 = VectorMask.fromValues(I, false, true, false, true, false, true, false, true);
    private static final VectorMask<Integer> ODD2 = VectorMask.fromValues(I, false, false, true, true, false, false, true, true);
    private static final VectorMask<Integer> ODD4 = VectorMask.fromValues(I, false, false, false, false, true, true, true, true);
    private static final VectorShuffle<Float> FSWAP1 = SWAP1.cast(F);
    private static final VectorShuffle<Float> FSWAP2 = SWAP2.cast(F);
    private static final VectorShuffle<Float> FSWAP4 = SWAP4.cast(F);
    private static final VectorMask<Float> FODD1 = ODD1.cast(F);
    private static final VectorMask<Float> FODD2 = ODD2.cast(F);
    private static final VectorMask<Float> FODD4 = ODD4.cast(F);

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers: the transposed chunk, one row group widened row-major, and the block's accumulators. */
    private static final class Scratch {
        final float[] wt = new float[CHUNK * BLOCK_ROWS];
        final float[] rowsF = new float[L * CHUNK];
        float[] acc = new float[0];

        float[] acc(int n) {
            if (acc.length < n) {
                acc = new float[n];
            }
            return acc;
        }
    }

    private SmallMatMul() {
    }

    /** Whether 256-bit vectors are native (on narrower hardware the Vector API would emulate them slowly). */
    static boolean supported() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /**
     * {@code out[outOffset + t*rows + r] = sum_k w[r, k] * x[xOffset + t*in + k]}, as
     * {@link MatMul#matmul(Parallel, Tensor, float[], int, int, float[], int)} (same bits); bounds
     * are checked by the caller.
     */
    static void matmul(Parallel par, Tensor w, float[] x, int xOffset, int tokens, float[] out, int outOffset) {
        int rows = w.dim(0);
        int blocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        par.forEach(blocks, b -> {
            int r0 = b * BLOCK_ROWS;
            block(w, x, xOffset, tokens, out, outOffset, r0, Math.min(BLOCK_ROWS, rows - r0));
        });
    }

    private static void block(Tensor w, float[] x, int xOffset, int tokens, float[] out, int outOffset, int r0, int nr) {
        int rows = w.dim(0);
        int in = w.dim(1);
        Scratch s = SCRATCH.get();
        float[] wt = s.wt;
        float[] acc = s.acc(tokens * BLOCK_ROWS);
        Arrays.fill(acc, 0, tokens * BLOCK_ROWS, 0f);
        for (int k0 = 0; k0 < in; k0 += CHUNK) {
            int kc = Math.min(CHUNK, in - k0);
            for (int g = 0; g < GROUPS; g++) {
                transposeGroup(w, r0 + g * L, Math.min(L, nr - g * L), in, k0, kc, wt, g * L, s.rowsF);
            }
            int t = 0;
            for (; t + 2 <= tokens; t += 2) {
                int xa = xOffset + t * in + k0;
                tile4x2(wt, kc, x, xa, xa + in, acc, t * BLOCK_ROWS);
            }
            if (t < tokens) {
                tile4x1(wt, kc, x, xOffset + t * in + k0, acc, t * BLOCK_ROWS);
            }
        }
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(acc, t * BLOCK_ROWS, out, outOffset + t * rows + r0, nr);
        }
    }

    /**
     * Columns {@code [k0, k0+kc)} of the 8 rows from {@code row} into {@code wt[k*BLOCK_ROWS + o + i]}
     * ({@code k} relative to k0); rows past {@code n} (the end of the tensor) are zeros.
     */
    private static void transposeGroup(Tensor w, int row, int n, int in, int k0, int kc, float[] wt, int o, float[] rowsF) {
        int k = 0;
        if (n == L && w.dtype() == DType.BF16) {
            MemorySegment seg = w.segment();
            long rowBytes = 2L * in;
            long base = (long) row * rowBytes + 2L * k0;
            for (; k + 2 * L <= kc; k += 2 * L) {
                transposeBf16(seg, base + 2L * k, rowBytes, wt, k * BLOCK_ROWS + o);
            }
            for (; k < kc; k++) {
                for (int i = 0; i < L; i++) {
                    wt[k * BLOCK_ROWS + o + i] = w.get((long) (row + i) * in + k0 + k);
                }
            }
            return;
        }
        for (int i = 0; i < L; i++) {
            if (i < n) {
                w.toFloat((long) (row + i) * in + k0, rowsF, i * CHUNK, kc);
            } else {
                Arrays.fill(rowsF, i * CHUNK, i * CHUNK + kc, 0f);
            }
        }
        for (; k + L <= kc; k += L) {
            transposeF32(rowsF, k, wt, k * BLOCK_ROWS + o);
        }
        for (; k < kc; k++) {
            for (int i = 0; i < L; i++) {
                wt[k * BLOCK_ROWS + o + i] = rowsF[i * CHUNK + k];
            }
        }
    }

    /**
     * 8 BF16 rows x 16 columns at {@code base} (row stride {@code rowBytes}) into
     * {@code wt[c*BLOCK_ROWS + o + i]} for column {@code c < 16}, row {@code i < 8}. Each 32-bit
     * lane holds columns 2p (low half) and 2p+1 (high half); the 8x8 transpose of the lanes gives,
     * per p, the 8 rows' pairs, widened by a 16-bit shift (low) and a mask (high).
     * Written out in full (no helper taking vectors) so that C2 inlines it without boxing.
     */
    private static void transposeBf16(MemorySegment seg, long base, long rowBytes, float[] wt, int o) {
        IntVector a = IntVector.fromMemorySegment(I, seg, base, ByteOrder.LITTLE_ENDIAN);
        IntVector b = IntVector.fromMemorySegment(I, seg, base + rowBytes, ByteOrder.LITTLE_ENDIAN);
        IntVector c = IntVector.fromMemorySegment(I, seg, base + 2 * rowBytes, ByteOrder.LITTLE_ENDIAN);
        IntVector d = IntVector.fromMemorySegment(I, seg, base + 3 * rowBytes, ByteOrder.LITTLE_ENDIAN);
        IntVector e = IntVector.fromMemorySegment(I, seg, base + 4 * rowBytes, ByteOrder.LITTLE_ENDIAN);
        IntVector f = IntVector.fromMemorySegment(I, seg, base + 5 * rowBytes, ByteOrder.LITTLE_ENDIAN);
        IntVector g = IntVector.fromMemorySegment(I, seg, base + 6 * rowBytes, ByteOrder.LITTLE_ENDIAN);
        IntVector h = IntVector.fromMemorySegment(I, seg, base + 7 * rowBytes, ByteOrder.LITTLE_ENDIAN);
        // Stage 1 moves lanes within 64-bit pairs: 64-bit shifts instead of permutes (measured ~10% faster).
        IntVector a1 = a.blend(b.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsInts(), ODD1);
        IntVector b1 = a.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsInts().blend(b, ODD1);
        IntVector c1 = c.blend(d.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsInts(), ODD1);
        IntVector d1 = c.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsInts().blend(d, ODD1);
        IntVector e1 = e.blend(f.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsInts(), ODD1);
        IntVector f1 = e.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsInts().blend(f, ODD1);
        IntVector g1 = g.blend(h.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsInts(), ODD1);
        IntVector h1 = g.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsInts().blend(h, ODD1);
        IntVector a2 = a1.blend(c1.rearrange(SWAP2), ODD2);
        IntVector c2 = a1.rearrange(SWAP2).blend(c1, ODD2);
        IntVector b2 = b1.blend(d1.rearrange(SWAP2), ODD2);
        IntVector d2 = b1.rearrange(SWAP2).blend(d1, ODD2);
        IntVector e2 = e1.blend(g1.rearrange(SWAP2), ODD2);
        IntVector g2 = e1.rearrange(SWAP2).blend(g1, ODD2);
        IntVector f2 = f1.blend(h1.rearrange(SWAP2), ODD2);
        IntVector h2 = f1.rearrange(SWAP2).blend(h1, ODD2);
        IntVector p0 = a2.blend(e2.rearrange(SWAP4), ODD4);
        IntVector p4 = a2.rearrange(SWAP4).blend(e2, ODD4);
        IntVector p1 = b2.blend(f2.rearrange(SWAP4), ODD4);
        IntVector p5 = b2.rearrange(SWAP4).blend(f2, ODD4);
        IntVector p2 = c2.blend(g2.rearrange(SWAP4), ODD4);
        IntVector p6 = c2.rearrange(SWAP4).blend(g2, ODD4);
        IntVector p3 = d2.blend(h2.rearrange(SWAP4), ODD4);
        IntVector p7 = d2.rearrange(SWAP4).blend(h2, ODD4);
        int n = BLOCK_ROWS;
        p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o);
        p0.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + n);
        p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o + 2 * n);
        p1.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + 3 * n);
        p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o + 4 * n);
        p2.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + 5 * n);
        p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o + 6 * n);
        p3.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + 7 * n);
        p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o + 8 * n);
        p4.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + 9 * n);
        p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o + 10 * n);
        p5.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + 11 * n);
        p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o + 12 * n);
        p6.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + 13 * n);
        p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wt, o + 14 * n);
        p7.and(0xFFFF0000).reinterpretAsFloats().intoArray(wt, o + 15 * n);
    }

    /**
     * 8 widened rows x 8 columns from {@code rowsF[i*CHUNK + k ..]} into {@code wt[c*BLOCK_ROWS + o + i]}
     * (the same butterfly on float lanes; F32 and F16 weights, and partial row groups).
     */
    private static void transposeF32(float[] rowsF, int k, float[] wt, int o) {
        FloatVector a = FloatVector.fromArray(F, rowsF, k);
        FloatVector b = FloatVector.fromArray(F, rowsF, CHUNK + k);
        FloatVector c = FloatVector.fromArray(F, rowsF, 2 * CHUNK + k);
        FloatVector d = FloatVector.fromArray(F, rowsF, 3 * CHUNK + k);
        FloatVector e = FloatVector.fromArray(F, rowsF, 4 * CHUNK + k);
        FloatVector f = FloatVector.fromArray(F, rowsF, 5 * CHUNK + k);
        FloatVector g = FloatVector.fromArray(F, rowsF, 6 * CHUNK + k);
        FloatVector h = FloatVector.fromArray(F, rowsF, 7 * CHUNK + k);
        FloatVector a1 = a.blend(b.rearrange(FSWAP1), FODD1);
        FloatVector b1 = a.rearrange(FSWAP1).blend(b, FODD1);
        FloatVector c1 = c.blend(d.rearrange(FSWAP1), FODD1);
        FloatVector d1 = c.rearrange(FSWAP1).blend(d, FODD1);
        FloatVector e1 = e.blend(f.rearrange(FSWAP1), FODD1);
        FloatVector f1 = e.rearrange(FSWAP1).blend(f, FODD1);
        FloatVector g1 = g.blend(h.rearrange(FSWAP1), FODD1);
        FloatVector h1 = g.rearrange(FSWAP1).blend(h, FODD1);
        FloatVector a2 = a1.blend(c1.rearrange(FSWAP2), FODD2);
        FloatVector c2 = a1.rearrange(FSWAP2).blend(c1, FODD2);
        FloatVector b2 = b1.blend(d1.rearrange(FSWAP2), FODD2);
        FloatVector d2 = b1.rearrange(FSWAP2).blend(d1, FODD2);
        FloatVector e2 = e1.blend(g1.rearrange(FSWAP2), FODD2);
        FloatVector g2 = e1.rearrange(FSWAP2).blend(g1, FODD2);
        FloatVector f2 = f1.blend(h1.rearrange(FSWAP2), FODD2);
        FloatVector h2 = f1.rearrange(FSWAP2).blend(h1, FODD2);
        int n = BLOCK_ROWS;
        a2.blend(e2.rearrange(FSWAP4), FODD4).intoArray(wt, o);
        b2.blend(f2.rearrange(FSWAP4), FODD4).intoArray(wt, o + n);
        c2.blend(g2.rearrange(FSWAP4), FODD4).intoArray(wt, o + 2 * n);
        d2.blend(h2.rearrange(FSWAP4), FODD4).intoArray(wt, o + 3 * n);
        a2.rearrange(FSWAP4).blend(e2, FODD4).intoArray(wt, o + 4 * n);
        b2.rearrange(FSWAP4).blend(f2, FODD4).intoArray(wt, o + 5 * n);
        c2.rearrange(FSWAP4).blend(g2, FODD4).intoArray(wt, o + 6 * n);
        d2.rearrange(FSWAP4).blend(h2, FODD4).intoArray(wt, o + 7 * n);
    }

    /** Four row vectors (32 rows of wt) against tokens at xa and xb: accumulators acc[a ..] and acc[a + BLOCK_ROWS ..]. */
    private static void tile4x2(float[] wt, int kc, float[] x, int xa, int xb, float[] acc, int a) {
        int n = BLOCK_ROWS;
        FloatVector c0 = FloatVector.fromArray(F, acc, a);
        FloatVector c1 = FloatVector.fromArray(F, acc, a + L);
        FloatVector c2 = FloatVector.fromArray(F, acc, a + 2 * L);
        FloatVector c3 = FloatVector.fromArray(F, acc, a + 3 * L);
        FloatVector d0 = FloatVector.fromArray(F, acc, a + n);
        FloatVector d1 = FloatVector.fromArray(F, acc, a + n + L);
        FloatVector d2 = FloatVector.fromArray(F, acc, a + n + 2 * L);
        FloatVector d3 = FloatVector.fromArray(F, acc, a + n + 3 * L);
        for (int k = 0; k < kc; k++) {
            int o = k * n;
            FloatVector w0 = FloatVector.fromArray(F, wt, o);
            FloatVector w1 = FloatVector.fromArray(F, wt, o + L);
            FloatVector w2 = FloatVector.fromArray(F, wt, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, wt, o + 3 * L);
            FloatVector u = FloatVector.broadcast(F, x[xa + k]);
            FloatVector v = FloatVector.broadcast(F, x[xb + k]);
            c0 = w0.fma(u, c0);
            c1 = w1.fma(u, c1);
            c2 = w2.fma(u, c2);
            c3 = w3.fma(u, c3);
            d0 = w0.fma(v, d0);
            d1 = w1.fma(v, d1);
            d2 = w2.fma(v, d2);
            d3 = w3.fma(v, d3);
        }
        c0.intoArray(acc, a);
        c1.intoArray(acc, a + L);
        c2.intoArray(acc, a + 2 * L);
        c3.intoArray(acc, a + 3 * L);
        d0.intoArray(acc, a + n);
        d1.intoArray(acc, a + n + L);
        d2.intoArray(acc, a + n + 2 * L);
        d3.intoArray(acc, a + n + 3 * L);
    }

    /** Four row vectors against one token (the last of an odd count). */
    private static void tile4x1(float[] wt, int kc, float[] x, int xa, float[] acc, int a) {
        int n = BLOCK_ROWS;
        FloatVector c0 = FloatVector.fromArray(F, acc, a);
        FloatVector c1 = FloatVector.fromArray(F, acc, a + L);
        FloatVector c2 = FloatVector.fromArray(F, acc, a + 2 * L);
        FloatVector c3 = FloatVector.fromArray(F, acc, a + 3 * L);
        for (int k = 0; k < kc; k++) {
            int o = k * n;
            FloatVector u = FloatVector.broadcast(F, x[xa + k]);
            c0 = FloatVector.fromArray(F, wt, o).fma(u, c0);
            c1 = FloatVector.fromArray(F, wt, o + L).fma(u, c1);
            c2 = FloatVector.fromArray(F, wt, o + 2 * L).fma(u, c2);
            c3 = FloatVector.fromArray(F, wt, o + 3 * L).fma(u, c3);
        }
        c0.intoArray(acc, a);
        c1.intoArray(acc, a + L);
        c2.intoArray(acc, a + 2 * L);
        c3.intoArray(acc, a + 3 * L);
    }
}
