package io.moesim.simulator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Error bands travel from a run's results into the sweep's points, CSV columns and JSON, and back. */
class SweepBandsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void bandColumnsCarryTheResultsUncertainty(@TempDir Path dir) throws Exception {
        JsonNode results = MAPPER.readTree("""
                {"feasible": true, "throughput": {"outputTokensPerSecondPerGpu": 1000},
                 "latency": {"tpotSeconds": {"p50": 0.04, "p90": 0.04, "p99": 0.04}},
                 "cost": {"usdPerMillionOutputTokens": 0.5},
                 "uncertainty": {
                   "throughput.outputTokensPerSecondPerGpu": {"low": 900, "high": 1250, "cases": 2},
                   "cost.usdPerMillionOutputTokens": {"low": 0.4, "high": 0.55, "cases": 2},
                   "latency.tpotSeconds.p50": {"low": null, "high": null, "cases": 0}}}
                """);
        SweepPoint point = SweepPoint.fromResults(0, List.of("h800"), results);
        assertEquals(new SweepPoint.Band(900, 1250, 2), point.uncertainty().get("throughput.outputTokensPerSecondPerGpu"));
        assertFalse(point.uncertainty().containsKey("latency.tpotSeconds.p50"), "uncalibrated: no band");
        SweepResult sweep = new SweepResult("s.yaml", "s", List.of(), List.of(new SweepAxis("hardware", List.of("h800"))),
                List.of(point.withPareto(true, false)));
        sweep.write(dir);
        List<String> csv = Files.readAllLines(dir.resolve(SweepResult.CSV));
        List<String> header = Arrays.asList(csv.get(0).split(",", -1));
        List<String> row = Arrays.asList(csv.get(1).split(",", -1));
        assertEquals(header.size(), row.size());
        assertEquals("1250.00", row.get(header.indexOf("outputTokensPerSecondPerGpuHigh")));
        assertEquals("900.000", row.get(header.indexOf("outputTokensPerSecondPerGpuLow")));
        assertEquals("0.400000", row.get(header.indexOf("usdPerMillionOutputTokensLow")));
        assertEquals("", row.get(header.indexOf("tpotP50SecondsLow")), "uncalibrated is empty");
        assertEquals("paretoCost", header.getLast());
        assertTrue(csv.get(1).endsWith(",true,false"), csv.get(1));
        JsonNode json = MAPPER.readTree(dir.resolve(SweepResult.JSON).toFile());
        assertEquals(1250, json.at("/points/0/uncertainty/throughput.outputTokensPerSecondPerGpu/high").asDouble(), 1e-9);
        assertEquals(point.withPareto(true, false), SweepResult.read(dir).points().getFirst());
    }
}
