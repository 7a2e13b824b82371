package io.moesim.simulator.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.config.Yaml;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Band lookup, its arithmetic on hand-made residuals, {@code uncalibrated}, and the file's round trip. */
class ErrorBandsTest {

    /** h800: throughput residuals +10% and -20% (predicted 10% high in one case, 20% low in the other); tpot +25%. */
    private static final ErrorBands BANDS = new ErrorBands(Map.of("h800", Map.of(
            ErrorBands.Kind.THROUGHPUT, List.of(new ErrorBands.Residual("a", 0.10), new ErrorBands.Residual("b", -0.20)),
            ErrorBands.Kind.TPOT, List.of(new ErrorBands.Residual("c", 0.25)))));

    @Test
    void throughputBandIsTheRangeOfTruthOverPrediction() {
        ErrorBands.Band band = BANDS.band("h800", "throughput.outputTokensPerSecondPerGpu");
        // truth = prediction / (1 + e): 1/1.1 - 1 = -9.09%, 1/0.8 - 1 = +25%
        assertEquals(1 / 1.1 - 1, band.relativeLow(), 1e-12);
        assertEquals(0.25, band.relativeHigh(), 1e-12);
        assertEquals(List.of("a", "b"), band.caseIds());
        assertEquals("-9% / +25%, 2 validation cases on h800", band.text("h800"));
    }

    @Test
    void costBandIsTheInverseOfThroughput() {
        ErrorBands.Band band = BANDS.band("h800", "cost.usdPerMillionOutputTokens");
        // cost = price / throughput: truth / prediction = 1 + e, so -20% .. +10%
        assertEquals(-0.20, band.relativeLow(), 1e-12);
        assertEquals(0.10, band.relativeHigh(), 1e-12);
        assertEquals(2, band.cases());
    }

    @Test
    void latencyKeysTakeTheirOwnKind() {
        ErrorBands.Band tpot = BANDS.band("h800", "latency.tpotSeconds.p99");
        assertEquals(1 / 1.25 - 1, tpot.relativeLow(), 1e-12);
        assertEquals(1 / 1.25 - 1, tpot.relativeHigh(), 1e-12);
        assertEquals("-20% / -20%, 1 validation case on h800", tpot.text("h800"));
        ErrorBands.Band ttft = BANDS.band("h800", "latency.ttftSeconds.p50");
        assertFalse(ttft.calibrated());
        assertEquals("uncalibrated: no validation case of ttft on h800", ttft.text("h800"));
    }

    @Test
    void hardwareWithoutCasesIsUncalibrated() {
        for (String key : ErrorBands.HEADLINE_KEYS) {
            ErrorBands.Band band = BANDS.band("b300", key);
            assertFalse(band.calibrated(), key);
            assertNull(band.relativeHigh());
            assertEquals(0, band.cases());
            assertTrue(band.text("b300").startsWith("uncalibrated"), band.text("b300"));
        }
    }

    @Test
    void uncertaintyTreeGivesAbsoluteEndsAndNullsWhereAFigureDoesNotApply() {
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> throughput = new LinkedHashMap<>();
        throughput.put("outputTokensPerSecondPerGpu", 1000.0);
        throughput.put("inputTokensPerSecondPerGpu", null);
        results.put("throughput", throughput);
        Map<String, Object> u = BANDS.uncertainty("h800", results);
        assertEquals(ErrorBands.HEADLINE_KEYS, List.copyOf(u.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) u.get("throughput.outputTokensPerSecondPerGpu");
        assertEquals(1000 / 1.1, (Double) out.get("low"), 1e-9);
        assertEquals(1250.0, (Double) out.get("high"), 1e-9);
        assertEquals(2, out.get("cases"));
        assertTrue(((String) out.get("basis")).startsWith("range of 2 validation residuals of throughput on h800"));
        @SuppressWarnings("unchecked")
        Map<String, Object> in = (Map<String, Object>) u.get("throughput.inputTokensPerSecondPerGpu");
        assertNull(in.get("low"));
        assertEquals(2, in.get("cases"));
        @SuppressWarnings("unchecked")
        Map<String, Object> ttft = (Map<String, Object>) u.get("latency.ttftSeconds.p50");
        assertNull(ttft.get("relativeLow"));
        assertEquals(0, ttft.get("cases"));
    }

    @Test
    void fileRoundTrips() throws IOException {
        String text = BANDS.yaml();
        ErrorBands back = ErrorBands.parse("bands.yaml",
                Yaml.read("bands.yaml", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
        assertEquals(BANDS.rounded(), back);
        assertEquals(text, back.yaml());
        assertTrue(text.contains("      - { case: a, residual: 0.1000 }"), text);
    }

    @Test
    void badFileNamesTheField() {
        String text = "hardware:\n  h800:\n    speed:\n      - { case: a, residual: 0.1 }\n";
        InputException e = assertThrows(InputException.class, () -> ErrorBands.parse("bands.yaml",
                Yaml.read("bands.yaml", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))));
        assertTrue(e.getMessage().contains("bands.yaml") && e.getMessage().contains("speed"), e.getMessage());
    }

    @Test
    void shippedFileIsReadable() {
        ErrorBands shipped = ErrorBands.shipped();
        assertTrue(shipped.residuals().containsKey("h800"), "the jar carries validation/error-bands.yaml");
    }
}
