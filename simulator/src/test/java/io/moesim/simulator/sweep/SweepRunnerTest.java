package io.moesim.simulator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import io.moesim.simulator.scenario.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepRunnerTest {

    private static final Path DECODE = Scenarios.shipped("deepseek-v3-h800-decode.yaml");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void axisParsingKeepsCommasInsideBraces() {
        SweepAxis axis = SweepAxis.parse("deployment.decode.attention={tp: 1, dp: 8},{tp: 2, dp: 4}, x");
        assertEquals("deployment.decode.attention", axis.key());
        assertEquals(List.of("{tp: 1, dp: 8}", "{tp: 2, dp: 4}", "x"), axis.values());
        assertThrows(InputException.class, () -> SweepAxis.parse("hardware"));
        assertThrows(InputException.class, () -> SweepAxis.parse("hardware=h800,,h200"));
        assertThrows(InputException.class, () -> SweepAxis.parse("hardware=h800,h800"));
    }

    @Test
    void gridOrderFirstKeySlowest() {
        List<SweepAxis> axes = List.of(new SweepAxis("a", List.of("1", "2")), new SweepAxis("b", List.of("x", "y", "z")));
        assertEquals(6, SweepRunner.gridSize(axes));
        assertEquals(List.of(0, 0), toList(SweepRunner.coordinates(axes, 0)));
        assertEquals(List.of(0, 2), toList(SweepRunner.coordinates(axes, 2)));
        assertEquals(List.of(1, 0), toList(SweepRunner.coordinates(axes, 3)));
    }

    /**
     * A fake evaluator gives hand-made results per point, so the Pareto marking can be checked by hand:
     * batch (16, 32, 64, 128) x hardware (h800, h200); h800 at batch 128 does not fit.
     */
    @Test
    void twoKeyGridWithHandCheckedPareto(@TempDir Path dir) throws Exception {
        // output tokens/s per GPU and TPOT (ms) per point; $/M output = 1e6 / 3600 / out x price.
        Map<String, double[]> made = Map.of(
                "16/h800", new double[] {500, 20},      // per user 50 tok/s
                "32/h800", new double[] {900, 25},      // 40
                "64/h800", new double[] {1200, 40},     // 25
                "128/h800", new double[] {2000, 50},    // infeasible: would dominate
                "16/h200", new double[] {450, 22},      // dominated by 16/h800 (throughput), and cost
                "32/h200", new double[] {1000, 25},     // dominates 32/h800
                "64/h200", new double[] {1100, 45},     // dominated by 64/h800
                "128/h200", new double[] {1500, 60});
        SweepRunner runner = new SweepRunner(new ScenarioLoader(), s -> fakeResults(s, made), 2);
        List<SweepAxis> axes = List.of(SweepAxis.parse("deployment.decode.maxBatchPerGpu=16,32,64,128"),
                SweepAxis.parse("hardware=h800,h200"));
        List<int[]> calls = new ArrayList<>();
        SweepResult result = runner.run(DECODE, List.of("placement.redundantExperts=32"), axes,
                (done, total) -> calls.add(new int[] {done, total}));

        assertEquals(8, result.points().size());
        assertEquals(8, calls.size());
        assertEquals(List.of("16", "h800"), result.points().get(0).values());
        assertEquals(List.of("16", "h200"), result.points().get(1).values());
        assertEquals(List.of("128", "h200"), result.points().get(7).values());
        for (int i = 0; i < 8; i++) {
            assertEquals(i, result.points().get(i).index());
        }
        // Throughput front (max out/GPU, max tokens/s per user): 16/h800 (500, 50), 32/h200 (1000, 40),
        // 64/h800 (1200, 25), 128/h200 (1500, 16.7). Dominated: 16/h200, 32/h800, 64/h200; 128/h800 infeasible.
        assertEquals(List.of(true, false, false, true, true, false, false, true),
                result.points().stream().map(SweepPoint::paretoThroughput).toList());
        // Cost front ($/M out ~ 1 / out at equal price; min TPOT): same ordering as above here.
        assertEquals(List.of(true, false, false, true, true, false, false, true),
                result.points().stream().map(SweepPoint::paretoCost).toList());
        assertFalse(result.points().get(6).feasible());
        assertEquals(1 / 0.025, result.points().get(3).tokensPerSecondPerUser(), 1e-9);

        result.write(dir);
        List<String> csv = Files.readAllLines(dir.resolve(SweepResult.CSV));
        assertEquals(9, csv.size());
        assertTrue(csv.get(0).startsWith("index,deployment.decode.maxBatchPerGpu,hardware,feasible,"), csv.get(0));
        assertTrue(csv.get(1).startsWith("0,16,h800,true,"), csv.get(1));
        assertTrue(csv.get(7).startsWith("6,128,h800,false,"), csv.get(7));
        assertTrue(csv.get(4).endsWith(",true,true"), csv.get(4));
        assertTrue(csv.get(2).endsWith(",false,false"), csv.get(2));

        JsonNode json = MAPPER.readTree(dir.resolve(SweepResult.JSON).toFile());
        assertEquals(8, json.get("points").size());
        assertEquals(64, json.get("points").get(4).get("values").get("deployment.decode.maxBatchPerGpu").asInt());
        assertEquals("h800", json.get("points").get(4).get("values").get("hardware").asText());
        assertEquals(1200, json.get("points").get(4).get("outputTokensPerSecondPerGpu").asDouble(), 1e-9);
        assertTrue(json.get("points").get(0).get("ttftSeconds").get("p50").isNull());

        SweepResult back = SweepResult.read(dir);
        assertEquals(result.points(), back.points());
        assertEquals(result.axes(), back.axes());
        assertEquals(List.of("placement.redundantExperts=32"), back.sets());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files left");
        }
    }

    private static JsonNode fakeResults(Scenario s, Map<String, double[]> made) {
        String id = s.deployment().decode().maxBatchPerGpu() + "/" + s.hardware().id();
        double[] m = made.get(id);
        double out = m[0];
        double tpot = m[1] / 1e3;
        boolean feasible = !id.equals("128/h800");
        String json = """
                {"feasible": %s, "problems": [%s],
                 "memory": {"decode": {"totalBytes": 7e10, "capacityBytes": 8e10}},
                 "throughput": {"inputTokensPerSecondPerGpu": null, "outputTokensPerSecondPerGpu": %s},
                 "latency": {"ttftSeconds": {"p50": null, "p90": null, "p99": null},
                             "tpotSeconds": {"p50": %s, "p90": %s, "p99": %s}},
                 "cost": {"usdPerMillionInputTokens": null, "usdPerMillionOutputTokens": %s}}
                """.formatted(feasible, feasible ? "" : "\"too big\"", out, tpot, tpot * 1.5, tpot * 2,
                2.0 * 1e6 / 3600 / out);
        try {
            return MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void realRunsMatchMoesimRun() {
        // A fixed 20 s (the default follows the workload: minutes of simulated time per point).
        SweepResult result = new SweepRunner().run(DECODE, List.of("simulation.durationSeconds=20"),
                List.of(SweepAxis.parse("deployment.decode.maxBatchPerGpu=32,128"), SweepAxis.parse("hardware=h800,h200")),
                SweepRunner.Progress.NONE);
        assertEquals(4, result.points().size());
        SweepPoint p = result.points().get(3);
        assertEquals(List.of("128", "h200"), p.values());
        // The same JSON `moesim run --json` writes for that point (the simulation, seeded: same numbers).
        RunResult direct = RunResult.simulate(new ScenarioLoader().load(DECODE,
                List.of("simulation.durationSeconds=20", "deployment.decode.maxBatchPerGpu=128", "hardware=h200")));
        com.fasterxml.jackson.databind.JsonNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(direct.toJson());
        assertEquals(json.at("/throughput/outputTokensPerSecondPerGpu").asDouble(), p.outputTokensPerSecondPerGpu(), 1e-9);
        assertEquals(json.at("/latency/tpotSeconds/p50").asDouble(), p.tpotSeconds().p50(), 1e-15);
        assertEquals(json.at("/cost/usdPerMillionOutputTokens").asDouble(), p.usdPerMillionOutputTokens(), 1e-12);
        assertEquals(json.at("/feasible").asBoolean(), p.feasible());
        // The sweep is named after the scenario, not after one of its points (which names its own hardware).
        assertEquals("DeepSeek-V3 decode on H200, as DeepSeek served it in Feb 2025", direct.scenario().name());
        assertEquals(new ScenarioLoader().load(DECODE, List.of()).name(), result.name());
    }

    @Test
    void badKeyOrValueIsOneInputExceptionNamingTheKey() {
        SweepRunner runner = new SweepRunner();
        InputException badKey = assertThrows(InputException.class, () -> runner.run(DECODE, List.of(),
                List.of(SweepAxis.parse("deployment.decode.maxBatchPerGPU=16,32")), SweepRunner.Progress.NONE));
        assertTrue(badKey.getMessage().contains("maxBatchPerGPU"), badKey.getMessage());
        InputException badValue = assertThrows(InputException.class, () -> runner.run(DECODE, List.of(),
                List.of(SweepAxis.parse("hardware=h800,tpu9")), SweepRunner.Progress.NONE));
        assertTrue(badValue.getMessage().startsWith("--vary hardware=tpu9"), badValue.getMessage());
        assertFalse(badValue.getMessage().contains("\n"));
        InputException twice = assertThrows(InputException.class, () -> runner.run(DECODE, List.of(),
                List.of(SweepAxis.parse("hardware=h800"), SweepAxis.parse("hardware=h200")), SweepRunner.Progress.NONE));
        assertTrue(twice.getMessage().contains("varied twice"), twice.getMessage());
    }

    private static List<Integer> toList(int[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
