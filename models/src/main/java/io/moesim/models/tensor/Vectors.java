package io.moesim.models.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API species and loads shared by the tensor classes and the kernels: float lanes of the
 * preferred width, and loads that widen BF16 / F16 elements from a segment to float lanes.
 */
public final class Vectors {

    /** Preferred float species (8 lanes on AVX2, 16 on AVX-512). */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Int species of the same width as {@link #F}. */
    public static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));
    /** Short species with as many lanes as {@link #F} (half the width). */
    public static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** Lanes per float vector. */
    public static final int LANES = F.length();

    /** Little-endian unaligned float, as stored in safetensors. */
    public static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian unaligned 16-bit element, as stored in safetensors. */
    public static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Vectors() {
    }

    /** {@link #LANES} little-endian floats at {@code byteOffset}. */
    public static FloatVector loadF32(MemorySegment segment, long byteOffset) {
        return FloatVector.fromMemorySegment(F, segment, byteOffset, ByteOrder.LITTLE_ENDIAN);
    }

    /** {@link #LANES} BF16 elements at {@code byteOffset}, widened (a 16-bit left shift). */
    public static FloatVector loadBf16(MemorySegment segment, long byteOffset) {
        ShortVector s = ShortVector.fromMemorySegment(S, segment, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * {@link #LANES} F16 elements at {@code byteOffset}, widened exactly as
     * {@link Float#float16ToFloat} does (normals, subnormals, infinities, NaN payloads).
     *
     * <p>Branch-free and with a single blend, so that C2 compiles it to straight-line vector code:
     * the magnitude bits shifted into float position and multiplied by 2^112 give the exact value
     * of every finite F16 (normal or subnormal: rebiasing the exponent by 127 - 15 = 112 is a
     * multiplication by 2^112, and the product of a float subnormal is exact). Infinities and NaNs
     * (exponent 31) take the all-ones float exponent instead, NaNs with the quiet bit set, as the
     * JDK's (and x86's) conversion does.
     */
    public static FloatVector loadF16(MemorySegment segment, long byteOffset) {
        ShortVector s = ShortVector.fromMemorySegment(S, segment, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        // all-ones lanes where the exponent is 31 (infinity, NaN): (0x7BFF - magnitude) >> 31, arithmetic
        IntVector special = IntVector.broadcast(I, 0x7BFF).sub(magnitude).lanewise(VectorOperators.ASHR, 31);
        // quiet bit for NaN: (0x7C00 - magnitude) is negative exactly when magnitude > 0x7C00
        IntVector quiet = IntVector.broadcast(I, 0x7C00).sub(magnitude).lanewise(VectorOperators.LSHR, 31)
                .lanewise(VectorOperators.LSHL, 22);
        IntVector specialBits = shifted.or(0x7F80_0000).or(quiet);
        // select without a mask register: bits ^ ((bits ^ specialBits) & special)
        bits = bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.XOR, specialBits).and(special));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /**
     * Widens {@code n} little-endian F16 elements at {@code byteOffset} into {@code dst}, exactly
     * as {@link Float#float16ToFloat} (it is that conversion). A plain loop over the segment that
     * C2 compiles to F16C {@code vcvtph2ps} vector instructions (auto-vectorised intrinsic; in
     * JDK 25 this also happens for segment loads, so the elements are no longer copied into a
     * {@code short[]} first, which made the F16 matvec about 1.5x faster); several times faster
     * than widening with Vector API integer operations ({@link #loadF16}).
     */
    public static void widenF16(MemorySegment segment, long byteOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(segment.get(SHORT_LE, byteOffset + 2L * i));
        }
    }

    /**
     * The sum of the lanes of {@code v}, added in lane order. Unlike
     * {@code reduceLanes(VectorOperators.ADD)}, whose order is unspecified (C2's reduction and the
     * interpreter's fall-back add in different orders), this gives the same float whether the
     * code runs interpreted or compiled, so results do not depend on JIT timing or thread count.
     */
    public static float sum(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < LANES; i++) {
            s += v.lane(i);
        }
        return s;
    }
}
