package io.moesim.simulator.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.routing.TraceRouting;
import io.moesim.simulator.routing.TraceRoutingWindow;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import io.moesim.simulator.serving.ServingSpec;
import io.moesim.simulator.serving.ServingSpecs;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trace replay and placements inside the discrete-event simulation of the shipped DeepSeek-V3 decode scenario. */
class PlacementSimulationTest {

    @TempDir
    static Path dir;

    static Path trace;

    /** A DeepSeek-V3-shaped trace (256 experts, top-8, 8 groups of which 4 per token), 4 recorded layers, skewed. */
    @BeforeAll
    static void writeTrace() {
        trace = dir.resolve("dsv3-twin.moetrace");
        SkewedTraces.grouped(4, 256, 8, 8, 4, 6000, 1.0, 0, 3).write(trace);
    }

    /** DeepSeek-V3 decode on 16 H800 (2 nodes), full batches of 64 per GPU. */
    static Scenario decode(String... extra) {
        String[] sets = {"deployment.decode.gpus=16", "deployment.decode.attention.dp=16", "deployment.decode.experts.ep=16",
                "deployment.decode.maxBatchPerGpu=128", "workload.arrival.concurrencyPerGpu=128",
                "workload.inputTokens=1000", "workload.outputTokens=200", "simulation.durationSeconds=5",
                "simulation.warmupSeconds=2"};
        String[] all = java.util.Arrays.copyOf(sets, sets.length + extra.length);
        System.arraycopy(extra, 0, all, sets.length, extra.length);
        return Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"), all);
    }

    private static double throughput(String... sets) {
        return RunResult.simulate(decode(sets)).simulatedOutputTokensPerSecond();
    }

    @Test
    void eplbRecoversWhatSkewedRoutingCostsAContiguousPlacement() {
        String replay = "routing={trace: " + trace + "}";
        double uniform = throughput("placement={strategy: contiguous, redundantExperts: 0}");
        double skewed = throughput(replay, "placement={strategy: contiguous, redundantExperts: 0}");
        double eplb = throughput(replay, "placement={strategy: eplb-global, redundantExperts: 16}");
        assertTrue(skewed < 0.97 * uniform, "skewed " + skewed + " vs uniform " + uniform + ", eplb " + eplb);
        assertTrue(eplb > skewed * 1.02, "eplb " + eplb + " vs skewed contiguous " + skewed);
    }

    @Test
    void traceReplayedInTheStepModelMatchesTokenExactReplay() {
        Scenario s = decode("routing={trace: " + trace + "}", "placement={strategy: eplb-hierarchical, redundantExperts: 16}");
        ServingSpec spec = ServingSpecs.from(s);
        var model = s.model();
        var placements = spec.placement().layers(model, spec.trace().fitLoads(model), 16, 8, 16);
        StepModel steps = new StepModel(model, s.hardware(), s.precision(), new StepModel.Shape(16, 1, 2, 16), placements);
        TraceRouting exact = TraceRouting.forModel(spec.trace().trace(), trace, model,
                TraceRoutingWindow.all(6000), TraceRouting.Mode.TOKEN_EXACT);
        TraceRouting windowed = TraceRouting.forModel(spec.trace().trace(), trace, model,
                TraceRoutingWindow.all(6000), TraceRouting.Mode.WINDOWED);
        StepModel.Batch batch = steps.decodeBatch(64, 1100);
        for (int step = 0; step < 5; step++) {
            double a = steps.step(batch, steps.drawnLoads(exact)).stepSeconds();
            double b = steps.step(batch, steps.drawnLoads(windowed)).stepSeconds();
            assertEquals(a, b, 0.02 * a, "step " + step);
        }
        assertEquals(exact.cursor(), windowed.cursor());
    }

    @Test
    void placementFilesAndStrategiesAreCheckedAgainstThePool() throws Exception {
        Path file = dir.resolve("p.yaml");
        PlacementFile.write(Placer.place(PlacementStrategy.ROUND_ROBIN, Placer.uniformLoads(58, 256), 8, 8, 0, 8), file);
        InputException e = assertThrows(InputException.class,
                () -> ServingSpecs.from(decode("placement={file: " + file + "}")));
        assertTrue(e.getMessage().contains("placement.file: decode pool: the placement file places experts on 8 GPUs"),
                e.getMessage());
        e = assertThrows(InputException.class, () -> decode("placement={strategy: eplb}"));
        assertTrue(e.getMessage().contains("placement.strategy"), e.getMessage());
        e = assertThrows(InputException.class, () -> ServingSpecs.from(
                decode("routing={trace: " + trace + "}", "placement={strategy: eplb-global, fitTokens: '0:99999'}")));
        assertTrue(e.getMessage().contains("placement.fitTokens: window 0:99999"), e.getMessage());
        // 16 GPUs in one file placement works: the layout is used as is.
        Path ok = dir.resolve("ok.json");
        PlacementFile.write(Placer.place(PlacementStrategy.ROUND_ROBIN, Placer.uniformLoads(58, 256), 16, 8, 0, 8), ok);
        ServingSpec spec = ServingSpecs.from(decode("placement={file: " + ok + "}"));
        assertEquals(16, spec.placement().fixed().numGpus());
    }
}
