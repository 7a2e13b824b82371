package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.analytic.AnalyticModel;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How long a run simulates and what it measures: an explicit duration is honoured to the second, a
 * default run follows from the workload and stops when the stated criterion is met (or at the cap),
 * a window with too few completions says so, and tokens are conserved.
 */
class SteadyStateTest {

    /** Mixtral 8x7B colocated on 8 H100 (TP8), fixed lengths, no prefix cache: every token accounted for. */
    private static Scenario mixtral(String... extra) {
        List<String> sets = new java.util.ArrayList<>(List.of("workload.inputTokens=500", "workload.outputTokens=100",
                "workload.arrival.concurrencyPerGpu=8"));
        sets.addAll(List.of(extra));
        return Scenarios.load(Scenarios.shipped("mixtral-8x7b-h100.yaml"), sets.toArray(String[]::new));
    }

    /** Mixtral 8x7B decode alone on 8 H100 (DP8, EP8), 32 requests per GPU of 100 to 300 output tokens. */
    private static final String MIXTRAL_DECODE = """
            name: Mixtral 8x7B decode alone on 8 H100
            model: mixtral-8x7b
            hardware: h100
            deployment:
              decode: { gpus: 8, attention: { tp: 1, dp: 8 }, experts: { ep: 8 }, maxBatchPerGpu: 32 }
            precision: { weights: bf16, activations: bf16, kvCache: bf16 }
            workload:
              inputTokens: 500
              outputTokens: { distribution: uniform, min: 100, max: 300 }
              arrival: { concurrencyPerGpu: 32 }
            """;

    @Test
    void anExplicitDurationIsHonouredAndAShortOneIsFlaggedAsATransient() {
        // The case: 60 s of 2,048-token outputs on the GB200 rack (24 prefill + 48 decode GPUs, 12,288
        // requests in the loop). A request needs about a minute of decoding after its prefill: the window holds
        // the first completions only.
        Scenario s = Scenarios.load(Scenarios.shipped("deepseek-r1-gb200-nvl72.yaml"), "workload.outputTokens=2048",
                "simulation.durationSeconds=60");
        SimulationResult r = RunResult.simulate(s).simulation();
        SimulationResult.Measurement m = r.measurement();
        assertEquals(60.0, r.simulatedSeconds(), 0);
        assertEquals(20.0, m.warmupSeconds(), 0);          // min(20, 60 / 3)
        assertEquals(40.0, m.windowSeconds(), 0);
        assertEquals(SimulationResult.Stop.DURATION, m.stop());
        assertEquals(ServingSpec.FIXED_BATCHES, m.batchThroughputs().size());
        assertEquals(4.0, m.batchSeconds(), 1e-12);
        assertEquals(256 * 48, m.requestsInSystem());
        assertTrue(m.completedRequests() < m.requestsInSystem(), m.completedRequests() + " completed");
        assertFalse(m.enoughCompleted());
        // The batch throughputs are the headline: their mean is the simulated output rate.
        double output = r.pools().stream().filter(p -> p.role() == PoolSpec.Role.DECODE)
                .mapToDouble(SimulationResult.PoolResult::outputTokensPerSecond).sum();
        assertEquals(output, m.throughput().mean(), 1e-9 * output);
    }

    @Test
    void aDefaultRunFollowsTheWorkloadAndStopsWhenTheCriterionIsMet(@org.junit.jupiter.api.io.TempDir Path dir) {
        Scenario s = Scenarios.load(Scenarios.write(dir, "decode.yaml", MIXTRAL_DECODE));
        assertFalse(s.simulation().fixed());
        ServingSpec spec = ServingSpecs.from(s);
        var analytic = AnalyticModel.estimate(s);
        double lifetime = ServingSpecs.lifetimeSeconds(s, analytic, spec.workload().arrivals());
        // A decode pool alone: 200 output tokens at the analytic TPOT (Little's law, 256 requests over the
        // analytic request rate, gives the same).
        double tpot = analytic.getFirst().tpotSeconds();
        assertEquals(200 * tpot, lifetime, 1e-9 * lifetime);
        assertEquals(256 / (analytic.getFirst().outputTokensPerSecond() / 200), lifetime, 1e-6 * lifetime);
        assertEquals(lifetime, spec.warmupSeconds(), 1e-9);           // it starts in steady state: one lifetime
        assertEquals(Math.max(lifetime / 2, 20 * analytic.getFirst().decodeStep().stepSeconds()),
                spec.settle().batchSeconds(), 1e-9);

        SimulationResult r = new ServingSimulation(spec).run();
        SimulationResult.Measurement m = r.measurement();
        List<Double> batches = m.batchThroughputs();
        assertEquals(SimulationResult.Stop.SETTLED, m.stop());
        assertTrue(batches.size() >= ServingSpecs.MIN_BATCHES && batches.size() <= ServingSpecs.MAX_BATCHES);
        assertEquals(spec.warmupSeconds() + batches.size() * spec.settle().batchSeconds(), r.simulatedSeconds(), 1e-6);
        // The criterion by hand: Student t with n - 1 degrees of freedom over the batch means.
        int n = batches.size();
        double mean = batches.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = batches.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (n - 1);
        double t = new org.apache.commons.math3.distribution.TDistribution(n - 1).inverseCumulativeProbability(0.975);
        double half = t * Math.sqrt(var / n);
        assertEquals(half, m.throughput().halfWidth(), 1e-9 * mean);
        assertTrue(half <= 0.02 * mean, half / mean + " > 2%");
        // Not met one batch earlier (else it would have stopped there), unless that was before the minimum.
        if (n > ServingSpecs.MIN_BATCHES) {
            SimulationResult.Interval earlier = SimulationResult.Interval.of(batches.subList(0, n - 1));
            assertTrue(earlier.halfWidth() > 0.02 * earlier.mean());
        }
        // Many lifetimes measured: every request in the system turned over at least once.
        assertTrue(m.windowSeconds() >= 5 * lifetime - 1e-6);
        assertTrue(m.enoughCompleted(), m.completedRequests() + " completed");
        assertTrue(m.completedRequests() >= 2 * m.requestsInSystem(), m.completedRequests() + " completed");
    }

    @Test
    void theCapStopsARunThatHasNotSettled() {
        // A 0.1% half-width cannot be met in 10 lifetimes: the run ends at the cap and says so.
        Scenario s = mixtral("simulation.relativeHalfWidth=0.001", "simulation.maxSeconds=100",
                "simulation.warmupSeconds=10");
        SimulationResult r = RunResult.simulate(s).simulation();
        SimulationResult.Measurement m = r.measurement();
        assertEquals(SimulationResult.Stop.CAP, m.stop());
        assertEquals(10.0, m.warmupSeconds(), 0);
        assertTrue(r.simulatedSeconds() <= 100 && r.simulatedSeconds() > 100 - m.batchSeconds(), r.simulatedSeconds() + " s");
        assertTrue(m.throughput().halfWidth() > 0.001 * m.throughput().mean());
        assertEquals(0.001, m.targetRelativeHalfWidth(), 0);
    }

    @Test
    void tokensInEqualTokensOut() {
        // No warm-up: every token of the run is counted. 500 prompt tokens and 100 output tokens per request.
        Scenario s = mixtral("simulation.durationSeconds=30", "simulation.warmupSeconds=0");
        SimulationResult r = RunResult.simulate(s).simulation();
        SimulationResult.PoolResult p = r.pools().getFirst();
        double input = p.inputTokensPerSecond() * r.measuredSeconds();
        double computed = p.computedInputTokensPerSecond() * r.measuredSeconds();
        double output = p.outputTokensPerSecond() * r.measuredSeconds();
        long done = r.requestsCompleted();
        long inFlight = r.requestsInFlight();
        assertEquals(r.requestsArrived(), done + inFlight);
        assertEquals(64, inFlight);                                    // the closed loop keeps 8 per GPU
        assertTrue(done > 10 * inFlight, done + " completed");
        assertEquals(0, r.preemptions());
        // Whole prompts: every prefilled request counts 500 input tokens, all computed (no cache, no pre-emption).
        assertEquals(0, Math.IEEEremainder(input, 500), 1e-6);
        assertEquals(input, computed, 1e-6);
        assertTrue(input >= 500.0 * done - 1e-6 && input <= 500.0 * (done + inFlight) + 1e-6, input + " input tokens");
        // Every finished request produced its 100 tokens; one in flight, between 0 and 99.
        assertTrue(output >= 100.0 * done - 1e-6 && output <= 100.0 * done + 99.0 * inFlight + 1e-6,
                output + " output tokens for " + done + " completed");
        assertEquals(done, r.measurement().completedRequests());
    }

    @Test
    void anOpenLoopServesWhatArrives() {
        // Poisson, 2 requests/s of 100 output tokens, far below capacity: throughput = 200 tokens/s within its CI.
        Scenario s = mixtral("workload.arrival={poissonRequestsPerSecond: 2}");
        SimulationResult.Measurement m = RunResult.simulate(s).simulation().measurement();
        SimulationResult.Interval ci = m.throughput();
        assertTrue(Math.abs(ci.mean() - 200) <= 2 * ci.halfWidth(), ci + " vs 200 tokens/s");
        assertTrue(ci.halfWidth() < 0.1 * ci.mean(), ci.toString());
        assertTrue(m.enoughCompleted(), m.completedRequests() + " completed");
    }

    @Test
    void simulationKeysAreChecked(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path file = Scenarios.shipped("mixtral-8x7b-h100.yaml");
        InputException both = assertThrows(InputException.class,
                () -> Scenarios.load(file, "simulation.durationSeconds=60", "simulation.maxSeconds=100"));
        assertTrue(both.getMessage().contains("simulation.maxSeconds"), both.getMessage());
        InputException warm = assertThrows(InputException.class,
                () -> Scenarios.load(file, "simulation.warmupSeconds=100", "simulation.maxSeconds=100"));
        assertTrue(warm.getMessage().contains("simulation.warmupSeconds"), warm.getMessage());
        InputException width = assertThrows(InputException.class,
                () -> Scenarios.load(file, "simulation.relativeHalfWidth=2"));
        assertTrue(width.getMessage().contains("simulation.relativeHalfWidth"), width.getMessage());
        // A fixed duration keeps its old default warm-up.
        Scenario fixed = Scenarios.load(file, "simulation.durationSeconds=30");
        assertEquals(10.0, fixed.simulation().warmupSeconds(), 0);
        assertTrue(fixed.simulation().fixed());
    }
}
