package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.simulator.results.ErrorBands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moesim run} prints and writes each headline figure's band (or uncalibrated); {@code validate --write-bands}. */
class ErrorBandsCommandTest {

    @TempDir
    Path tmp;

    @Test
    void runPrintsBandsAndWritesUncertainty() throws Exception {
        Path json = tmp.resolve("r.json");
        CliRun o = CliRun.of("run", "../scenarios/deepseek-v3-h800-decode.yaml", "--analytic-only", "--json", json.toString());
        assertEquals(0, o.status(), o.err());
        ErrorBands.Band band = ErrorBands.shipped().band("h800", "throughput.outputTokensPerSecondPerGpu");
        assertTrue(band.calibrated());
        assertTrue(o.out().contains("HEADLINE WITH ERROR BANDS"), o.out());
        assertTrue(o.out().matches("(?s).*throughput\\.outputTokensPerSecondPerGpu\\s+[0-9,]+ tok/s/GPU \\("
                + java.util.regex.Pattern.quote(band.text("h800")) + "\\).*"), o.out());
        assertTrue(o.out().contains("validation cases on h800)"), o.out());
        JsonNode u = new ObjectMapper().readTree(json.toFile()).get("uncertainty");
        assertEquals(ErrorBands.HEADLINE_KEYS, iterable(u));
        JsonNode out = u.get("throughput.outputTokensPerSecondPerGpu");
        double value = new ObjectMapper().readTree(json.toFile()).at("/throughput/outputTokensPerSecondPerGpu").asDouble();
        assertEquals(value * (1 + band.relativeLow()), out.get("low").asDouble(), 1e-6 * value);
        assertEquals(value * (1 + band.relativeHigh()), out.get("high").asDouble(), 1e-6 * value);
        assertEquals(band.cases(), out.get("cases").asInt());
        assertTrue(out.get("basis").asText().contains("on h800"));
        // decode-only: TTFT does not apply (null), and no case measures TTFT on h800: uncalibrated
        JsonNode ttft = u.get("latency.ttftSeconds.p50");
        assertTrue(ttft.get("low").isNull() && ttft.get("relativeLow").isNull());
        assertEquals(0, ttft.get("cases").asInt());
        assertTrue(ttft.get("basis").asText().startsWith("uncalibrated"), ttft.toString());
    }

    @Test
    void runSaysUncalibratedWhereNoCaseExists() {
        CliRun o = CliRun.of("run", "../scenarios/deepseek-v3-h800-decode.yaml", "--analytic-only");
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("latency.tpotSeconds.p50") && o.out().contains("(uncalibrated: no validation case of tpot on h800)"),
                o.out());
    }

    @Test
    void writeBandsWritesTheCommittedFile() throws Exception {
        Path file = tmp.resolve("bands.yaml");
        CliRun o = CliRun.of("validate", "--cases", "../validation/cases", "--write-bands", file.toString());
        assertEquals(0, o.status(), o.err());
        assertEquals(Files.readString(Path.of("../validation/error-bands.yaml")), Files.readString(file));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    private Path caseDir(String extra) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cases"));
        Files.writeString(dir.resolve("k2.yaml"), """
                description: d
                source: { url: u, section: s }
                measured: { value: 24000, unit: tokens/s }
                tolerance: 15%
                EXTRA
                probe:
                  run: { scenario: SCENARIO, method: analytic, key: throughput.outputTokensPerSecondPerNode }
                """.replace("EXTRA", extra)
                .replace("SCENARIO", Path.of("../validation/scenarios/kimi-k2-h200-sglang-decode.yaml").toAbsolutePath().toString()));
        return dir;
    }

    @Test
    void badPairOrBandIsOneLineNamingFileAndField() throws Exception {
        Path dir = caseDir("pair: { case: k2 }");
        BadInput.assertRejected(dir, List.of("k2.yaml", "pair.case"), "validate", "--cases", dir.toString());
        Files.delete(dir.resolve("k2.yaml"));
        caseDir("pair: { case: absent }");
        BadInput.assertRejected(dir, List.of("k2.yaml", "pair.case", "absent"), "validate", "--cases", dir.toString());
        Files.delete(dir.resolve("k2.yaml"));
        caseDir("band: false");
        BadInput.assertRejected(dir, List.of("k2.yaml", "band"), "validate", "--cases", dir.toString());
        Files.delete(dir.resolve("k2.yaml"));
        caseDir("pair: { case: other, publishedRatio: -2 }");
        BadInput.assertRejected(dir, List.of("k2.yaml", "pair.publishedRatio"), "validate", "--cases", dir.toString());
    }

    @Test
    void writeBandsToAFolderThatCannotBeWrittenIsOneLine() throws Exception {
        Path dir = caseDir("");
        Path blocker = Files.writeString(tmp.resolve("file"), "x");
        BadInput.assertRejected(dir, List.of("bands.yaml"), "validate", "--cases", dir.toString(), "--write-bands",
                blocker.resolve("bands.yaml").toString());
    }

    private static List<String> iterable(JsonNode node) {
        List<String> keys = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
