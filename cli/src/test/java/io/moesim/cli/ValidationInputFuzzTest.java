package io.moesim.cli;

import static io.moesim.cli.ScenarioInputFuzzTest.FOLDER;
import static io.moesim.cli.ScenarioInputFuzzTest.fuzz;
import static io.moesim.cli.ScenarioInputFuzzTest.latin1;
import static io.moesim.cli.ScenarioInputFuzzTest.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.cli.ScenarioInputFuzzTest.Fuzz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed validation cases, golden files and results JSON (as {@code moesim report} reads them),
 * generated from the shipped valid files, each meeting the {@link BadInput} contract: exit 2, one line
 * naming the file and the field, nothing left behind (no {@code --json}, JUnit or report output).
 */
class ValidationInputFuzzTest {

    static final Path ROOT = Path.of("..");
    static final Path CASE = ROOT.resolve("validation/cases/deepseek-v3-total-parameters.yaml");
    static final Path MIXTRAL = ROOT.resolve("scenarios/mixtral-8x7b-h100.yaml");
    static final Path GOLDEN = ROOT.resolve("validation/golden/mixtral-8x7b-h100.json");
    /** A short simulation keeps each regress case fast; the golden file is read (and refused) before its overrides are compared. */
    static final String SHORT = "simulation.durationSeconds=0.5";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @TempDir
    static Path tmp;

    // ------------------------------------------------------------------ validation cases

    static Stream<Fuzz> caseCases() {
        JsonNode tree = ScenarioInputFuzzTest.read(CASE);
        Set<String> bogus = Set.of("measured.unit", "tolerance", "probe.model.model", "probe.model.quantity");
        List<Fuzz> cases = new ArrayList<>(ScenarioInputFuzzTest.mutations("case", tree, p -> false, p -> true,
                bogus::contains, Map.of(), (name, text, field) -> fuzz(name, Map.of("c.yaml", utf8(text)),
                        field == null ? List.of("c.yaml") : List.of("c.yaml", field),
                        "validate", "--cases", "{dir}", "--json", "{dir}/out.json")));
        String text = ScenarioInputFuzzTest.write(tree);
        cases.add(validateCase("case tolerance negative", text.replace("tolerance: 1%", "tolerance: -1%"), "tolerance"));
        cases.add(validateCase("case tolerance NaN", text.replace("tolerance: 1%", "tolerance: NaN"), "tolerance"));
        cases.add(validateCase("case tolerance infinite", text.replace("tolerance: 1%", "tolerance: Infinity%"),
                "tolerance"));
        cases.add(validateCase("case unknown role", text + "role: guess\n", "role"));
        cases.add(validateCase("case known gap without reason", text + "expect: known-gap\n", "reason"));
        cases.add(validateCase("case reason without gap", text + "reason: because\n", "reason"));
        cases.add(validateCase("case two probes", text.replace("probe:\n", "probe:\n  gemm: { hardware: h800, m: 1, n: 1, k: 1 }\n"),
                "probe"));
        cases.add(validateCase("case not UTF-8", new String(latin1(text.replace("description: ", "description: caf\u00e9 ")),
                java.nio.charset.StandardCharsets.ISO_8859_1), "UTF-8", true));
        cases.add(fuzz("cases folder is a file", Map.of("c.yaml", utf8(text)), List.of("c.yaml", "folder"),
                "validate", "--cases", "{dir}/c.yaml", "--json", "{dir}/out.json"));
        cases.add(fuzz("cases folder empty", Map.of("sub", FOLDER), List.of("sub", "no *.yaml"),
                "validate", "--cases", "{dir}/sub", "--json", "{dir}/out.json"));
        cases.add(fuzz("case file is a folder", Map.of("c.yaml", FOLDER), List.of("c.yaml", "folder"),
                "validate", "--cases", "{dir}", "--json", "{dir}/out.json"));
        cases.add(validateCase("case run probe scenario missing",
                text.replaceAll("(?s)probe:.*", "probe:\n  run: { scenario: nope.yaml, key: feasible }\n"),
                "probe.run.scenario"));
        cases.add(validateCase("case run probe bad --set", text.replaceAll("(?s)probe:.*",
                "probe:\n  run: { scenario: " + MIXTRAL.toAbsolutePath().normalize() + ", key: feasible, set: [nokey] }\n"),
                "probe.run.set"));
        return cases.stream();
    }

    static Fuzz validateCase(String name, String text, String field) {
        return validateCase(name, text, field, false);
    }

    static Fuzz validateCase(String name, String text, String field, boolean latin) {
        byte[] bytes = latin ? text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1) : utf8(text);
        return fuzz(name, Map.of("c.yaml", bytes), List.of("c.yaml", field),
                "validate", "--cases", "{dir}", "--json", "{dir}/out.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseCases")
    void validationCaseRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    @Test
    void aMeasuredZeroIsRefusedAndNoJsonIsLeftBehind() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("measured-zero"));
        Files.writeString(dir.resolve("c.yaml"), Files.readString(CASE).replace("value: 671", "value: 0"));
        String err = BadInput.assertRejected(dir, List.of("c.yaml", "measured.value"), "validate", "--cases",
                dir.toString(), "--json", dir.resolve("v.json").toString());
        assertFalse(err.contains("Infinite") || err.contains("NaN"), err);
        assertFalse(Files.exists(dir.resolve("v.json")));
    }

    // ------------------------------------------------------------------ golden files

    static Stream<Fuzz> goldenCases() {
        String golden = read(GOLDEN);
        JsonNode tree = parse(golden);
        List<Fuzz> cases = new ArrayList<>();
        for (Iterator<String> it = tree.get("predictions").fieldNames(); it.hasNext(); ) {
            String key = it.next();
            for (Map.Entry<String, String> bad : Map.of("text", "\"lots\"", "a list", "[1, 2]", "a map", "{\"a\": 1}")
                    .entrySet()) {
                ObjectNode copy = tree.deepCopy();
                ((ObjectNode) copy.get("predictions")).set(key, parse(bad.getValue()));
                cases.add(goldenCase("golden " + key + " " + bad.getKey(), write(copy), "predictions." + key));
            }
        }
        cases.add(goldenCase("golden predictions deleted", edit(tree, t -> t.remove("predictions")), "predictions"));
        cases.add(goldenCase("golden predictions a list", edit(tree, t -> t.putArray("predictions")), "predictions"));
        cases.add(goldenCase("golden sets deleted", edit(tree, t -> t.remove("sets")), "sets"));
        cases.add(goldenCase("golden sets a text", edit(tree, t -> t.put("sets", "x=1")), "sets"));
        cases.add(goldenCase("golden sets of numbers", edit(tree, t -> t.putArray("sets").add(1)), "sets[0]"));
        cases.add(goldenCase("golden scenario a number", edit(tree, t -> t.put("scenario", 3)), "scenario"));
        cases.add(goldenCase("golden unknown key", edit(tree, t -> t.put("bogusKey", 1)), "bogusKey"));
        cases.add(goldenCase("golden duplicate key", golden.replaceFirst("(\"feasible\" : true)",
                "\"feasible\" : true,\n    $1"), "feasible"));
        cases.add(goldenCase("golden duplicate top-level key", golden.replaceFirst("\\{", "{\n  \"sets\" : [ ],"), "sets"));
        cases.add(goldenCase("golden second document", golden + "\n" + golden, "JSON"));
        cases.add(goldenCase("golden NaN", golden.replaceFirst("(\"throughput\\.inputTokensPerSecondPerGpu\" : )[0-9.E+-]+", "$1NaN"), "JSON"));
        for (int percent : new int[] {10, 50, 90}) {
            cases.add(goldenCase("golden truncated at " + percent + "%", golden.substring(0, golden.length() * percent / 100),
                    "JSON"));
        }
        cases.add(goldenCase("golden empty", "", "empty"));
        cases.add(goldenCase("golden not an object", "[1, 2]", "object"));
        cases.add(fuzz("golden not UTF-8", goldenFiles(latin1(golden.replace("mixtral-8x7b-h100.yaml\"",
                "mixtral-8x7b-h100.yaml\u00e9\""))), List.of("mixtral-8x7b-h100.json", "UTF-8"), regress()));
        cases.add(fuzz("golden file is a folder", Map.of("s/mixtral-8x7b-h100.yaml", bytes(MIXTRAL),
                "g/mixtral-8x7b-h100.json", FOLDER), List.of("mixtral-8x7b-h100.json", "folder"), regress()));
        // Overrides of regress itself.
        Map<String, byte[]> good = goldenFiles(utf8(golden));
        cases.add(fuzz("regress --set without =", good, List.of("--set", "nokey"), regress("--set", "nokey")));
        cases.add(fuzz("regress --set wrong type", good, List.of("--set", "deployment.colocated.gpus"),
                regress("--set", "deployment.colocated.gpus=lots")));
        cases.add(fuzz("regress --set unknown key", good, List.of("--set", "bogusKey"), regress("--set", "bogusKey=1")));
        cases.add(fuzz("regress --set NaN", good, List.of("--set", "simulation.durationSeconds"),
                regress("--set", "simulation.durationSeconds=.nan")));
        return cases.stream();
    }

    static Map<String, byte[]> goldenFiles(byte[] golden) {
        return Map.of("s/mixtral-8x7b-h100.yaml", bytes(MIXTRAL), "g/mixtral-8x7b-h100.json", golden);
    }

    static Fuzz goldenCase(String name, String golden, String field) {
        return fuzz(name, goldenFiles(utf8(golden)), List.of("mixtral-8x7b-h100.json", field), regress());
    }

    static String[] regress(String... extra) {
        List<String> args = new ArrayList<>(List.of("regress", "--scenarios", "{dir}/s", "--golden", "{dir}/g",
                "--junit", "{dir}/junit.xml"));
        if (extra.length == 0) {
            args.addAll(List.of("--set", SHORT));
        } else {
            args.addAll(List.of(extra));
        }
        return args.toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void goldenRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    // ------------------------------------------------------------------ results JSON read by report

    static String results;

    static synchronized String results() {
        if (results == null) {
            Path file = tmp.resolve("results-source/results.json");
            CliRun r = CliRun.of("run", MIXTRAL.toString(), "--analytic-only", "--json", file.toString());
            assertEquals(0, r.status(), r.err());
            results = read(file);
        }
        return results;
    }

    static Stream<Fuzz> resultsCases() throws IOException {
        Files.createDirectories(tmp);
        String text = results();
        JsonNode tree = parse(text);
        List<Fuzz> cases = new ArrayList<>();
        for (String field : List.of("weightsBytes", "kvCacheBytes", "activationBytes", "bufferBytes", "reservedBytes",
                "capacityBytes")) {
            String path = "memory.colocated." + field;
            cases.add(resultsCase("results " + path + " deleted",
                    edit(tree, t -> ((ObjectNode) t.get("memory").get("colocated")).remove(field)), path));
            cases.add(resultsCase("results " + path + " text",
                    edit(tree, t -> ((ObjectNode) t.get("memory").get("colocated")).put(field, "lots")), path));
            cases.add(resultsCase("results " + path + " negative",
                    edit(tree, t -> ((ObjectNode) t.get("memory").get("colocated")).put(field, -1)), path));
            cases.add(resultsCase("results " + path + " a list",
                    edit(tree, t -> ((ObjectNode) t.get("memory").get("colocated")).putArray(field)), path));
        }
        cases.add(resultsCase("results capacity zero",
                edit(tree, t -> ((ObjectNode) t.get("memory").get("colocated")).put("capacityBytes", 0)),
                "memory.colocated.capacityBytes"));
        cases.add(resultsCase("results memory deleted", edit(tree, t -> t.remove("memory")), "memory"));
        cases.add(resultsCase("results memory empty", edit(tree, t -> t.putObject("memory")), "memory"));
        cases.add(resultsCase("results memory a list", edit(tree, t -> t.putArray("memory")), "memory"));
        cases.add(resultsCase("results memory pool a number",
                edit(tree, t -> ((ObjectNode) t.get("memory")).put("colocated", 1)), "memory.colocated"));
        cases.add(resultsCase("results pools deleted", edit(tree, t -> t.remove("pools")), "pools"));
        cases.add(resultsCase("results pools empty", edit(tree, t -> t.putObject("pools")), "pools"));
        cases.add(resultsCase("results pools pool a text",
                edit(tree, t -> ((ObjectNode) t.get("pools")).put("colocated", "x")), "pools.colocated"));
        cases.add(resultsCase("results duplicate key", text.replaceFirst("\\{", "{\n  \"memory\" : {},"), "memory"));
        cases.add(resultsCase("results second document", text + "\n" + text, "JSON"));
        cases.add(resultsCase("results NaN", text.replaceFirst("\"weightsBytes\" : [0-9.E+]+", "\"weightsBytes\" : NaN"),
                "JSON"));
        for (int percent : new int[] {10, 50, 90}) {
            cases.add(resultsCase("results truncated at " + percent + "%",
                    text.substring(0, text.length() * percent / 100), "JSON"));
        }
        cases.add(resultsCase("results empty", "", "empty"));
        cases.add(resultsCase("results not an object", "[]", "object"));
        cases.add(fuzz("results not UTF-8", Map.of("r.json", latin1(text.replaceFirst("\\{", "{\"n\u00e9\": 1,"))),
                List.of("r.json", "UTF-8"), "report", "{dir}/r.json", "--out", "{dir}/out"));
        cases.add(fuzz("sweep folder without sweep.json", Map.of("sweep", FOLDER), List.of("sweep.json"),
                "report", "{dir}/sweep", "--out", "{dir}/out"));
        cases.add(fuzz("sweep.json truncated", Map.of("sweep/sweep.json", utf8("{\"axes\": [")),
                List.of("sweep.json", "JSON"), "report", "{dir}/sweep", "--out", "{dir}/out"));
        cases.add(fuzz("sweep.json without points", Map.of("sweep/sweep.json",
                        utf8("{\"axes\": [{\"key\": \"hardware\", \"values\": [\"h800\"]}]}")),
                List.of("sweep.json", "points"), "report", "{dir}/sweep", "--out", "{dir}/out"));
        cases.add(fuzz("sweep.json axis with duplicate values", Map.of("sweep/sweep.json",
                        utf8("{\"axes\": [{\"key\": \"hardware\", \"values\": [\"h800\", \"h800\"]}], \"points\": [{}]}")),
                List.of("sweep.json", "axes[0]"), "report", "{dir}/sweep", "--out", "{dir}/out"));
        return cases.stream();
    }

    static Fuzz resultsCase(String name, String text, String field) {
        return fuzz(name, Map.of("r.json", utf8(text)), List.of("r.json", field),
                "report", "{dir}/r.json", "--out", "{dir}/out");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resultsCases")
    void resultsRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    // ------------------------------------------------------------------ helpers

    static String edit(JsonNode tree, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode copy = tree.deepCopy();
        change.accept(copy);
        return write(copy);
    }

    static String write(JsonNode tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
