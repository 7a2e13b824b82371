package io.moesim.simulator.scenario;

import io.moesim.models.spec.ModelSpec;
import io.moesim.simulator.hardware.HardwareProfile;
import java.util.Objects;

/**
 * A what-if: a model on a hardware profile, deployed in one or two pools, at some precisions,
 * under a workload and a price. Read from YAML by {@link ScenarioLoader}; every field was validated
 * there (splits divide, values in range), so consumers can rely on it.
 *
 * @param source       the file it came from (for messages)
 * @param name         one line saying what it is
 * @param modelRef     the {@code model:} value as written (catalog id or path)
 * @param model        the resolved model
 * @param hardwareRef  the {@code hardware:} value as written
 * @param hardware     the resolved profile
 * @param deployment   the pools
 * @param placement    how experts are placed on GPUs
 * @param precision    number formats
 * @param workload     the requests
 * @param usdPerGpuHour price of one GPU for one hour (the scenario's or the profile's default)
 * @param priceSource  where {@code usdPerGpuHour} comes from: {@code profile ID: SOURCE} (the hardware
 *                     profile's price and its source), {@code scenario (price.usdPerGpuHour)} or
 *                     {@code command line (--set price...)}
 * @param routing      how tokens choose experts (the analytic model assumes uniform routing)
 * @param seed         seed of every random choice (the analytic model makes none)
 * @param simulation   how long the discrete-event simulation runs
 */
public record Scenario(String source, String name, String modelRef, ModelSpec model, String hardwareRef,
                       HardwareProfile hardware, Deployment deployment, Placement placement, Precision precision,
                       Workload workload, double usdPerGpuHour, String priceSource, Routing routing, long seed,
                       Simulation simulation) {

    public Scenario {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(simulation, "simulation");
        Objects.requireNonNull(priceSource, "priceSource");
        if (!(usdPerGpuHour >= 0)) {
            throw new IllegalArgumentException("usdPerGpuHour must be >= 0");
        }
    }

    /**
     * How routed experts are laid out on the GPUs of an expert-parallel group.
     *
     * @param strategy         {@code contiguous}, {@code round-robin}, {@code eplb-hierarchical} or
     *                         {@code eplb-global} (see {@code io.moesim.simulator.placement} and docs/placement.md)
     * @param redundantExperts extra replicas of the hottest experts per MoE layer
     * @param file             a placement file to use instead of a strategy (resolved against the
     *                         scenario's folder), or null
     * @param fitTokens        trace tokens ({@code A:B}) the expert loads are measured on when routing
     *                         replays a trace; null: the replayed tokens themselves
     */
    public record Placement(String strategy, int redundantExperts, java.nio.file.Path file, String fitTokens) {
        public Placement {
            Objects.requireNonNull(strategy, "strategy");
            if (redundantExperts < 0) {
                throw new IllegalArgumentException("redundantExperts must be >= 0");
            }
        }

        public Placement(String strategy, int redundantExperts) {
            this(strategy, redundantExperts, null, null);
        }
    }

    /** How tokens choose experts: a synthetic distribution or a recorded trace. */
    public sealed interface Routing permits Routing.Uniform, Routing.Zipf, Routing.Trace {
        /** Every expert equally likely. */
        record Uniform() implements Routing {
        }

        /** Expert popularity by a Zipf law with this exponent. */
        record Zipf(double exponent) implements Routing {
        }

        /**
         * A recorded router trace (path resolved against the scenario's folder), replayed over the
         * trace tokens {@code tokens} ({@code A:B}; null: all of them).
         */
        record Trace(java.nio.file.Path path, String tokens) implements Routing {
            public Trace(java.nio.file.Path path) {
                this(path, null);
            }
        }
    }

    /**
     * How long the discrete-event simulation runs. With {@code durationSeconds} given, exactly that
     * long (warm-up included). Without it (NaN), the simulated time follows from the workload: a
     * warm-up of about two request lifetimes, then batches of half a lifetime until the 95%
     * confidence interval of the headline throughput (batch means) is within {@code relativeHalfWidth}
     * of its mean, or until {@code maxSeconds} (see {@code ServingSpecs}).
     *
     * @param durationSeconds   simulated time, warm-up included; NaN: follow from the workload
     * @param warmupSeconds     leading simulated time left out of every figure; NaN: the default
     * @param relativeHalfWidth the stopping criterion without a duration: CI half-width / mean
     * @param maxSeconds        the most simulated time without a duration; NaN: the default cap
     */
    public record Simulation(double durationSeconds, double warmupSeconds, double relativeHalfWidth,
                             double maxSeconds) {
        /** Defaults: the simulated time follows from the workload, stopping at a 2% half-width. */
        public static final Simulation DEFAULT = new Simulation(Double.NaN, Double.NaN, 0.02, Double.NaN);

        /** A fixed duration with its warm-up. */
        public Simulation(double durationSeconds, double warmupSeconds) {
            this(durationSeconds, warmupSeconds, DEFAULT.relativeHalfWidth, Double.NaN);
        }

        public Simulation {
            if (fixed(durationSeconds) && (!(durationSeconds > 0) || !(warmupSeconds >= 0)
                    || !(warmupSeconds < durationSeconds))) {
                throw new IllegalArgumentException("need durationSeconds > warmupSeconds >= 0");
            }
            if (!(relativeHalfWidth > 0 && relativeHalfWidth < 1)) {
                throw new IllegalArgumentException("need 0 < relativeHalfWidth < 1");
            }
        }

        private static boolean fixed(double durationSeconds) {
            return !Double.isNaN(durationSeconds);
        }

        /** Whether the scenario fixes the simulated time. */
        public boolean fixed() {
            return fixed(durationSeconds);
        }
    }
}
