package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepReportCommandTest {

    private static final String DECODE = Path.of("..", "scenarios", "deepseek-v3-h800-decode.yaml").toString();


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void sweepThenReport(@TempDir Path dir) {
        Path sweep = dir.resolve("sweep");
        CliRun s = run("sweep", DECODE, "--vary", "deployment.decode.maxBatchPerGpu=32,64", "--vary", "hardware=h800",
                "--set", "simulation.durationSeconds=20", "--out", sweep.toString(), "--threads", "2");
        assertEquals(0, s.status(), s.err());
        assertTrue(s.out().startsWith("2 points (2 feasible)"), s.out());
        assertTrue(Files.exists(sweep.resolve("sweep.csv")) && Files.exists(sweep.resolve("sweep.json")));
        Path report = dir.resolve("report");
        CliRun r = run("report", sweep.toString(), "--out", report.toString(), "--format", "png");
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.exists(report.resolve("pareto-throughput.png")));
        assertTrue(Files.exists(report.resolve("pareto-cost.png")));
        assertTrue(!Files.exists(report.resolve("report.pdf")));
    }

    @Test
    void badInputsAreOneLineErrors(@TempDir Path dir) {
        CliRun badKey = run("sweep", DECODE, "--vary", "deployment.decode.batch=1,2", "--out", dir.toString());
        assertEquals(2, badKey.status());
        assertTrue(badKey.err().startsWith("moesim: --vary deployment.decode.batch=1"), badKey.err());
        assertEquals(1, badKey.err().lines().count(), badKey.err());
        CliRun badFormat = run("report", DECODE, "--out", dir.toString(), "--format", "svg");
        assertEquals(2, badFormat.status());
        assertEquals("moesim: --format svg: unknown format 'svg' (known: pdf, png)", badFormat.err().strip());
        CliRun missing = run("report", dir.resolve("none.yaml").toString(), "--out", dir.toString());
        assertEquals(2, missing.status());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }
}
