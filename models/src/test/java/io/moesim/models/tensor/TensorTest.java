package io.moesim.models.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorTest {

    /** Every one of the 65536 F16 bit patterns widens exactly as {@link Float#float16ToFloat}. */
    @Test
    void vectorF16WideningMatchesTheJdkForEveryBitPattern() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(65536L * 2);
            for (int i = 0; i < 65536; i++) {
                seg.set(Vectors.SHORT_LE, 2L * i, (short) i);
            }
            // Repeated so that the loops are also checked once C2 has compiled (and vectorised) them.
            for (int round = 0; round < 40; round++) {
                float[] out = new float[65536];
                new F16Tensor(seg, 65536).toFloat(0, out, 0, 65536); // Vectors.widenF16
                float[] vec = new float[65536];
                for (int i = 0; i < 65536; i += Vectors.LANES) {
                    Vectors.loadF16(seg, 2L * i).intoArray(vec, i); // the Vector API widening of F16Tensor.dot
                }
                for (int i = 0; i < 65536; i++) {
                    float expected = Float.float16ToFloat((short) i);
                    int at = i;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[i]),
                            () -> "widenF16 of " + Integer.toHexString(at));
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(vec[i]),
                            () -> "loadF16 of " + Integer.toHexString(at));
                }
            }
        }
    }

    /** Every BF16 bit pattern widens to the float with those upper bits. */
    @Test
    void vectorBf16WideningIsAShift() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(65536L * 2);
            for (int i = 0; i < 65536; i++) {
                seg.set(Vectors.SHORT_LE, 2L * i, (short) i);
            }
            float[] out = new float[65536];
            new BF16Tensor(seg, 65536).toFloat(0, out, 0, 65536);
            for (int i = 0; i < 65536; i++) {
                assertEquals(i << 16, Float.floatToRawIntBits(out[i]));
            }
        }
    }

    static Tensor store(Arena arena, DType dtype, float[] v, int... shape) {
        MemorySegment seg = arena.allocate((long) v.length * dtype.bytes());
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case F32 -> seg.set(Vectors.FLOAT_LE, 4L * i, v[i]);
                case BF16 -> seg.set(Vectors.SHORT_LE, 2L * i, DType.floatToBf16(v[i]));
                case F16 -> seg.set(Vectors.SHORT_LE, 2L * i, Float.floatToFloat16(v[i]));
            }
        }
        return Tensor.of(dtype, seg, shape);
    }

    @Test
    void dotMatchesWidenedValuesForEveryDtypeAndLength() {
        Random r = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : DType.values()) {
                for (int n : new int[] {0, 1, 7, 8, 31, 32, 33, 100, 257}) {
                    float[] w = new float[n + 5];
                    float[] x = new float[n + 3];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = (float) r.nextGaussian();
                    }
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) r.nextGaussian();
                    }
                    Tensor t = store(arena, dtype, w, w.length);
                    double expected = 0;
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) {
                        expected += (double) t.get(5 + i) * x[3 + i];
                        magnitude += Math.abs((double) t.get(5 + i) * x[3 + i]);
                    }
                    float got = t.dot(5, x, 3, n);
                    assertEquals(expected, got, 1e-6 * magnitude + 1e-30, dtype + " n=" + n);
                }
            }
        }
    }

    @Test
    void viewsAddressExpertsAndRows() {
        float[] v = new float[3 * 4 * 5];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor packed = store(arena, DType.BF16, v, 3, 4, 5);
            Tensor expert2 = packed.slice(2);
            assertEquals(2, expert2.rank());
            assertEquals(40f, expert2.get(0));
            Tensor rows = expert2.rows(2, 2);
            assertEquals(50f, rows.get(0));
            assertEquals(59f, rows.get(9));
            assertThrows(IndexOutOfBoundsException.class, () -> expert2.rows(3, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> packed.slice(3));
        }
    }
}
