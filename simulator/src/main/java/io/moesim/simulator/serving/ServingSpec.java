package io.moesim.simulator.serving;

import io.moesim.models.spec.ModelSpec;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.routing.SyntheticRouting;
import java.util.List;
import java.util.Objects;

/**
 * Everything a serving simulation needs: model, hardware, pools, workload, routing, data types,
 * seed and how long to simulate.
 *
 * @param model             the model architecture
 * @param hardware          the GPU system
 * @param pools             one colocated pool, or a prefill pool and a decode pool (disaggregated)
 * @param workload          arrivals and lengths
 * @param routing           synthetic routing law
 * @param weightType        data type of the GEMM weights and inputs (FP8 for DeepSeek)
 * @param kvCacheType       data type of the KV cache
 * @param seed              the run's seed
 * @param durationSeconds   simulated time
 * @param warmupSeconds     leading time excluded from the statistics
 */
public record ServingSpec(ModelSpec model, HardwareProfile hardware, List<PoolSpec> pools, Workload workload,
                          SyntheticRouting.Distribution routing, DataType weightType, DataType kvCacheType,
                          long seed, double durationSeconds, double warmupSeconds) {

    public ServingSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(weightType, "weightType");
        Objects.requireNonNull(kvCacheType, "kvCacheType");
        pools = List.copyOf(pools);
        boolean colocated = pools.size() == 1 && pools.getFirst().role() == PoolSpec.Role.COLOCATED;
        boolean disaggregated = pools.size() == 2 && pools.get(0).role() == PoolSpec.Role.PREFILL
                && pools.get(1).role() == PoolSpec.Role.DECODE;
        if (!colocated && !disaggregated) {
            throw new IllegalArgumentException("pools must be one colocated pool, or a prefill pool then a decode pool");
        }
        if (!(durationSeconds > 0) || !(warmupSeconds >= 0) || warmupSeconds >= durationSeconds) {
            throw new IllegalArgumentException("need durationSeconds > warmupSeconds >= 0");
        }
    }

    /** Whether prefill and decode run on separate pools. */
    public boolean disaggregated() {
        return pools.size() == 2;
    }
}
