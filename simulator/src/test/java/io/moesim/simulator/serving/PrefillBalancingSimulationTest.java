package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import org.junit.jupiter.api.Test;

/** The attention balancer in the discrete-event simulation of DeepSeek's prefill unit. */
class PrefillBalancingSimulationTest {

    /** The shipped prefill unit (EP32, DP32) with log-normal prompts of mean 4,489 (sigma 1, median 2,723). */
    private static Scenario prefill(String balancer) {
        return Scenarios.load(Scenarios.shipped("deepseek-v3-h800-prefill.yaml"),
                "workload.inputTokens={distribution: lognormal, median: 2723, sigma: 1.0}",
                "deployment.prefill.balancer=" + balancer, "simulation.durationSeconds=90",
                "simulation.warmupSeconds=20");
    }

    private static SimulationResult run(Scenario scenario, boolean[] kvOk) {
        ServingSimulation sim = new ServingSimulation(ServingSpecs.from(scenario));
        SimulationResult result = sim.run();
        kvOk[0] = sim.kvWithinCapacity();
        return result;
    }

    @Test
    void balancingAttentionBeatsCountingRequestsOnUnevenPrompts() {
        boolean[] kv = new boolean[1];
        SimulationResult byAttention = run(prefill("attention"), kv);
        assertTrue(kv[0]);
        SimulationResult byCount = run(prefill("requests"), kv);
        assertTrue(kv[0]);
        for (SimulationResult r : new SimulationResult[] {byAttention, byCount}) {
            assertEquals(r.requestsArrived(), r.requestsCompleted() + r.requestsInFlight());
            assertTrue(r.requestsCompleted() > 0);
        }
        double attention = byAttention.pools().getFirst().computedInputTokensPerSecond();
        double count = byCount.pools().getFirst().computedInputTokensPerSecond();
        // Counting requests leaves ranks with long prompts holding up the other 31 every layer;
        // about 2x the computed tokens/s per node when this test was written (first calibration: 40k vs 23k).
        assertTrue(attention > 1.4 * count, "attention " + attention + " vs requests " + count);
    }

    @Test
    void defaultsAndRefusals() {
        Scenario s = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-prefill.yaml"));
        assertEquals(Pool.Balancer.ATTENTION, s.deployment().prefill().balancer());
        Scenario d = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"));
        assertEquals(Pool.Balancer.REQUESTS, d.deployment().decode().balancer());
        InputException e = assertThrows(InputException.class, () -> Scenarios.load(
                Scenarios.shipped("deepseek-v3-h800-decode.yaml"), "deployment.decode.balancer=attention"));
        assertTrue(e.getMessage().contains("deployment.decode.balancer"), e.getMessage());
        InputException bad = assertThrows(InputException.class, () -> Scenarios.load(
                Scenarios.shipped("deepseek-v3-h800-prefill.yaml"), "deployment.prefill.balancer=random"));
        assertTrue(bad.getMessage().contains("not one of requests, attention"), bad.getMessage());
    }
}
