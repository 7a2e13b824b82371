package io.moesim.simulator.memory;

/**
 * HBM use of one GPU of a pool (all GPUs of a pool hold the same), in bytes.
 *
 * @param weightsBytes          weights this GPU holds
 * @param kvCacheBytes          KV cache of the sequences the plan puts on this GPU
 * @param activationBytes       peak working set of one layer's activations
 * @param bufferBytes           expert-parallel dispatch/combine buffers
 * @param reservedBytes         CUDA context, library workspaces, framework (from the hardware profile)
 * @param capacityBytes         the GPU's HBM
 * @param kvCacheCapacityTokens tokens whose KV cache fits in what the rest leaves free (per GPU)
 * @param kvCacheTokensNeeded   tokens the plan keeps in this GPU's KV cache
 */
public record PoolMemory(double weightsBytes, double kvCacheBytes, double activationBytes, double bufferBytes,
                         double reservedBytes, double capacityBytes, double kvCacheCapacityTokens,
                         double kvCacheTokensNeeded) {

    /** Everything the plan needs on one GPU. */
    public double totalBytes() {
        return weightsBytes + kvCacheBytes + activationBytes + bufferBytes + reservedBytes;
    }

    /** Whether it fits in HBM. */
    public boolean fits() {
        return totalBytes() <= capacityBytes;
    }
}
