package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void runWritesTheDocumentedJsonKeys(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("out/result.json");
        // 150 s simulated: at the kernel profile's GB200 decode speed (TPOT ~40 ms) a 2,000-token answer takes
        // ~80 s, longer than the scenario's default 60 s, and percentiles need completed requests.
        CliRun o = run("run", "../scenarios/deepseek-r1-gb200-nvl72.yaml", "--json", json.toString(),
                "--set", "simulation.durationSeconds=150");
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("decode pool: 48 GPUs"), o.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertTrue(root.get("feasible").asBoolean());
        for (String pool : List.of("prefill", "decode")) {
            for (String key : List.of("weightsBytes", "kvCacheBytes", "activationBytes", "bufferBytes", "totalBytes",
                    "capacityBytes")) {
                assertTrue(root.at("/memory/" + pool + "/" + key).isNumber(), pool + "." + key);
            }
        }
        for (String key : List.of("inputTokensPerSecond", "outputTokensPerSecond", "inputTokensPerSecondPerGpu",
                "outputTokensPerSecondPerGpu")) {
            assertTrue(root.at("/throughput/" + key).asDouble() > 0, key);
        }
        // Per-GPU rates count only the pool doing the work.
        assertEquals(root.at("/throughput/outputTokensPerSecond").asDouble() / 48,
                root.at("/throughput/outputTokensPerSecondPerGpu").asDouble(), 1e-6);
        for (String latency : List.of("ttftSeconds", "tpotSeconds")) {
            for (String p : List.of("p50", "p90", "p99")) {
                assertTrue(root.at("/latency/" + latency + "/" + p).asDouble() > 0, latency + "." + p);
            }
        }
        for (String key : List.of("usdPerHour", "usdPerMillionInputTokens", "usdPerMillionOutputTokens")) {
            assertTrue(root.at("/cost/" + key).asDouble() > 0, key);
        }
        assertEquals(72 * 3.2, root.at("/cost/usdPerHour").asDouble(), 1e-9, "GB200 owner/reserved price, the default");
        assertEquals("simulation", root.get("method").asText());
        assertTrue(root.at("/analytic/throughput/outputTokensPerSecond").asDouble() > 0);
        for (String pool : List.of("prefill", "decode")) {
            double split = 0;
            for (String part : List.of("compute", "communication", "idle")) {
                split += root.at("/simulation/" + pool + "/timeSplit/" + part).asDouble();
            }
            assertEquals(1.0, split, 1e-9, pool);
            assertTrue(root.at("/simulation/" + pool + "/utilisation").asDouble() > 0, pool);
        }
        for (String key : List.of("requestsCompleted", "preemptions", "simulatedSeconds")) {
            assertTrue(root.get(key).isNumber(), key);
        }
        // The default run follows the workload and measures a steady state (docs/results.md, measurement).
        for (String key : List.of("warmupSeconds", "windowSeconds", "completedRequests", "requestsInSystem", "batches",
                "batchSeconds", "throughputCi95/mean", "throughputCi95/halfWidth", "throughputCi95/relativeHalfWidth")) {
            assertTrue(root.at("/measurement/" + key).isNumber(), key);
        }
        assertTrue(root.at("/measurement/enoughCompleted").isBoolean());
        assertTrue(List.of("settled", "cap", "duration").contains(root.at("/measurement/stop").asText()),
                root.at("/measurement/stop").asText());
        assertTrue(o.out().contains("measured: "), o.out());
        assertTrue(root.at("/simulation/decode/rankBalance").asDouble() > 0);
        try (var files = Files.list(json.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void aDecodeOnlyScenarioHasNoInputFigures(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("d.json");
        CliRun o = run("run", "../scenarios/deepseek-v3-h800-decode.yaml", "--set", "hardware=h200",
                "--set", "simulation.durationSeconds=20", "--json", json.toString());
        assertEquals(0, o.status(), o.err());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals("h200", root.get("hardware").asText());
        assertTrue(root.at("/latency/ttftSeconds/p50").isNull());
        assertTrue(root.at("/cost/usdPerMillionInputTokens").isNull());
    }

    @Test
    void aBadScenarioIsOneLineAndExitTwo() {
        CliRun o = run("run", "../scenarios/deepseek-v3-h800-decode.yaml", "--set", "deployment.decode.experts.ep=100");
        assertEquals(Moesim.EXIT_USAGE, o.status());
        assertEquals("moesim: ../scenarios/deepseek-v3-h800-decode.yaml: deployment.decode.experts.ep: 100 does not divide"
                + " the pool's 144 gpus", o.err().strip());
        assertFalse(o.err().contains("Exception"));
        CliRun missing = run("run", "nowhere.yaml");
        assertEquals(Moesim.EXIT_USAGE, missing.status());
        assertEquals("moesim: nowhere.yaml: no such file", missing.err().strip());
    }

    @Test
    void hardwareListAndShow() {
        CliRun list = run("hardware", "list");
        assertEquals(0, list.status());
        assertTrue(list.out().contains("gb200-nvl72"));
        CliRun show = run("hardware", "show", "h800", "--json");
        assertEquals(0, show.status());
        assertTrue(show.out().contains("\"hbmBytesPerSecond\""));
        assertEquals(Moesim.EXIT_USAGE, run("hardware", "show", "h900").status());
    }
}
