package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.routing.SyntheticRouting;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServingSimulationTest {

    /** DeepSeek-V3 colocated on 16 H800 (2 nodes, EP16, DP16), a short Poisson run. */
    private static ServingSpec colocated(long seed, long kvCapacityTokens) {
        PoolSpec pool = new PoolSpec("serving", PoolSpec.Role.COLOCATED, 1, 16, 1, 32, 2048, 512, 0, true,
                kvCapacityTokens);
        Workload workload = new Workload(new Workload.Poisson(40), new LengthDistribution.Uniform(200, 800),
                new LengthDistribution.LogNormal(60, 30), 0.3);
        return new ServingSpec(DeepSeekScenarios.deepSeekV3(), HardwareProfiles.byId("h800"), List.of(pool), workload,
                new SyntheticRouting.Zipf(1.2), DeepSeekScenarios.FP8, seed, 6.0, 1.0);
    }

    @Test
    void sameSeedGivesIdenticalResults() {
        SimulationResult a = new ServingSimulation(colocated(7, 0)).run();
        SimulationResult b = new ServingSimulation(colocated(7, 0)).run();
        assertEquals(a.toString(), b.toString());
        SimulationResult c = new ServingSimulation(colocated(8, 0)).run();
        assertTrue(!a.toString().equals(c.toString()));
    }

    @Test
    void requestsAreConservedAndServed() {
        ServingSimulation sim = new ServingSimulation(colocated(3, 0));
        SimulationResult r = sim.run();
        assertEquals(r.requestsArrived(), r.requestsCompleted() + r.requestsInFlight());
        assertTrue(r.requestsCompleted() > 50, "completed " + r.requestsCompleted());
        assertTrue(r.ttftSeconds().p50() > 0 && r.ttftSeconds().p99() >= r.ttftSeconds().p50());
        assertTrue(r.tpotSeconds().p50() > 0);
        SimulationResult.PoolResult pool = r.pools().getFirst();
        assertTrue(pool.outputTokensPerSecond() > 0 && pool.inputTokensPerSecond() > pool.computedInputTokensPerSecond() * 0.5);
        assertEquals(1.0, pool.computeFraction() + pool.communicationFraction() + pool.idleFraction(), 1e-9);
        assertTrue(sim.kvWithinCapacity());
    }

    @Test
    void smallKvCacheForcesPreemptionButNeverOverflows() {
        // 3,000 tokens per rank: a few requests fit, decode growth forces pre-emption (checked every step).
        ServingSimulation sim = new ServingSimulation(colocated(5, 3000));
        SimulationResult r = sim.run();
        assertTrue(r.preemptions() > 0, "no pre-emption");
        assertTrue(sim.kvWithinCapacity());
        assertEquals(r.requestsArrived(), r.requestsCompleted() + r.requestsInFlight());
    }

    /** A decode pool alone, closed loop, 30 requests per rank. */
    private static ServingSpec decodePool(int maxTokensPerRank, long kvCapacityTokens) {
        PoolSpec pool = new PoolSpec("decode", PoolSpec.Role.DECODE, 1, 16, 1, 32, maxTokensPerRank, 512, 0, true,
                kvCapacityTokens);
        Workload workload = new Workload(new Workload.Concurrency(16 * 30), new LengthDistribution.Uniform(200, 1800),
                new LengthDistribution.LogNormal(300, 150), 0.3);
        return new ServingSpec(DeepSeekScenarios.deepSeekV3(), HardwareProfiles.byId("h800"), List.of(pool), workload,
                new SyntheticRouting.Zipf(1.2), DeepSeekScenarios.FP8, 5, 20.0, 2.0);
    }

    @Test
    void decodeRanksAdvancedInAggregateMatchOneByOneAccounting() {
        // Ample budget: ranks stay in group mode (requests advanced in aggregate). A budget of 20 below
        // the 30 requests per rank forces one-by-one steps; a small KV cache forces pre-emptions.
        for (int budget : new int[] {64, 20}) {
            ServingSimulation sim = new ServingSimulation(decodePool(budget, 40_000));
            SimulationResult r = sim.run();
            assertTrue(sim.kvWithinCapacity(), "budget " + budget);
            assertTrue(r.preemptions() > 0, "budget " + budget);
            assertEquals(r.requestsArrived(), r.requestsCompleted() + r.requestsInFlight());
            assertEquals(16 * 30, r.requestsInFlight());
            SimulationResult.PoolResult pool = r.pools().getFirst();
            // Every rank decodes all of its requests or its budget each step.
            assertEquals(Math.min(budget, 30), pool.meanBatchTokensPerRank(), 1.0);
        }
    }
}
