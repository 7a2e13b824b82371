package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import io.moesim.simulator.serving.PoolSpec;
import io.moesim.simulator.serving.SimulationResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A newcomer's first hour (issue 14): infeasible answers, what-ifs that follow through, the figures run prints. */
class NewcomerTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String DECODE = ROOT.resolve("scenarios/deepseek-v3-h800-decode.yaml").toString();
    private static final String MIXTRAL = ROOT.resolve("scenarios/mixtral-8x7b-h100.yaml").toString();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Kimi K2 in BF16 decoding on 16 H100s (two nodes), DP16 attention, EP16. */
    private static Path kimiOn16H100(Path dir) throws Exception {
        Path file = dir.resolve("kimi-k2-16-h100.yaml");
        Files.writeString(file, """
                name: Kimi K2 on 16 H100
                model: kimi-k2
                hardware: h100
                deployment:
                  decode:
                    gpus: 16
                    attention: { tp: 1, dp: 16 }
                    experts: { ep: 16 }
                    maxBatchPerGpu: 64
                workload:
                  inputTokens: 2000
                  outputTokens: 500
                  arrival: { concurrencyPerGpu: 32 }
                """);
        return file;
    }

    private static JsonNode json(Path file) throws Exception {
        return MAPPER.readTree(file.toFile());
    }

    @Test
    void anInfeasibleDeploymentIsAnAnswerWithComputedFixes(@TempDir Path dir) throws Exception {
        Path scenario = kimiOn16H100(dir);
        Path out = dir.resolve("kimi.json");
        CliRun r = CliRun.of("run", scenario.toString(), "--json", out.toString());
        assertEquals(Moesim.EXIT_INFEASIBLE, r.status(), r.err());
        assertEquals("", r.err(), "a stack trace or a message on stderr");
        assertTrue(r.out().contains("DOES NOT FIT (not simulated"), r.out());
        assertTrue(r.out().matches("(?s).*decode pool: needs [0-9.]+ GB per GPU, has 80\\.0 GB: [0-9.]+ GB \\(\\d+%\\) too much.*"),
                r.out());
        assertTrue(r.out().contains("feasible: false"), r.out());
        JsonNode root = json(out);
        assertFalse(root.get("feasible").asBoolean());
        assertEquals("analytic", root.get("method").asText());
        JsonNode fixes = root.get("fixes");
        assertTrue(fixes.size() >= 2, fixes.toString());
        String first = fixes.get(0).get("set").asText();
        assertTrue(first.startsWith("deployment.decode.gpus="), first);
        assertTrue(r.out().contains("--set " + first + ":"), r.out());

        // Each fix alone makes it fit, as claimed, with the memory it states.
        for (JsonNode fix : fixes) {
            Path fixed = dir.resolve("fixed.json");
            CliRun f = CliRun.of("run", scenario.toString(), "--analytic-only", "--set", fix.get("set").asText(),
                    "--json", fixed.toString());
            assertEquals(0, f.status(), () -> fix + "\n" + f.out() + f.err());
            JsonNode memory = json(fixed).at("/memory/decode");
            assertEquals(fix.get("totalBytes").asDouble(), memory.get("totalBytes").asDouble(), 1, fix.toString());
            assertTrue(memory.get("fits").asBoolean());
        }
        // The GPU count is the smallest: one node fewer does not fit.
        int gpus = Integer.parseInt(first.substring(first.indexOf('=') + 1));
        assertEquals(0, gpus % 8);
        CliRun fewer = CliRun.of("run", scenario.toString(), "--analytic-only", "--set",
                "deployment.decode.gpus=" + (gpus - 8));
        assertEquals(Moesim.EXIT_INFEASIBLE, fewer.status(), fewer.out());
    }

    @Test
    void theAnalyticOnlyAnswerIsTheSameAnswer(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("run", kimiOn16H100(dir).toString(), "--analytic-only");
        assertEquals(Moesim.EXIT_INFEASIBLE, r.status());
        assertTrue(r.out().contains("DOES NOT FIT") && !r.out().contains("not simulated"), r.out());
        assertTrue(r.out().contains("each of these alone would fit:"), r.out());
    }

    @Test
    void aPoolGpuCountAloneKeepsTheSplit(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("r.json");
        CliRun r = CliRun.of("run", DECODE, "--analytic-only", "--set", "deployment.decode.gpus=72", "--json",
                out.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode pool = json(out).at("/pools/decode");
        assertEquals(72, pool.get("gpus").asInt());
        assertEquals(1, pool.get("attentionTp").asInt());
        assertEquals(72, pool.get("attentionDp").asInt());
        assertEquals(72, pool.get("ep").asInt());

        // Mixtral: TP8 x DP1, EP8 on 8 GPUs. On 16 GPUs EP16 would leave GPUs without one of the 8 experts,
        // so the user gives ep; attention still scales to DP2.
        CliRun mixtral = CliRun.of("run", MIXTRAL, "--analytic-only", "--set", "deployment.colocated.gpus=16",
                "--set", "deployment.colocated.experts.ep=8");
        assertEquals(0, mixtral.status(), mixtral.err());
        assertTrue(mixtral.out().contains("colocated pool: 16 GPUs, attention TP8 x DP2, EP8"), mixtral.out());

        // Given explicitly, the split is used as given.
        CliRun given = CliRun.of("run", DECODE, "--analytic-only", "--set", "deployment.decode.gpus=72", "--set",
                "deployment.decode.experts.ep=36", "--set", "hardware=h200");
        assertEquals(0, given.status(), given.err());
        assertTrue(given.out().contains("decode pool: 72 GPUs, attention TP1 x DP72, EP36"), given.out());
    }

    @Test
    void aGpuCountTheSplitCannotFollowIsOneClearLine(@TempDir Path dir) throws Exception {
        String err = BadInput.assertRejected(dir, List.of("mixtral-8x7b-h100.yaml", "deployment.colocated.gpus", "tp 8",
                "--set deployment.colocated.attention"), "run", MIXTRAL, "--set", "deployment.colocated.gpus=12");
        assertTrue(err.contains("12 is not a multiple"), err);
        // EP4 of 8 GPUs (two expert-parallel groups) cannot keep its share on 9 GPUs.
        Path scenario = dir.resolve("ep4.yaml");
        Files.writeString(scenario, Files.readString(Path.of(MIXTRAL))
                .replace("attention: { tp: 8, dp: 1 }", "attention: { tp: 1, dp: 8 }")
                .replace("experts: { ep: 8 }", "experts: { ep: 4 }"));
        assertEquals(0, CliRun.of("run", scenario.toString(), "--analytic-only").status());
        err = BadInput.assertRejected(dir, List.of("ep4.yaml", "deployment.colocated.gpus", "ep 4 of 8 GPUs",
                "--set deployment.colocated.experts.ep="), "run", scenario.toString(), "--set",
                "deployment.colocated.gpus=9");
        // 16 GPUs: EP8, two groups still.
        CliRun sixteen = CliRun.of("run", scenario.toString(), "--analytic-only", "--set", "deployment.colocated.gpus=16");
        assertTrue(sixteen.out().contains("colocated pool: 16 GPUs, attention TP1 x DP16, EP8"), sixteen.out());
    }

    @Test
    void changingHardwareChangesThePriceAndTheTitle(@TempDir Path dir) throws Exception {
        double h200 = HardwareProfiles.byId("h200").price().usdPerGpuHour().value();
        Path out = dir.resolve("h200.json");
        CliRun r = CliRun.of("run", DECODE, "--analytic-only", "--set", "hardware=h200", "--json", out.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode root = json(out);
        assertEquals(h200, root.at("/cost/usdPerGpuHour").asDouble(), 1e-12);
        assertTrue(root.at("/cost/usdPerGpuHourSource").asText().startsWith("profile h200: "), root.toString());
        assertEquals(h200 * 144, root.at("/cost/usdPerHour").asDouble(), 1e-9);
        assertEquals("DeepSeek-V3 decode on H200, as DeepSeek served it in Feb 2025", root.get("scenario").asText());
        assertTrue(r.out().contains("\n  what-if: --set hardware=h200\n"), r.out());
        assertTrue(r.out().contains("per GPU-hour (price from profile h200: "
                + HardwareProfiles.byId("h200").price().usdPerGpuHour().source() + ")"), r.out());

        // A price given on the command line wins, in either order.
        for (List<String> sets : List.of(List.of("hardware=h200", "price.usdPerGpuHour=1.5"),
                List.of("price.usdPerGpuHour=1.5", "hardware=h200"))) {
            List<String> args = new ArrayList<>(List.of("run", DECODE, "--analytic-only", "--json", out.toString()));
            sets.forEach(s -> args.addAll(List.of("--set", s)));
            assertEquals(0, CliRun.of(args.toArray(String[]::new)).status());
            assertEquals(1.5, json(out).at("/cost/usdPerGpuHour").asDouble(), 1e-12);
            assertEquals("command line (--set price...)", json(out).at("/cost/usdPerGpuHourSource").asText());
        }
        // Unchanged hardware keeps the scenario's own price.
        assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", out.toString()).status());
        assertEquals(2.0, json(out).at("/cost/usdPerGpuHour").asDouble(), 1e-12);
        assertEquals("scenario (price.usdPerGpuHour)", json(out).at("/cost/usdPerGpuHourSource").asText());
        assertEquals("DeepSeek-V3 decode on H800, as DeepSeek served it in Feb 2025", json(out).get("scenario").asText());
    }

    @Test
    void aTitleWithoutTheHardwareGetsItAdded() {
        assertEquals("Mixtral 8x7B on one 8x H200 node", io.moesim.simulator.scenario.ScenarioLoaderAccess
                .renamed("Mixtral 8x7B on one 8x H100 node", "h100", "h200"));
        assertEquals("R1 on one GB200 NVL72 rack", io.moesim.simulator.scenario.ScenarioLoaderAccess
                .renamed("R1 on one B200 rack", "b200", "gb200-nvl72"));
        assertEquals("My test (on B200)", io.moesim.simulator.scenario.ScenarioLoaderAccess
                .renamed("My test", "h100", "b200"));
        // Not a part of another word: "GH800" is not "H800".
        assertEquals("GH800 vs B200", io.moesim.simulator.scenario.ScenarioLoaderAccess
                .renamed("GH800 vs H800", "h800", "b200"));
    }

    @Test
    void aColocatedPoolDefaultsItsPrefillTokensToSglangsChunk() {
        Scenario h100 = new ScenarioLoader().load(Path.of(MIXTRAL), List.of("deployment.colocated.maxTokensPerGpu=null"));
        // SGLang's chunked-prefill-size on an 80 GB GPU is 8,192 tokens per attention group; TP8: 1,024 per GPU.
        assertEquals(1024, h100.deployment().colocated().maxTokensPerGpu());
        Scenario b200 = new ScenarioLoader().load(Path.of(MIXTRAL), List.of("deployment.colocated.maxTokensPerGpu=null",
                "hardware=b200"));
        assertEquals(16384 / 8, b200.deployment().colocated().maxTokensPerGpu());
        assertEquals(8192, Pool.defaultColocatedTokensPerGpu(HardwareProfiles.byId("h200"), 1));
        assertEquals(8192 / 3 + 1, Pool.defaultColocatedTokensPerGpu(HardwareProfiles.byId("h100"), 3));
    }

    @Test
    void aPrefillPoolStillNeedsItsTokens(@TempDir Path dir) {
        BadInput.assertRejected(dir, List.of("deepseek-v3-h800-prefill.yaml", "deployment.prefill.maxTokensPerGpu", "missing"), "run",
                ROOT.resolve("scenarios/deepseek-v3-h800-prefill.yaml").toString(), "--set",
                "deployment.prefill.maxTokensPerGpu=null");
    }

    @Test
    void concurrencyAboveTheBatchIsNoted() {
        CliRun r = CliRun.of("run", MIXTRAL, "--analytic-only", "--set", "workload.arrival.concurrencyPerGpu=40");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("note: concurrencyPerGpu 40 is above the colocated pool's maxBatchPerGpu 32:"
                + " 8 requests per GPU (64 in all) wait in a queue"), r.out());
        CliRun within = CliRun.of("run", MIXTRAL, "--analytic-only");
        assertFalse(within.out().contains("note:"), within.out());
    }

    @Test
    void runPrintsTotalTokensPerSecondAndPerUser(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.json");
        CliRun r = CliRun.of("run", MIXTRAL, "--set", "simulation.durationSeconds=30", "--json", out.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode root = json(out);
        long input = Math.round(root.at("/throughput/inputTokensPerSecond").asDouble());
        long output = Math.round(root.at("/throughput/outputTokensPerSecond").asDouble());
        double perUser = 1 / root.at("/latency/tpotSeconds/p50").asDouble();
        assertEquals(perUser, root.at("/throughput/tokensPerSecondPerUser").asDouble(), 1e-9);
        String line = String.format(java.util.Locale.ROOT, "    total: %d input tokens/s, %d output tokens/s; %.1f tokens/s"
                + " per user (1 / TPOT p50)", input, output, perUser);
        assertTrue(r.out().contains(line + "\n"), () -> line + "\n" + r.out());
        assertTrue(input > 0 && output > 0);

        CliRun analytic = CliRun.of("run", DECODE, "--analytic-only", "--json", out.toString());
        JsonNode a = json(out);
        String decodeOnly = String.format(java.util.Locale.ROOT, "  total: %d output tokens/s; %.1f tokens/s per user",
                Math.round(a.at("/throughput/outputTokensPerSecond").asDouble()), 1 / a.at("/latency/tpotSeconds/p50").asDouble());
        assertTrue(analytic.out().contains(decodeOnly + "\n"), () -> decodeOnly + "\n" + analytic.out());
    }

    @Test
    void idleTimeSaysWhy() {
        // Busy 90% of the time; in steps a GPU computes 60% and waits on exposed communication 10%:
        // idle 30% = 10% between steps + 20% waiting inside steps for the slowest GPU.
        SimulationResult.PoolResult p = new SimulationResult.PoolResult("decode", PoolSpec.Role.DECODE, 8, 1, 0, 0, 100,
                0.9, 0.6, 0.1, 0.3, 10, 0.05, 100, 1.0);
        String why = RunCommand.idleReasons(p);
        assertTrue(why.startsWith("20% waiting inside steps for the slowest GPU"), why);
        assertTrue(why.contains("10% between steps with no work"), why);
        SimulationResult.PoolResult busy = new SimulationResult.PoolResult("decode", PoolSpec.Role.DECODE, 8, 1, 0, 0,
                100, 1.0, 0.7, 0.3, 0.0, 10, 0.05, 100, 1.0);
        assertEquals("", RunCommand.idleReasons(busy));
        assertTrue(why.endsWith("counted as communication (10%), not idle"), why);
    }

    @Test
    void progressIsQuietOffATerminalAndDrawnOnOne() {
        String before = System.getProperty(Progress.PROPERTY);
        try {
            System.setProperty(Progress.PROPERTY, "false");
            StringWriter quiet = new StringWriter();
            try (Progress p = Progress.start(new PrintWriter(quiet), "sweep", 3, "points")) {
                p.stepTo(3);
            }
            assertEquals("", quiet.toString());

            System.setProperty(Progress.PROPERTY, "true");
            StringWriter drawn = new StringWriter();
            try (Progress p = Progress.start(new PrintWriter(drawn), "sweep", 3, "points")) {
                p.step();
                p.stepTo(3);
            }
            assertTrue(drawn.toString().contains("\rsweep 100%") && drawn.toString().contains("3/3 points"),
                    drawn.toString());
            assertTrue(drawn.toString().endsWith("\r"), "the bar is cleared at the end");
        } finally {
            if (before == null) {
                System.clearProperty(Progress.PROPERTY);
            } else {
                System.setProperty(Progress.PROPERTY, before);
            }
        }
    }

    @Test
    void aSweepOverAnInfeasiblePointRunsTheRest(@TempDir Path dir) throws Exception {
        Path scenario = kimiOn16H100(dir);
        Path out = dir.resolve("sweep");
        CliRun r = CliRun.of("sweep", scenario.toString(), "--vary", "deployment.decode.gpus=16,48", "--set",
                "simulation.durationSeconds=2", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("2 points (1 feasible)"), r.out());
        JsonNode points = json(out.resolve("sweep.json")).get("points");
        assertNotNull(points);
        assertFalse(points.get(0).get("feasible").asBoolean());
        assertTrue(points.get(1).get("feasible").asBoolean());
    }
}
