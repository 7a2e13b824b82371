package io.moesim.models.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

/**
 * {@link SmallMatMul} (vector over rows, for few tokens) must give bit for bit the results of
 * {@link MatMul}'s outer product (vector over tokens) for every token, whatever the shape, dtype,
 * expert layout (views at offsets), thread count and token count.
 */
class SmallMatMulTest {

    private static final Parallel ONE = Parallel.sequential();
    private static final Parallel THREE = Parallel.of(3);

    @AfterAll
    static void close() {
        THREE.close();
    }

    /**
     * Gaussians with some exact zeros, negative zeros, tiny values whose products underflow, and
     * rare infinities (in weights; a few rows become infinite or NaN, most stay finite).
     */
    private static float[] values(Random r, int n, boolean weights) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(20_000);
            if (pick < 100) {
                v[i] = 0f;
            } else if (pick < 200) {
                v[i] = -0f;
            } else if (pick < 300) {
                v[i] = (r.nextBoolean() ? 1 : -1) * 1e-30f;
            } else if (pick == 300 && weights) {
                v[i] = r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            } else {
                v[i] = (float) r.nextGaussian();
            }
        }
        return v;
    }

    /** v rounded to dtype in a fresh off-heap segment, as a tensor of the given shape. */
    private static Tensor store(DType dtype, float[] v, int... shape) {
        MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, (long) v.length * dtype.bytes())).asSlice(0, (long) v.length * dtype.bytes());
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case F32 -> seg.set(Vectors.FLOAT_LE, 4L * i, v[i]);
                case BF16 -> seg.set(Vectors.SHORT_LE, 2L * i, DType.floatToBf16(v[i]));
                case F16 -> seg.set(Vectors.SHORT_LE, 2L * i, Float.floatToFloat16(v[i]));
            }
        }
        return Tensor.of(dtype, seg, shape);
    }

    /** Runs both kernels on w over 1..16 tokens (x and out at offsets) and compares every output's bits. */
    private static void assertSameBits(Tensor w, Random r, Parallel par, String what) {
        int rows = w.dim(0);
        int in = w.dim(1);
        int xOffset = 3;
        int outOffset = 5;
        float[] x = values(r, xOffset + 16 * in, false);
        for (int tokens = 1; tokens <= 16; tokens++) {
            float[] outer = new float[outOffset + tokens * rows + 2];
            float[] small = outer.clone();
            MatMul.outerProduct(par, w, x, xOffset, tokens, outer, outOffset);
            SmallMatMul.matmul(par, w, x, xOffset, tokens, small, outOffset);
            for (int i = 0; i < small.length; i++) {
                if (Float.floatToRawIntBits(outer[i]) != Float.floatToRawIntBits(small[i])) {
                    throw new AssertionError(what + " over " + tokens + " tokens: element " + i + " (token "
                            + (i - outOffset) / Math.max(1, rows) + ") outer " + outer[i] + " small " + small[i]);
                }
            }
        }
    }

    @Test
    void smallKernelEqualsOuterProductBitForBitOnRandomShapes() {
        assumeTrue(SmallMatMul.supported(), "256-bit vectors not native here");
        Random r = new Random(21);
        // Edges of the kernel: rows around the 8-row group and 32-row block, columns around the
        // 16-column BF16 transpose, the 8-column F32 one and the 128-column chunk.
        int[][] fixed = {{1, 1}, {8, 16}, {32, 128}, {7, 15}, {33, 17}, {40, 130}, {64, 257}, {31, 300}, {100, 48}};
        for (DType dtype : DType.values()) {
            List<int[]> shapes = new ArrayList<>(List.of(fixed));
            for (int i = 0; i < 6; i++) {
                shapes.add(new int[] {1 + r.nextInt(90), 1 + r.nextInt(400)});
            }
            for (int[] shape : shapes) {
                Tensor w = store(dtype, values(r, shape[0] * shape[1], true), shape[0], shape[1]);
                assertSameBits(w, r, shape[0] % 2 == 0 ? THREE : ONE, dtype + " " + shape[0] + "x" + shape[1]);
            }
        }
    }

    @Test
    void smallKernelEqualsOuterProductOnceCompiled() {
        assumeTrue(SmallMatMul.supported(), "256-bit vectors not native here");
        Random r = new Random(24);
        // Enough rounds that C2 compiles both kernels' loops (the first rounds run interpreted).
        for (DType dtype : new DType[] {DType.BF16, DType.F32}) {
            Tensor w = store(dtype, values(r, 96 * 544, true), 96, 544);
            for (int round = 0; round < 30; round++) {
                assertSameBits(w, r, THREE, dtype + " round " + round);
            }
        }
    }

    @Test
    void smallKernelEqualsOuterProductOnBothExpertLayouts() {
        assumeTrue(SmallMatMul.supported(), "256-bit vectors not native here");
        Random r = new Random(22);
        int experts = 3;
        int d = 72;
        int ff = 40;
        for (DType dtype : new DType[] {DType.BF16, DType.F32}) {
            float[] gateUp = values(r, experts * 2 * ff * d, true);
            float[] down = values(r, experts * d * ff, true);
            ExpertWeights packed = ExpertWeights.packed(store(dtype, gateUp, experts, 2 * ff, d), store(dtype, down, experts, d, ff));
            List<Tensor> g = new ArrayList<>();
            List<Tensor> u = new ArrayList<>();
            List<Tensor> dn = new ArrayList<>();
            for (int e = 0; e < experts; e++) {
                g.add(store(dtype, Arrays.copyOfRange(gateUp, e * 2 * ff * d, e * 2 * ff * d + ff * d), ff, d));
                u.add(store(dtype, Arrays.copyOfRange(gateUp, e * 2 * ff * d + ff * d, (e + 1) * 2 * ff * d), ff, d));
                dn.add(store(dtype, Arrays.copyOfRange(down, e * d * ff, (e + 1) * d * ff), d, ff));
            }
            ExpertWeights separate = ExpertWeights.separate(g, u, dn);
            for (ExpertWeights layout : List.of(packed, separate)) {
                for (int e = 0; e < experts; e++) {
                    String what = dtype + (layout == packed ? " packed" : " separate") + " expert " + e;
                    assertSameBits(layout.gate().get(e), r, THREE, what + " gate");
                    assertSameBits(layout.up().get(e), r, ONE, what + " up");
                    assertSameBits(layout.down().get(e), r, THREE, what + " down");
                }
            }
        }
    }

    @Test
    void aTokenAloneEqualsItsRowInAnyBatchAcrossTheKernelThreshold() {
        Random r = new Random(23);
        int rows = 45;
        int in = 200;
        Tensor w = store(DType.BF16, values(r, rows * in, true), rows, in);
        int max = MatMul.SMALL_TOKENS + 8;
        float[] x = values(r, max * in, false);
        float[] all = new float[max * rows];
        MatMul.matmul(THREE, w, x, max, all);
        for (int tokens = 1; tokens < max; tokens++) {
            float[] part = new float[tokens * rows];
            MatMul.matmul(tokens % 2 == 0 ? ONE : THREE, w, x, 0, tokens, part, 0);
            for (int i = 0; i < part.length; i++) {
                assertEquals(Float.floatToRawIntBits(all[i]), Float.floatToRawIntBits(part[i]), "batch of " + tokens + ", element " + i);
            }
        }
    }
}
