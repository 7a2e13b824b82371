package io.moesim.simulator.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioLoaderTest {

    @TempDir
    Path dir;

    private Path decode() throws IOException {
        return Scenarios.write(dir, "x.yaml", Files.readString(Scenarios.shipped("deepseek-v3-h800-decode.yaml")));
    }

    private String error(String... sets) throws IOException {
        Path file = decode();
        InputException e = assertThrows(InputException.class, () -> Scenarios.load(file, sets));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage().replace(file.toString(), "x.yaml");
    }

    @Test
    void everyShippedScenarioLoads() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "scenarios"))) {
            files.filter(f -> f.toString().endsWith(".yaml")).forEach(f -> assertTrue(Scenarios.load(f).name().length() > 5));
        }
    }

    @Test
    void decodeScenarioIsDeepSeeksFeb2025Unit() {
        Scenario s = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"));
        Pool decode = s.deployment().decode();
        assertEquals(144, decode.gpus());
        assertEquals(144, decode.ep());
        assertEquals(32, s.placement().redundantExperts());
        assertEquals(0.563, s.workload().prefixCacheHitRate());
        assertEquals("h800", s.hardware().id());
        assertEquals(256, s.model().moe().numRoutedExperts());
        assertInstanceOf(Workload.Arrival.Concurrency.class, s.workload().arrival());
    }

    @Test
    void setOverridesApplyBeforeBinding() throws IOException {
        Scenario s = Scenarios.load(decode(), "hardware=h200", "deployment.decode.gpus=72",
                "deployment.decode.attention.dp=72", "deployment.decode.experts={ep: 72}", "price.usdPerGpuHour=3.5");
        assertEquals("h200", s.hardware().id());
        assertEquals(72, s.deployment().decode().gpus());
        assertEquals(72, s.deployment().decode().ep());
        assertEquals(3.5, s.usdPerGpuHour());
    }

    @Test
    void priceDefaultsToTheProfile() throws IOException {
        Scenario s = Scenarios.load(Scenarios.write(dir, "y.yaml",
                Files.readString(decode()).replace("price: { usdPerGpuHour: 2.0 }\n", "")), "hardware=h200");
        assertEquals(2.30, s.usdPerGpuHour());
    }

    @Test
    void unknownKey() throws IOException {
        assertEquals("x.yaml: deployment.decode.maxBatch: unknown key", error("deployment.decode.maxBatch=3"));
    }

    @Test
    void missingKey() throws IOException {
        Path file = Scenarios.write(dir, "m.yaml", Files.readString(decode()).replace("    gpus: 144\n", ""));
        InputException e = assertThrows(InputException.class, () -> Scenarios.load(file));
        assertEquals(file + ": deployment.decode.gpus: missing", e.getMessage());
    }

    @Test
    void outOfRange() throws IOException {
        assertEquals("x.yaml: workload.prefixCacheHitRate: 1.5 is out of range [0, 0.999]",
                error("workload.prefixCacheHitRate=1.5"));
    }

    @Test
    void everyGpuOfTheExpertGroupNeedsAnExpert() throws IOException {
        assertEquals("x.yaml: deployment.decode.experts.ep: 288 GPUs for 256 routed + 0 redundant experts would leave"
                + " 32 GPUs without an expert", error("deployment.decode.gpus=288", "deployment.decode.attention.dp=288",
                "deployment.decode.experts.ep=288", "placement.redundantExperts=0"));
        // Slots that do not divide evenly over the GPUs are fine: 264 over 144, some GPUs one fewer.
        Scenario s = Scenarios.load(decode(), "placement.redundantExperts=8");
        assertEquals(8, s.placement().redundantExperts());
    }

    @Test
    void tpMustDivideTheHeads() throws IOException {
        assertEquals("x.yaml: deployment.decode.attention.tp: 48 does not divide the 128 attention heads",
                error("deployment.decode.attention.tp=48", "deployment.decode.attention.dp=3"));
    }

    @Test
    void tpTimesDpMustBeTheGpus() throws IOException {
        assertEquals("x.yaml: deployment.decode.attention: tp * dp = 1 * 72 = 72 is not the pool's 144 gpus",
                error("deployment.decode.attention.dp=72"));
    }

    @Test
    void unknownModelAndHardware() throws IOException {
        assertTrue(error("model=deepseek-v9").startsWith("x.yaml: model: model 'deepseek-v9': neither a catalog id"));
        assertTrue(error("hardware=h900").startsWith("x.yaml: hardware: unknown hardware profile 'h900'"));
    }

    @Test
    void badSetPaths() throws IOException {
        assertEquals("--set hardware.gpu=1: hardware is a value, not a map of keys", error("hardware.gpu=1"));
        assertEquals("--set deployment..gpus=1: 'deployment..gpus' is not a dotted path of keys",
                error("deployment..gpus=1"));
        assertEquals("--set gpus: expected KEY=VALUE with a dotted KEY", error("gpus"));
    }

    @Test
    void badDtypeAndBadDistribution() throws IOException {
        assertEquals("x.yaml: precision.weights: 'int3' is not one of fp32, bf16, fp16, fp8, fp4",
                error("precision.weights=int3"));
        assertEquals("x.yaml: workload.inputTokens.distribution: 'gamma' is not one of fixed, uniform, normal, lognormal,"
                + " exponential", error("workload.inputTokens={distribution: gamma}"));
    }

    @Test
    void hardwareAndModelPathsResolveAgainstTheScenarioFolder() throws IOException {
        Files.createDirectories(dir.resolve("hw"));
        Files.copy(Path.of("..", "hardware-profiles", "h100.yaml"), dir.resolve("hw/mine.yaml"));
        Files.copy(Path.of("..", "models", "catalog", "mixtral-8x7b.yaml"), dir.resolve("mixtral.yaml"));
        Path file = Scenarios.write(dir, "s.yaml", """
                name: relative paths
                model: mixtral.yaml
                hardware: hw/mine.yaml
                deployment:
                  colocated: { gpus: 8, attention: { tp: 8, dp: 1 }, experts: { ep: 8 }, maxBatchPerGpu: 8, maxTokensPerGpu: 512 }
                workload: { inputTokens: 100, outputTokens: 10, arrival: { poissonRequestsPerSecond: 1 } }
                routing: { synthetic: zipf, exponent: 1.2 }
                seed: 7
                """);
        Scenario s = Scenarios.load(file);
        assertEquals("h100", s.hardware().id());
        assertEquals(8, s.model().moe().numRoutedExperts());
        assertEquals(new Scenario.Routing.Zipf(1.2), s.routing());
        assertEquals(7, s.seed());
    }
}
