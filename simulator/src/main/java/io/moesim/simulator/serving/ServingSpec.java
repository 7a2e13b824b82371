package io.moesim.simulator.serving;

import io.moesim.models.spec.ModelSpec;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.routing.SyntheticRouting;
import io.moesim.simulator.scenario.Precision;
import java.util.List;
import java.util.Objects;

/**
 * Everything a serving simulation needs: model, hardware, pools, workload, routing, data types,
 * seed and how long to simulate.
 *
 * @param model             the model architecture
 * @param hardware          the GPU system
 * @param pools             one colocated pool; a prefill pool and a decode pool (disaggregated); or a prefill
 *                          or a decode pool alone (the other side of a disaggregated deployment left out: a
 *                          prefill pool's requests end with their first token, a decode pool's arrive prefilled)
 * @param workload          arrivals and lengths
 * @param routing           synthetic routing law
 * @param precision         number formats (weights, activations, KV cache, dispatch, combine)
 * @param seed              the run's seed
 * @param durationSeconds   simulated time; with {@code settle}, the most simulated time (the cap)
 * @param warmupSeconds     leading time excluded from the statistics
 * @param placement         how each instance places its experts (contiguous by default)
 * @param trace             a router trace to replay instead of the synthetic law, or null
 * @param settle            the stopping rule that ends the run before {@code durationSeconds} once the headline
 *                          throughput has settled, or null: run exactly {@code durationSeconds}
 */
public record ServingSpec(ModelSpec model, HardwareProfile hardware, List<PoolSpec> pools, Workload workload,
                          SyntheticRouting.Distribution routing, Precision precision,
                          long seed, double durationSeconds, double warmupSeconds,
                          io.moesim.simulator.placement.PlacementPlan placement,
                          io.moesim.simulator.routing.TraceRoutingPlan trace, Settle settle) {

    /** Batches per measured window when the duration is fixed (for the confidence interval alone). */
    public static final int FIXED_BATCHES = 10;

    /**
     * Stop at the end of the first batch after warm-up at which at least {@code minBatches} batches of
     * {@code batchSeconds} have been measured and the 95% confidence interval of the headline throughput
     * (Student t over the batch means) has a half-width of at most {@code relativeHalfWidth} of the mean.
     */
    public record Settle(double batchSeconds, int minBatches, double relativeHalfWidth) {
        public Settle {
            if (!(batchSeconds > 0) || minBatches < 2 || !(relativeHalfWidth > 0)) {
                throw new IllegalArgumentException("need batchSeconds > 0, minBatches >= 2, relativeHalfWidth > 0");
            }
        }
    }

    /** A fixed duration. */
    public ServingSpec(ModelSpec model, HardwareProfile hardware, List<PoolSpec> pools, Workload workload,
                       SyntheticRouting.Distribution routing, Precision precision,
                       long seed, double durationSeconds, double warmupSeconds,
                       io.moesim.simulator.placement.PlacementPlan placement,
                       io.moesim.simulator.routing.TraceRoutingPlan trace) {
        this(model, hardware, pools, workload, routing, precision, seed, durationSeconds, warmupSeconds, placement,
                trace, null);
    }

    /** Synthetic routing and contiguous placement. */
    public ServingSpec(ModelSpec model, HardwareProfile hardware, List<PoolSpec> pools, Workload workload,
                       SyntheticRouting.Distribution routing, Precision precision,
                       long seed, double durationSeconds, double warmupSeconds) {
        this(model, hardware, pools, workload, routing, precision, seed, durationSeconds, warmupSeconds, null, null, null);
    }

    public ServingSpec {
        placement = placement == null ? io.moesim.simulator.placement.PlacementPlan.CONTIGUOUS : placement;
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(precision, "precision");
        pools = List.copyOf(pools);
        boolean single = pools.size() == 1;
        boolean disaggregated = pools.size() == 2 && pools.get(0).role() == PoolSpec.Role.PREFILL
                && pools.get(1).role() == PoolSpec.Role.DECODE;
        if (!single && !disaggregated) {
            throw new IllegalArgumentException("pools must be one pool, or a prefill pool then a decode pool");
        }
        if (!(durationSeconds > 0) || !(warmupSeconds >= 0) || warmupSeconds >= durationSeconds) {
            throw new IllegalArgumentException("need durationSeconds > warmupSeconds >= 0");
        }
    }

    /** Whether prefill and decode run on separate pools. */
    public boolean disaggregated() {
        return pools.size() == 2;
    }

    /** Whether requests arrive at a decode pool already prefilled (a decode pool alone). */
    public boolean decodeOnly() {
        return pools.size() == 1 && pools.getFirst().role() == PoolSpec.Role.DECODE;
    }
}
