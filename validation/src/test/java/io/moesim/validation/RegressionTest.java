package io.moesim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The regression gate's behaviour on edited, missing and rewritten golden files, on small temporary copies. */
class RegressionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCENARIO = "mixtral-8x7b-h100";
    private static final String KEY = "throughput.outputTokensPerSecondPerNode";

    @TempDir
    Path tmp;

    /** A scenarios folder holding the (fast) Mixtral scenario and a golden folder holding its shipped golden file. */
    private Path[] copies() throws Exception {
        Path scenarios = Files.createDirectories(tmp.resolve("scenarios"));
        Path golden = Files.createDirectories(tmp.resolve("golden"));
        Files.copy(Path.of("..", "scenarios", SCENARIO + ".yaml"), scenarios.resolve(SCENARIO + ".yaml"));
        Files.copy(Path.of("golden", SCENARIO + ".json"), golden.resolve(SCENARIO + ".json"));
        return new Path[] {scenarios, golden};
    }

    private static void scale(Path golden, String key, double factor) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(golden.toFile());
        ObjectNode predictions = (ObjectNode) root.get("predictions");
        predictions.put(key, predictions.get(key).doubleValue() * factor);
        JSON.writeValue(golden.toFile(), root);
    }

    private static Regression.Report check(Path scenarios, Path golden, StringWriter out) {
        return Regression.run(scenarios, golden, Regression.DEFAULT_SETS, 0.02, false, new PrintWriter(out));
    }

    @Test
    void aPredictionMovedPastTheToleranceFailsWithTheDiffNamingTheKey() throws Exception {
        Path[] dirs = copies();
        Path golden = dirs[1].resolve(SCENARIO + ".json");
        double old = JSON.readTree(golden.toFile()).get("predictions").get(KEY).doubleValue();
        scale(golden, KEY, 1.10);
        StringWriter out = new StringWriter();
        Regression.Report report = check(dirs[0], dirs[1], out);
        assertTrue(report.failed());
        Regression.Outcome outcome = report.outcomes().getFirst();
        assertEquals(Regression.Status.MOVED, outcome.status());
        assertEquals(List.of(KEY), outcome.beyond().stream().map(Regression.Change::key).toList());
        // The golden value is 10% above the new one: the change is 1/1.1 - 1 = -9.09%.
        assertEquals(1 / 1.10 - 1, outcome.beyond().getFirst().relativeChange(), 1e-9);
        assertTrue(out.toString().contains("! " + KEY + ": "), out.toString());
        assertTrue(out.toString().contains("(-9.09%)"), out.toString());
        assertTrue(out.toString().contains(String.format(java.util.Locale.ROOT, "%.6g", old)), out.toString());

        Path xml = tmp.resolve("out").resolve("regress.xml");
        Regression.writeJUnit(report, xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Element suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("1", suite.getAttribute("tests"));
        assertEquals("1", suite.getAttribute("failures"));
        NodeList failures = doc.getElementsByTagName("failure");
        assertEquals(1, failures.getLength());
        Element failure = (Element) failures.item(0);
        assertTrue(failure.getAttribute("message").contains(KEY), failure.getAttribute("message"));
        assertTrue(failure.getTextContent().contains(KEY));
        assertEquals(SCENARIO + ".yaml", ((Element) failure.getParentNode()).getAttribute("name"));
    }

    @Test
    void aChangeWithinTheTolerancePassesButIsShown() throws Exception {
        Path[] dirs = copies();
        scale(dirs[1].resolve(SCENARIO + ".json"), KEY, 1.01);
        StringWriter out = new StringWriter();
        Regression.Report report = check(dirs[0], dirs[1], out);
        assertFalse(report.failed(), out.toString());
        assertEquals(1, report.outcomes().getFirst().changes().size());
        assertTrue(out.toString().contains("  " + KEY + ": "), out.toString());
    }

    @Test
    void updateRewritesTheGoldenFile() throws Exception {
        Path[] dirs = copies();
        Path golden = dirs[1].resolve(SCENARIO + ".json");
        Map<?, ?> original = JSON.readValue(golden.toFile(), Map.class);
        scale(golden, KEY, 2.0);
        Regression.Report updated = Regression.run(dirs[0], dirs[1], Regression.DEFAULT_SETS, 0.02, true, null);
        assertEquals(Regression.Status.UPDATED, updated.outcomes().getFirst().status());
        assertEquals(original, JSON.readValue(golden.toFile(), Map.class));
        try (var files = Files.list(dirs[1])) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        assertFalse(check(dirs[0], dirs[1], new StringWriter()).failed());
    }

    @Test
    void aMissingGoldenFileIsAnError() throws Exception {
        Path[] dirs = copies();
        Files.delete(dirs[1].resolve(SCENARIO + ".json"));
        StringWriter out = new StringWriter();
        Regression.Report report = check(dirs[0], dirs[1], out);
        assertTrue(report.failed());
        assertEquals(Regression.Status.MISSING_GOLDEN, report.outcomes().getFirst().status());
        assertTrue(out.toString().contains("MISSING " + SCENARIO + ".yaml"), out.toString());
        Path xml = tmp.resolve("regress.xml");
        Regression.writeJUnit(report, xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertEquals("1", doc.getDocumentElement().getAttribute("errors"));
        assertEquals(1, doc.getElementsByTagName("error").getLength());
    }

    @Test
    void aGoldenFileMadeWithOtherOverridesIsAnError() throws Exception {
        Path[] dirs = copies();
        Regression.Report report = Regression.run(dirs[0], dirs[1], List.of("simulation.durationSeconds=30"), 0.02,
                false, null);
        assertEquals(Regression.Status.ERROR, report.outcomes().getFirst().status());
        assertTrue(report.outcomes().getFirst().message().contains("--update"));
    }

    @Test
    void aScenarioThatFailsToLoadIsAnError() throws Exception {
        Path[] dirs = copies();
        Files.writeString(dirs[0].resolve("broken.yaml"), "name: broken\nmodel: no-such-model\n");
        Regression.Report report = check(dirs[0], dirs[1], new StringWriter());
        Regression.Outcome broken = report.outcomes().stream().filter(o -> o.scenario().equals("broken.yaml"))
                .findFirst().orElseThrow();
        assertEquals(Regression.Status.ERROR, broken.status());
        assertTrue(report.failed());
    }

    @Test
    void predictionsAreDeterministic() {
        Path scenario = Path.of("..", "scenarios", "deepseek-v3-h800-prefill.yaml");
        Map<String, Object> first = Regression.predict(scenario, Regression.DEFAULT_SETS);
        Map<String, Object> second = Regression.predict(scenario, Regression.DEFAULT_SETS);
        assertEquals(first, second);
        assertTrue(first.get("throughput.inputTokensPerSecondPerNode") instanceof Double);
    }
}
