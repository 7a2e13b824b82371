package io.moesim.simulator.serving;

import io.moesim.simulator.scenario.Pool;
import java.util.Objects;

/**
 * A pool of identical serving instances. An instance is a group of GPUs that steps together: its
 * routed experts are spread over all its GPUs (expert parallelism over the instance), attention
 * runs in {@code gpusPerInstance / attentionTp} data-parallel ranks, each with its own batch.
 *
 * @param name                   for results ("prefill", "decode", "serving")
 * @param role                   colocated (prefill and decode), prefill only or decode only
 * @param instances              instances in the pool
 * @param gpusPerInstance        GPUs per instance (the EP size)
 * @param attentionTp            tensor-parallel degree of attention inside a DP rank (1 = pure DP attention)
 * @param maxRequestsPerRank     most requests in one rank's batch
 * @param maxTokensPerRank       most new tokens in one rank's step (decode tokens + prefill chunk tokens)
 * @param chunkTokens            most prompt tokens of one request per step (chunked prefill)
 * @param redundantExperts       extra expert replicas per layer (experts + redundant must divide by the GPUs)
 * @param twoMicroBatches        split each step in two micro-batches whose communication hides behind the other's compute
 * @param kvCapacityTokensPerRank KV-cache capacity of a rank in tokens; 0 = what is left of HBM after weights
 * @param balancer               how requests are spread over the ranks ({@code ATTENTION}: prefill pools only)
 * @param cudaGraphs             decode-only steps replay CUDA graphs (see {@link Pool#cudaGraphs()})
 */
public record PoolSpec(String name, Role role, int instances, int gpusPerInstance, int attentionTp,
                       int maxRequestsPerRank, int maxTokensPerRank, int chunkTokens, int redundantExperts,
                       boolean twoMicroBatches, long kvCapacityTokensPerRank, Pool.Balancer balancer,
                       boolean cudaGraphs) {

    /** A pool whose decode steps replay CUDA graphs. */
    public PoolSpec(String name, Role role, int instances, int gpusPerInstance, int attentionTp,
                    int maxRequestsPerRank, int maxTokensPerRank, int chunkTokens, int redundantExperts,
                    boolean twoMicroBatches, long kvCapacityTokensPerRank, Pool.Balancer balancer) {
        this(name, role, instances, gpusPerInstance, attentionTp, maxRequestsPerRank, maxTokensPerRank, chunkTokens,
                redundantExperts, twoMicroBatches, kvCapacityTokensPerRank, balancer, true);
    }

    /** A pool with the default balancer of its role. */
    public PoolSpec(String name, Role role, int instances, int gpusPerInstance, int attentionTp,
                    int maxRequestsPerRank, int maxTokensPerRank, int chunkTokens, int redundantExperts,
                    boolean twoMicroBatches, long kvCapacityTokensPerRank) {
        this(name, role, instances, gpusPerInstance, attentionTp, maxRequestsPerRank, maxTokensPerRank, chunkTokens,
                redundantExperts, twoMicroBatches, kvCapacityTokensPerRank,
                Pool.Balancer.defaultFor(role == Role.PREFILL));
    }

    /** What an instance of the pool does. */
    public enum Role { COLOCATED, PREFILL, DECODE }

    public PoolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        if (instances <= 0 || gpusPerInstance <= 0 || attentionTp <= 0 || gpusPerInstance % attentionTp != 0) {
            throw new IllegalArgumentException(name + ": need instances, gpusPerInstance > 0 and attentionTp dividing gpusPerInstance");
        }
        if (maxRequestsPerRank <= 0 || maxTokensPerRank <= 0 || chunkTokens <= 0 || redundantExperts < 0
                || kvCapacityTokensPerRank < 0) {
            throw new IllegalArgumentException(name + ": batch limits must be > 0");
        }
        Objects.requireNonNull(balancer, "balancer");
        if (!balancer.fits(role == Role.PREFILL)) {
            throw new IllegalArgumentException(name + ": the " + balancer.key() + " balancer does not fit a "
                    + role.name().toLowerCase(java.util.Locale.ROOT) + " pool");
        }
    }

    /** Data-parallel attention ranks per instance. */
    public int ranksPerInstance() {
        return gpusPerInstance / attentionTp;
    }

    /** Micro-batches per step: 2 or 1. */
    public int microBatches() {
        return twoMicroBatches ? 2 : 1;
    }

    /** All GPUs of the pool. */
    public int gpus() {
        return instances * gpusPerInstance;
    }
}
