package io.moesim.models.tensor;

/**
 * Named weight tensors a model is built from: a memory-mapped checkpoint
 * ({@link io.moesim.models.safetensors.Checkpoint}) or tensors held in memory
 * ({@link MemoryTensors}, e.g. randomly initialised weights for a benchmark).
 */
public interface TensorSource extends AutoCloseable {

    /** Whether the source has tensor {@code name}. */
    boolean has(String name);

    /** A view of tensor {@code name} (never a copy); an exception if absent. */
    Tensor tensor(String name);

    /**
     * Where tensor {@code name} lives (or would live if absent), for error messages: a file path,
     * or a description of the source.
     */
    Object origin(String name);

    /** Releases the memory behind the tensors; they must not be used afterwards. */
    @Override
    void close();
}
