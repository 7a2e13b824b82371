package io.moesim.models.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** A {@link DType#F16} tensor in a (usually memory-mapped) segment, little-endian. */
public final class F16Tensor extends Tensor {

    private final MemorySegment segment;

    /** A view of {@code segment} with {@code shape}; the segment must hold exactly the elements. */
    public F16Tensor(MemorySegment segment, int... shape) {
        super(shape);
        if (segment.byteSize() != size * 2) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes for " + size + " F16 elements");
        }
        this.segment = segment;
    }

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public float get(long index) {
        return Float.float16ToFloat(segment.get(Vectors.SHORT_LE, index * 2));
    }

    /** Vector dot product with four independent accumulators (memory-bound callers need them). */
    @Override
    public float dot(long offset, float[] x, int xOffset, int n) {
        int lanes = Vectors.LANES;
        int i = 0;
        FloatVector a0 = FloatVector.zero(Vectors.F);
        FloatVector a1 = FloatVector.zero(Vectors.F);
        FloatVector a2 = FloatVector.zero(Vectors.F);
        FloatVector a3 = FloatVector.zero(Vectors.F);
        long base = offset * 2;
        for (; i <= n - 4 * lanes; i += 4 * lanes) {
            long byteOff = base + (long) i * 2;
            a0 = Vectors.loadF16(segment, byteOff).fma(FloatVector.fromArray(Vectors.F, x, xOffset + i), a0);
            byteOff += (long) lanes * 2;
            a1 = Vectors.loadF16(segment, byteOff).fma(FloatVector.fromArray(Vectors.F, x, xOffset + i + lanes), a1);
            byteOff += (long) lanes * 2;
            a2 = Vectors.loadF16(segment, byteOff).fma(FloatVector.fromArray(Vectors.F, x, xOffset + i + 2 * lanes), a2);
            byteOff += (long) lanes * 2;
            a3 = Vectors.loadF16(segment, byteOff).fma(FloatVector.fromArray(Vectors.F, x, xOffset + i + 3 * lanes), a3);
        }
        for (; i <= n - lanes; i += lanes) {
            long byteOff = base + (long) i * 2;
            a0 = Vectors.loadF16(segment, byteOff).fma(FloatVector.fromArray(Vectors.F, x, xOffset + i), a0);
        }
        float sum = Vectors.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            sum += get(offset + i) * x[xOffset + i];
        }
        return sum;
    }

    /** Widens with {@link Vectors#widenF16} (F16C), exactly as {@link Float#float16ToFloat}. */
    @Override
    public void toFloat(long offset, float[] dst, int dstOffset, int n) {
        Vectors.widenF16(segment, offset * 2, dst, dstOffset, n);
    }
}
