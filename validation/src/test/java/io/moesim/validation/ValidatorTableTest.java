package io.moesim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.results.ErrorBands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-hardware table, the headline, the pairs, the JSON fields and the bands, on hand-made residuals. */
class ValidatorTableTest {

    private static ValidationCase c(String name, String hw, ValidationCase.Role role, String key, ValidationCase.Pair pair) {
        Probe probe = key == null ? new Probe.Gemm(hw, 64, 4096, 7168, 1, io.moesim.simulator.hardware.DataType.FP8)
                : new Probe.Run(Path.of("s.yaml"), List.of(), true, key, 1);
        return new ValidationCase(name + ".yaml", name, "d", role, "https://example.org", "s", 100, "tokens/s", 0.15,
                ValidationCase.Expect.PASS, null, probe, hw, "deepseek-v3", pair, true);
    }

    private static Validator.Row row(ValidationCase c, double error) {
        Validator.Status status = Math.abs(error) <= c.tolerance() ? Validator.Status.PASS : Validator.Status.FAIL;
        return new Validator.Row(c, c.measuredValue() * (1 + error), error, status);
    }

    private static final String OUT = "throughput.outputTokensPerSecondPerGpu";
    private static final ValidationCase.Role V = ValidationCase.Role.VALIDATION;
    private static final ValidationCase.Role C = ValidationCase.Role.CALIBRATION;

    /** h100: validation +10%, -30%, +5% and a calibration +2%; h800: validation +20%, +40%; gb200 paired with h100-a. */
    private static Validator.Report report() {
        return new Validator.Report(List.of(
                row(c("h100-a", "h100", V, OUT, null), 0.10),
                row(c("h100-b", "h100", V, "latency.tpotSeconds.p50", null), -0.30),
                row(c("h100-c", "h100", V, "cost.usdPerMillionOutputTokens", null), 0.05),
                row(c("h100-cal", "h100", C, OUT, null), 0.02),
                row(c("h800-a", "h800", V, OUT, null), 0.20),
                row(c("h800-kernel", "h800", V, null, null), 0.40),
                row(c("gb200-a", "gb200-nvl72", V, OUT, new ValidationCase.Pair("h100-a", 2.7)), 0.65)));
    }

    @Test
    void groupsByHardwareAndRoleWithMedianAndWorst() {
        List<Validator.Group> groups = report().groups();
        assertEquals(List.of("gb200-nvl72/VALIDATION", "h100/VALIDATION", "h100/CALIBRATION", "h800/VALIDATION"),
                groups.stream().map(g -> g.hardware() + "/" + g.role()).toList());
        Validator.Group h100 = groups.get(1);
        assertEquals(3, h100.cases());
        assertEquals(0.10, h100.median(), 1e-12);
        assertEquals("h100-b", h100.worst().validationCase().name());
        Validator.Group h800 = groups.get(3);
        assertEquals(0.30, h800.median(), 1e-12, "median of an even count is the mean of the middle two");
        assertEquals(0.02, groups.get(2).median(), 1e-12);
    }

    @Test
    void headlineCountsValidationCasesOnly() {
        StringWriter text = new StringWriter();
        Validator.print(report(), new PrintWriter(text));
        String out = text.toString();
        // validation |errors|: 0.10 0.30 0.05 0.20 0.40 0.65 -> median (0.20 + 0.30) / 2 = 25%, worst 65%
        assertTrue(out.contains("headline (validation cases only, 6): median absolute error 25%, worst 65% (gb200-a)"), out);
        assertTrue(out.contains("hardware h100"), out);
        assertTrue(out.matches("(?s).*h100\\s+calibration\\s+1\\s+2%\\s+2%\\s+h100-cal.*"), out);
        Map<String, Object> json = Validator.toJson(report());
        @SuppressWarnings("unchecked")
        Map<String, Object> headline = (Map<String, Object>) ((Map<String, Object>) json.get("summary")).get("headline");
        assertEquals(6, headline.get("cases"));
        assertEquals(0.25, (Double) headline.get("medianAbsoluteRelativeError"), 1e-12);
    }

    @Test
    void pairRatioAgainstThePublishedOne() {
        List<Validator.PairRow> pairs = report().pairs();
        assertEquals(1, pairs.size());
        Validator.PairRow p = pairs.getFirst();
        // (1 + 0.65) / (1 + 0.10) = 1.5: moesim's ratio is 50% above the published 2.7x
        assertEquals(0.5, p.relativeError(), 1e-12);
        assertEquals(2.7, p.measuredRatio(), 1e-12);
        assertEquals(4.05, p.predictedRatio(), 1e-12);
        StringWriter text = new StringWriter();
        Validator.print(report(), new PrintWriter(text));
        assertTrue(text.toString().contains("gb200-a (gb200-nvl72) / h100-a (h100): published 2.70, predicted 4.05, +50.0%"),
                text.toString());
    }

    @Test
    void pairWithoutPublishedRatioUsesTheMeasuredFigures() {
        Validator.Report r = new Validator.Report(List.of(row(c("x", "b200", V, OUT, null), 0.0),
                row(c("y", "b200", V, OUT, new ValidationCase.Pair("x", null)), 0.1)));
        Validator.PairRow p = r.pairs().getFirst();
        assertEquals(1.0, p.measuredRatio(), 1e-12);
        assertEquals(1.1, p.predictedRatio(), 1e-12);
    }

    @Test
    void missingPartnerNamesTheFileAndField() {
        Validator.Report r = new Validator.Report(List.of(row(c("y", "b200", V, OUT, new ValidationCase.Pair("gone", null)), 0.1)));
        InputException e = assertThrows(InputException.class, r::pairs);
        assertTrue(e.getMessage().contains("y.yaml") && e.getMessage().contains("pair.case") && e.getMessage().contains("gone"),
                e.getMessage());
    }

    @Test
    void jsonCasesCarryHardwareModelRoleAndError() {
        Map<String, Object> json = Validator.toJson(report());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) json.get("cases");
        Map<String, Object> first = cases.getFirst();
        assertEquals("h100", first.get("hardware"));
        assertEquals("deepseek-v3", first.get("model"));
        assertEquals("validation", first.get("role"));
        assertEquals(0.10, (Double) first.get("relativeError"), 1e-12);
        assertEquals("throughput", first.get("band"));
        assertEquals("calibration", cases.get(3).get("role"));
        assertNull(cases.get(5).get("band"), "kernel-level cases inform no band");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pairs = (List<Map<String, Object>>) json.get("pairs");
        assertEquals("h100-a", pairs.getFirst().get("partner"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> byHardware = (List<Map<String, Object>>) ((Map<String, Object>) json.get("summary")).get("byHardware");
        assertEquals(4, byHardware.size());
    }

    @Test
    void bandsTakeValidationRunCasesAndInvertCost() {
        ErrorBands bands = Validator.bands(report());
        var h100 = bands.residuals().get("h100");
        // throughput: h100-a +10% and the cost case +5% as throughput 1/1.05 - 1; tpot: -30%; calibration left out
        assertEquals(List.of(new ErrorBands.Residual("h100-a", 0.10), new ErrorBands.Residual("h100-c", 1 / 1.05 - 1)),
                h100.get(ErrorBands.Kind.THROUGHPUT));
        assertEquals(List.of(new ErrorBands.Residual("h100-b", -0.30)), h100.get(ErrorBands.Kind.TPOT));
        assertEquals(List.of(new ErrorBands.Residual("h800-a", 0.20)), bands.residuals().get("h800").get(ErrorBands.Kind.THROUGHPUT));
        ErrorBands.Band band = bands.band("h100", OUT);
        assertEquals(1 / 1.1 - 1, band.relativeLow(), 1e-12);
        assertEquals(0.05, band.relativeHigh(), 1e-12);
        assertTrue(bands.band("b200", OUT).text("b200").startsWith("uncalibrated"));
    }

    @Test
    void aKnownGapOfAFeatureMoesimLacksCanStayOutOfTheBands() {
        ValidationCase mtp = new ValidationCase("m.yaml", "m", "d", V, "u", "s", 3.6, "ms", 0.15, ValidationCase.Expect.KNOWN_GAP,
                "no multi-token prediction", new Probe.Run(Path.of("s.yaml"), List.of(), true, "latency.tpotSeconds.p50", 1),
                "b200", "deepseek-v3", null, false);
        ErrorBands bands = Validator.bands(new Validator.Report(List.of(new Validator.Row(mtp, 16, 3.4, Validator.Status.KNOWN_GAP))));
        assertTrue(bands.residuals().isEmpty());
        assertTrue(bands.band("b200", "latency.tpotSeconds.p50").text("b200").startsWith("uncalibrated"));
        assertThrows(IllegalArgumentException.class, () -> new ValidationCase("m.yaml", "m", "d", V, "u", "s", 3.6, "ms", 0.15,
                ValidationCase.Expect.PASS, null, mtp.probe(), "b200", "deepseek-v3", null, false));
    }

    @Test
    void caseFileNamesItsHardwareModelAndPair(@TempDir Path dir) throws Exception {
        Path scenario = Path.of("scenarios", "kimi-k2-h200-sglang-decode.yaml").toAbsolutePath();
        Path file = dir.resolve("k.yaml");
        Files.writeString(file, """
                description: d
                source: { url: u, section: s }
                measured: { value: 1, unit: tokens/s }
                tolerance: 15%
                pair: { case: other, publishedRatio: 2.5 }
                probe:
                  run: { scenario: SCENARIO, set: [ hardware=h100 ], method: analytic, key: throughput.outputTokensPerSecondPerGpu }
                """.replace("SCENARIO", scenario.toString()));
        ValidationCase c = CaseLoader.load(file);
        assertEquals("h100", c.hardware(), "the overrides apply");
        assertEquals("kimi-k2", c.model());
        assertEquals(new ValidationCase.Pair("other", 2.5), c.pair());
        Files.writeString(file, Files.readString(file).replace("case: other", "case: k"));
        InputException e = assertThrows(InputException.class, () -> CaseLoader.load(file));
        assertTrue(e.getMessage().contains("pair.case"), e.getMessage());
    }
}
