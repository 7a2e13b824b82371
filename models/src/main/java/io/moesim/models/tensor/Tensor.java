package io.moesim.models.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A read-only view of a row-major tensor of one {@link DType}, for weights: the elements live in
 * a (usually memory-mapped) {@link MemorySegment}, never copied into the heap. Subclasses hold
 * one dtype each and carry their own Vector API dot product.
 *
 * <p>Element indices are flat ({@code long}, no 2 GiB limit). A {@linkplain #view view} is a
 * window at an element offset with its own shape: that is how one expert of a packed
 * {@code [E, 2*ff, d]} tensor, or the gate rows of it, are addressed without copying.
 */
public abstract sealed class Tensor permits F32Tensor, BF16Tensor, F16Tensor {

    /** Shape, row-major. */
    protected final int[] shape;
    /** Number of elements (product of the shape). */
    protected final long size;

    protected Tensor(int[] shape) {
        this.shape = shape.clone();
        long n = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, dim);
        }
        this.size = n;
    }

    /** A view of {@code segment} (little-endian elements of {@code dtype}) with {@code shape}. */
    public static Tensor of(DType dtype, MemorySegment segment, int... shape) {
        return switch (dtype) {
            case F32 -> new F32Tensor(segment, shape);
            case BF16 -> new BF16Tensor(segment, shape);
            case F16 -> new F16Tensor(segment, shape);
        };
    }

    /** The element type. */
    public abstract DType dtype();

    /** The backing memory (exactly {@code size() * dtype().bytes()} bytes). */
    public abstract MemorySegment segment();

    /** Element {@code index} (flat, row-major), widened to float. */
    public abstract float get(long index);

    /** {@code sum_{i<n} this[offset + i] * x[xOffset + i]}, accumulated in float lanes. */
    public abstract float dot(long offset, float[] x, int xOffset, int n);

    /** Widens elements {@code [offset, offset + n)} into {@code dst[dstOffset ..]}. */
    public abstract void toFloat(long offset, float[] dst, int dstOffset, int n);

    /** A view of {@code prod(shape)} elements starting at flat element {@code offset}. */
    public final Tensor view(long offset, int... shape) {
        long n = 1;
        for (int dim : shape) {
            n = Math.multiplyExact(n, dim);
        }
        if (offset < 0 || offset + n > size) {
            throw new IndexOutOfBoundsException("view of " + n + " elements at " + offset
                    + " outside tensor of shape " + Arrays.toString(this.shape));
        }
        long bytes = dtype().bytes();
        return of(dtype(), segment().asSlice(offset * bytes, n * bytes), shape);
    }

    /** Entry {@code index} along the first axis (for example one expert of {@code [E, rows, cols]}). */
    public final Tensor slice(int index) {
        if (shape.length == 0 || index < 0 || index >= shape[0]) {
            throw new IndexOutOfBoundsException("index " + index + " outside first axis of " + Arrays.toString(shape));
        }
        int[] rest = Arrays.copyOfRange(shape, 1, shape.length);
        long stride = shape[0] == 0 ? 0 : size / shape[0];
        return view(index * stride, rest);
    }

    /** Rows {@code [start, start + count)} of a 2-D tensor, as a {@code [count, cols]} view. */
    public final Tensor rows(int start, int count) {
        requireRank(2);
        if (start < 0 || count < 0 || start + count > shape[0]) {
            throw new IndexOutOfBoundsException("rows " + start + "+" + count + " outside " + Arrays.toString(shape));
        }
        return view((long) start * shape[1], count, shape[1]);
    }

    /** A copy of the shape. */
    public final int[] shape() {
        return shape.clone();
    }

    /** Dimension {@code axis} of the shape. */
    public final int dim(int axis) {
        return shape[axis];
    }

    /** Rank (number of dimensions). */
    public final int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public final long size() {
        return size;
    }

    /** All elements widened into a new heap array (for small tensors: norms, biases, tests). */
    public final float[] toFloatArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + size + " elements does not fit a float[]");
        }
        float[] out = new float[(int) size];
        toFloat(0, out, 0, out.length);
        return out;
    }

    /** Throws unless the tensor has {@code rank} dimensions. */
    public final void requireRank(int rank) {
        if (shape.length != rank) {
            throw new IllegalArgumentException("expected a rank-" + rank + " tensor, got shape " + Arrays.toString(shape));
        }
    }

    @Override
    public String toString() {
        return dtype() + Arrays.toString(shape);
    }
}
