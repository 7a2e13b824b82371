package io.moesim.models.safetensors;

import java.util.Arrays;

/**
 * One tensor entry of a safetensors header.
 *
 * @param name        tensor name
 * @param dtypeName   dtype as written in the header ("F32", "BF16", "I64", ...)
 * @param shape       shape, row-major
 * @param dataBegin   first byte, relative to the start of the data section
 * @param dataEnd     end byte (exclusive), relative to the start of the data section
 */
public record TensorInfo(String name, String dtypeName, long[] shape, long dataBegin, long dataEnd) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data. */
    public long byteLength() {
        return dataEnd - dataBegin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtypeName.equals(t.dtypeName)
                && Arrays.equals(shape, t.shape) && dataBegin == t.dataBegin && dataEnd == t.dataEnd;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtypeName + Arrays.toString(shape) + " @[" + dataBegin + "," + dataEnd + ")";
    }
}
