package io.moesim.models.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link TensorSource} of tensors in off-heap memory owned by this object (one shared
 * {@link Arena}, freed by {@link #close}): {@link #allocate} returns a zeroed tensor whose
 * {@linkplain Tensor#segment() segment} the caller fills. For weights made on the fly (random
 * initialisation of a large model's shape for a benchmark) without a file or heap copy.
 */
public final class MemoryTensors implements TensorSource {

    private final Arena arena = Arena.ofShared();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final String description;

    /** An empty source; {@code description} names it in error messages. */
    public MemoryTensors(String description) {
        this.description = description;
    }

    /** A new zeroed tensor {@code name} of {@code dtype} and {@code shape}, 64-byte aligned; replaces none. */
    public Tensor allocate(String name, DType dtype, int... shape) {
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' already allocated");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        MemorySegment seg = arena.allocate(Math.max(1, n * dtype.bytes()), 64).asSlice(0, n * dtype.bytes());
        Tensor t = Tensor.of(dtype, seg, shape);
        tensors.put(name, t);
        return t;
    }

    @Override
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + description);
        }
        return t;
    }

    @Override
    public Object origin(String name) {
        return description;
    }

    /** Total bytes allocated. */
    public long bytes() {
        return tensors.values().stream().mapToLong(t -> t.size() * t.dtype().bytes()).sum();
    }

    @Override
    public void close() {
        tensors.clear();
        arena.close();
    }
}
