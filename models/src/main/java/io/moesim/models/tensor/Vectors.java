package io.moesim.models.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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
     */
    public static FloatVector loadF16(MemorySegment segment, long byteOffset) {
        ShortVector s = ShortVector.fromMemorySegment(S, segment, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        // Normal numbers: move exponent and mantissa into place, rebias the exponent by 127 - 15.
        IntVector bits = magnitude.lanewise(VectorOperators.LSHL, 13).add(112 << 23);
        // Infinity / NaN (exponent 31): rebias once more so that the float exponent is 255.
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7C00);
        bits = bits.add(112 << 23, special);
        // NaN: the JDK sets the quiet bit, as a float conversion on x86 does.
        bits = bits.lanewise(VectorOperators.OR, 0x0040_0000, magnitude.compare(VectorOperators.GT, 0x7C00));
        // Zero and subnormals (exponent 0): the value is mantissa * 2^-24, exact in float.
        VectorMask<Integer> tiny = magnitude.compare(VectorOperators.LT, 0x0400);
        IntVector tinyBits = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
        bits = bits.blend(tinyBits, tiny);
        bits = bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
        return bits.reinterpretAsFloats();
    }
}
