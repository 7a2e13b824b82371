package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import io.moesim.simulator.analytic.AnalyticModel;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.routing.SyntheticRouting;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The discrete-event simulator issue: one step model, invariants, hand-computed cases, determinism. */
class SimulatorIssueTest {

    /** DeepSeek-V3 decode on 16 H800 (2 nodes), full batches of 64 per GPU, fixed lengths, uniform routing. */
    static Scenario smallDecode(String... extra) {
        String[] sets = {"deployment.decode.gpus=16", "deployment.decode.attention.dp=16", "deployment.decode.experts.ep=16",
                "placement.redundantExperts=0", "deployment.decode.maxBatchPerGpu=64", "workload.arrival.concurrencyPerGpu=64",
                "workload.inputTokens=1000", "workload.outputTokens=200", "simulation.durationSeconds=6",
                "simulation.warmupSeconds=2"};
        String[] all = java.util.Arrays.copyOf(sets, sets.length + extra.length);
        System.arraycopy(extra, 0, all, sets.length, extra.length);
        return Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"), all);
    }

    @Test
    void drawnUniformLoadsAgreeWithTheExpectedOnes() {
        Scenario s = smallDecode();
        StepModel model = AnalyticModel.stepModel(s, s.deployment().decode());
        StepModel.Batch batch = model.decodeBatch(64, 1100);
        double expected = model.step(batch).stepSeconds();
        SyntheticRouting routing = new SyntheticRouting(256, 8, 58, new SyntheticRouting.Uniform(), new SplittableRandom(3));
        double drawn = model.step(batch, model.drawnLoads(routing)).stepSeconds();
        assertTrue(drawn >= expected * 0.999, drawn + " < " + expected);
        assertEquals(expected, drawn, 0.06 * expected);
    }

    @Test
    void simulationAgreesWithTheAnalyticEstimateOnASteadyFullBatch() {
        Scenario s = smallDecode();
        RunResult r = RunResult.simulate(s);
        double analytic = r.outputTokensPerSecond();
        double simulated = r.simulatedOutputTokensPerSecond();
        // Uniform routing still draws: the busiest GPU is a little above the mean, so the DES is a little slower.
        assertTrue(simulated <= analytic * 1.01, simulated + " > " + analytic);
        assertEquals(analytic, simulated, 0.08 * analytic);
        assertEquals(r.simulation().requestsArrived(), r.simulation().requestsCompleted() + r.simulation().requestsInFlight());
    }

    @Test
    void sameSeedGivesTheSameJsonBytes() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        String a = mapper.writeValueAsString(RunResult.simulate(smallDecode("seed=5", "routing={synthetic: zipf, exponent: 1.1}")).toJson());
        String b = mapper.writeValueAsString(RunResult.simulate(smallDecode("seed=5", "routing={synthetic: zipf, exponent: 1.1}")).toJson());
        String c = mapper.writeValueAsString(RunResult.simulate(smallDecode("seed=6", "routing={synthetic: zipf, exponent: 1.1}")).toJson());
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertTrue(a.contains("\"analytic\"") && a.contains("\"timeSplit\"") && a.contains("\"requestsCompleted\""));
    }

    @Test
    void skewedRoutingIsSlowerThanUniform() {
        double uniform = RunResult.simulate(smallDecode()).simulatedOutputTokensPerSecond();
        double zipf = RunResult.simulate(smallDecode("routing={synthetic: zipf, exponent: 1.2}")).simulatedOutputTokensPerSecond();
        assertTrue(zipf < uniform, zipf + " >= " + uniform);
    }

    @Test
    void prefillAloneAndDecodeAloneConserveRequests() {
        for (String file : new String[] {"deepseek-v3-h800-prefill.yaml", "deepseek-v3-h800-decode.yaml"}) {
            Scenario s = Scenarios.load(Scenarios.shipped(file), "simulation.durationSeconds=8", "simulation.warmupSeconds=3");
            ServingSimulation sim = new ServingSimulation(ServingSpecs.from(s));
            SimulationResult r = sim.run();
            assertEquals(r.requestsArrived(), r.requestsCompleted() + r.requestsInFlight(), file);
            assertTrue(r.requestsCompleted() > 0, file);
            assertTrue(sim.kvWithinCapacity(), file);
        }
    }

    @Test
    void missingRouterTraceIsOneLine() {
        // Refused when the scenario is read (for --analytic-only too), naming the scenario, the field and the file.
        InputException e = assertThrows(InputException.class, () -> smallDecode("routing={trace: some-trace.moetrace}"));
        assertTrue(e.getMessage().contains("deepseek-v3-h800-decode.yaml: routing.trace: no such router trace")
                && e.getMessage().endsWith("some-trace.moetrace"), e.getMessage());
    }

    /** Per-slot loads fixed by hand: {@code perSlot} tokens on every slot. */
    private static StepModel.Loads fixed(double perSlot) {
        return (layer, tokens, out) -> java.util.Arrays.fill(out, perSlot);
    }

    @Test
    void twoGpusByHand() {
        Scenario s = smallDecode();
        io.moesim.simulator.kernels.KernelProfile e = s.hardware().kernels();
        StepModel model = new StepModel(s.model(), s.hardware(), s.precision(), new StepModel.Shape(2, 1, 1, 0));
        // 64 requests per GPU: 128 tokens x 8 copies over 256 experts = 4 tokens per slot, 128 slots per GPU.
        StepModel.Step step = model.step(model.decodeBatch(64, 1000), fixed(4));
        double expertWeights = 3 * 7168.0 * 2048;
        double expert = Math.max(2 * expertWeights * 4 / (1979e12 * 0.441), expertWeights / (3.352e12 * e.table("gemm.weightStreamingFraction").at(4.0)));
        assertEquals(58 * 128 * expert, step.breakdown().get("routedExperts"), 1e-9);
        // Each GPU sends half of its 512 copies to the other over NVLink: 256 x (7168 + 56 x 4) bytes; both GPUs
        // in one NVLink domain, so each call pays the NVLink-only fixed cost.
        double transfer = 256 * 7392.0 / e.table("allToAll.lowLatency.nvlink.bytesPerSecond").at(2.0);
        double call = e.table("allToAll.lowLatency.nvlink.dispatchSeconds").at(2.0);
        double combineCall = e.table("allToAll.lowLatency.nvlink.combineSeconds").at(2.0);
        assertEquals(58 * (transfer + call), step.breakdown().get("dispatch"), 1e-9);
        assertEquals(58 * (transfer * 14336 / 7392 + combineCall), step.breakdown().get("combine"), 1e-9);
    }

    @Test
    void sixteenGpusByHand() {
        Scenario s = smallDecode();
        io.moesim.simulator.kernels.KernelProfile e = s.hardware().kernels();
        StepModel model = new StepModel(s.model(), s.hardware(), s.precision(), new StepModel.Shape(16, 1, 2, 0));
        // 1,024 tokens x 8 = 8,192 copies, 32 per slot, 16 slots and 512 copies per GPU; two micro-batches of 16.
        StepModel.Step step = model.step(model.decodeBatch(64, 1000), fixed(32));
        double expertWeights = 3 * 7168.0 * 2048;
        double half = Math.max(2 * expertWeights * 16 / (1979e12 * 0.441), expertWeights / (3.352e12 * e.table("gemm.weightStreamingFraction").at(4.0)));
        assertEquals(58 * 16 * 2 * half, step.breakdown().get("routedExperts"), 1e-9);
        // A GPU holds 1/16 of the tokens: to the other node it sends 4,096 / 16 = 256 copies over its NIC, inside
        // its node (4,096 - 512) / 16 = 224 over NVLink; the NIC at 50 GB/s is the slower. Latency per micro-batch.
        double nic = 256 * 7392.0 / e.table("allToAll.lowLatency.rdma.bytesPerSecond").at(16.0);
        double nvlink = 224 * 7392.0 / e.table("allToAll.lowLatency.nvlink.bytesPerSecond").at(16.0);
        assertTrue(nic > nvlink);
        assertEquals(58 * (nic + 2 * e.table("allToAll.lowLatency.rdma.dispatchSeconds").at(16.0)),
                step.breakdown().get("dispatch"), 1e-9);
    }

    @Test
    void moreLinkBandwidthNeverSlowsTheSimulation() {
        Scenario s = smallDecode();
        StepModel slow = AnalyticModel.stepModel(s, s.deployment().decode());
        StepModel fast = new StepModel(s.model(), io.moesim.simulator.analytic.StepModelTestAccess.withLinks(s.hardware(), 2),
                s.precision(), slow.shape());
        StepModel.Batch batch = slow.decodeBatch(64, 1100);
        for (int seed = 0; seed < 5; seed++) {
            double a = slow.step(batch, slow.drawnLoads(new SyntheticRouting(256, 8, 58, new SyntheticRouting.Zipf(1), new SplittableRandom(seed)))).stepSeconds();
            double b = fast.step(batch, fast.drawnLoads(new SyntheticRouting(256, 8, 58, new SyntheticRouting.Zipf(1), new SplittableRandom(seed)))).stepSeconds();
            assertTrue(b <= a, b + " > " + a);
        }
    }
}
