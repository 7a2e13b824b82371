package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit statuses and output of {@code moesim validate} and {@code moesim regress}. */
class ValidateRegressCommandTest {

    @TempDir
    Path tmp;


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path caseDir(String measured) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cases-" + measured));
        Files.writeString(dir.resolve("v3-total.yaml"), """
                description: DeepSeek-V3 total parameters
                source: { url: https://arxiv.org/abs/2412.19437, section: docs/sources.md section 2 }
                measured: { value: %s, unit: B parameters }
                tolerance: 1%%
                probe:
                  model: { model: deepseek-v3, quantity: totalParameters }
                """.formatted(measured));
        return dir;
    }

    @Test
    void validateExitsOneWhenACaseLeavesItsTolerance() throws Exception {
        CliRun ok = run("validate", "--cases", caseDir("671").toString(), "--json", tmp.resolve("v.json").toString());
        assertEquals(0, ok.status(), ok.err());
        assertTrue(ok.out().contains("v3-total") && ok.out().contains("pass"), ok.out());
        assertTrue(Files.readString(tmp.resolve("v.json")).contains("\"relativeError\""));
        CliRun bad = run("validate", "--cases", caseDir("600").toString());
        assertEquals(1, bad.status());
        assertTrue(bad.out().contains("FAIL v3-total"), bad.out());
    }

    @Test
    void regressExitsOneOnAMissingGoldenAndTwoOnABadTolerance() throws Exception {
        Path scenarios = Files.createDirectories(tmp.resolve("scenarios"));
        Files.copy(Path.of("..", "scenarios", "mixtral-8x7b-h100.yaml"), scenarios.resolve("mixtral-8x7b-h100.yaml"));
        Path golden = tmp.resolve("golden");
        Path junit = tmp.resolve("regress.xml");
        CliRun missing = run("regress", "--scenarios", scenarios.toString(), "--golden", golden.toString(),
                "--junit", junit.toString());
        assertEquals(1, missing.status(), missing.out());
        assertTrue(missing.out().contains("MISSING mixtral-8x7b-h100.yaml"), missing.out());
        assertTrue(Files.readString(junit).contains("<error"));
        CliRun update = run("regress", "--scenarios", scenarios.toString(), "--golden", golden.toString(), "--update");
        assertEquals(0, update.status(), update.out());
        CliRun check = run("regress", "--scenarios", scenarios.toString(), "--golden", golden.toString());
        assertEquals(0, check.status(), check.out());
        assertTrue(check.out().contains("ok      mixtral-8x7b-h100.yaml"), check.out());
        CliRun bad = run("regress", "--tolerance", "lots");
        assertEquals(Moesim.EXIT_USAGE, bad.status());
        assertTrue(bad.err().startsWith("moesim: --tolerance"), bad.err());
    }
}
