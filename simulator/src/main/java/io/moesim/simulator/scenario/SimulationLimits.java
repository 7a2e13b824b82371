package io.moesim.simulator.scenario;

import io.moesim.models.InputException;
import java.util.Locale;

/**
 * The largest scenarios the discrete-event simulation runs, refused up front (with the limit in the
 * message) rather than left to exhaust memory or run for hours. The analytic estimate
 * ({@code --analytic-only}) has none of these limits. Measured on a 2-core machine with the
 * DeepSeek-V3 decode scenario (88 requests per GPU in flight, kv balancer):
 * 1,440 GPUs x 1 s simulated: 4 s; 2,880: 19 s; 4,032: 44 s and 290 MB; 5,760: 121 s (the time grows
 * with the square of the GPUs: each arriving request is balanced over every rank); 144 GPUs x 3,600 s:
 * 59 s; 1,000,000 Poisson arrivals (10,000/s x 100 s): 13 s and 270 MB; 999,936 GPUs: over 6 GB
 * before the first step.
 */
public final class SimulationLimits {

    /** GPUs of all pools together. */
    public static final int MAX_GPUS = 4096;

    /** GPUs times simulated seconds (144 GPUs for 6,944 s, 4,096 GPUs for 244 s): about two minutes. */
    public static final double MAX_GPU_SECONDS = 1e6;

    /** Requests in flight at once in a closed loop (concurrencyPerGpu times the pool's GPUs). */
    public static final long MAX_REQUESTS_IN_FLIGHT = 1_000_000;

    /** Expected Poisson arrivals over the simulated time (rate times durationSeconds). */
    public static final double MAX_ARRIVALS = 2_000_000;

    private SimulationLimits() {
    }

    /** Refuses {@code scenario} when simulating it would pass a limit; names the field to change. */
    public static void check(Scenario scenario) {
        int gpus = scenario.deployment().totalGpus();
        String source = scenario.source();
        String hint = "; --analytic-only estimates larger deployments";
        if (gpus > MAX_GPUS) {
            Pool largest = scenario.deployment().pools().stream()
                    .max(java.util.Comparator.comparingInt(Pool::gpus)).orElseThrow();
            throw InputException.at(source, "deployment." + largest.role().key() + ".gpus", String.format(Locale.ROOT,
                    "%,d GPUs in all is more than the %,d the simulation runs%s", gpus, MAX_GPUS, hint));
        }
        // Without an explicit duration the run lasts until its figures settle (ServingSpecs), at most
        // simulation.maxSeconds when set, and never less than one simulated second: check that lower bound.
        Scenario.Simulation sim = scenario.simulation();
        double duration = Double.isFinite(sim.durationSeconds()) ? sim.durationSeconds()
                : Double.isFinite(sim.maxSeconds()) ? sim.maxSeconds() : 1.0;
        if (gpus * duration > MAX_GPU_SECONDS) {
            throw InputException.at(source, "simulation.durationSeconds", String.format(Locale.ROOT,
                    "%s s on %,d GPUs is more than the %,.0f GPU-seconds the simulation runs (at most %s s here)%s",
                    format(duration), gpus, MAX_GPU_SECONDS, format(Math.floor(MAX_GPU_SECONDS / gpus)), hint));
        }
        switch (scenario.workload().arrival()) {
            case Workload.Arrival.Concurrency c -> {
                Pool loop = scenario.deployment().decode() != null ? scenario.deployment().decode()
                        : scenario.deployment().pools().getFirst();
                double inFlight = c.perGpu() * loop.gpus();
                if (inFlight > MAX_REQUESTS_IN_FLIGHT) {
                    throw InputException.at(source, "workload.arrival.concurrencyPerGpu", String.format(Locale.ROOT,
                            "%s per GPU on %,d GPUs is %,.0f requests in flight, more than the %,d the simulation"
                                    + " holds%s", format(c.perGpu()), loop.gpus(), inFlight, MAX_REQUESTS_IN_FLIGHT,
                            hint));
                }
            }
            case Workload.Arrival.Poisson p -> {
                double arrivals = p.requestsPerSecond() * duration;
                if (arrivals > MAX_ARRIVALS) {
                    throw InputException.at(source, "workload.arrival.poissonRequestsPerSecond", String.format(
                            Locale.ROOT, "%s requests/s for %s s is %,.0f arrivals, more than the %,.0f the"
                                    + " simulation holds%s", format(p.requestsPerSecond()), format(duration), arrivals,
                            MAX_ARRIVALS, hint));
                }
            }
            case Workload.Arrival.Trace t -> {
                // A trace holds at most Workload.Trace.MAX_REQUESTS requests (checked when read).
            }
        }
    }

    private static String format(double number) {
        return io.moesim.simulator.config.Node.format(number);
    }
}
