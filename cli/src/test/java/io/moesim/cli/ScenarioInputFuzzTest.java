package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed scenarios, {@code --set} overrides, hardware profiles, placement files, arrival CSVs and
 * sweep specs, generated from the shipped valid files: for each field, delete it, give it the wrong
 * type, a negative, zero, NaN or huge value, give a key twice, add a second YAML document, truncate
 * the file, break its UTF-8. Every case must meet the {@link BadInput} contract: exit 2, one line on
 * standard error naming the file (or argument) and the field, nothing left behind. Scenarios run with
 * {@code --analytic-only}: the checks are the same as the simulation's (one validation path).
 */
class ScenarioInputFuzzTest {

    static final Path ROOT = Path.of("..");
    static final Path DECODE = ROOT.resolve("scenarios/deepseek-v3-h800-decode.yaml");
    static final Path MIXTRAL = ROOT.resolve("scenarios/mixtral-8x7b-h100.yaml");
    static final Path TWIN = ROOT.resolve("models/twins/mixtral-twin/config.json");
    static final Path TWIN_TRACE = ROOT.resolve("models/twins/mixtral-twin/traces/prose.moetrace.gz");

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    @TempDir
    static Path tmp;

    /** A file content that stands for a folder of that name. */
    static final byte[] FOLDER = new byte[0];

    /** One malformed input: the files of its folder, the words its error must name, the command ({@code {dir}} is the folder). */
    record Fuzz(String name, Map<String, byte[]> files, List<String> mustName, List<String> args) {
        @Override
        public String toString() {
            return name;
        }

        /** Writes the files into a fresh folder and asserts the contract. */
        void assertRejected(Path root) {
            Path dir = root.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
            try {
                Files.createDirectories(dir);
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    Path p = dir.resolve(f.getKey());
                    Files.createDirectories(p.getParent());
                    if (f.getValue() == FOLDER) {
                        Files.createDirectories(p);
                    } else {
                        Files.write(p, f.getValue());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String[] argv = args.stream().map(a -> a.replace("{dir}", dir.toString())).toArray(String[]::new);
            BadInput.assertRejected(dir, mustName, argv);
        }
    }

    static Fuzz fuzz(String name, Map<String, byte[]> files, List<String> mustName, String... args) {
        return new Fuzz(name, files, mustName, List.of(args));
    }

    // ------------------------------------------------------------------ tree mutations

    /** A leaf of a parsed YAML tree and its dotted path ({@code deployment.decode.gpus}, {@code a.points[0].tokens}). */
    record Leaf(String path, JsonNode value) {
        /** The last key of the path ({@code gpus}). */
        String key() {
            String p = path.replaceAll("\\[\\d+]$", "");
            return p.substring(p.lastIndexOf('.') + 1);
        }
    }

    static List<Leaf> leaves(JsonNode tree) {
        List<Leaf> out = new ArrayList<>();
        collect("", tree, out);
        return out;
    }

    private static void collect(String path, JsonNode node, List<Leaf> out) {
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(k -> collect(path.isEmpty() ? k : path + "." + k, node.get(k), out));
        } else if (node.isArray() && node.size() > 0 && node.get(0).isContainerNode()) {
            for (int i = 0; i < node.size(); i++) {
                collect(path + "[" + i + "]", node.get(i), out);
            }
        } else {
            out.add(new Leaf(path, node));
        }
    }

    /** The dotted paths of every map of the tree, the root as "". */
    static List<String> maps(JsonNode tree) {
        List<String> out = new ArrayList<>();
        mapsOf("", tree, out);
        return out;
    }

    private static void mapsOf(String path, JsonNode node, List<String> out) {
        if (node.isObject()) {
            out.add(path);
            node.fieldNames().forEachRemaining(k -> mapsOf(path.isEmpty() ? k : path + "." + k, node.get(k), out));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                mapsOf(path + "[" + i + "]", node.get(i), out);
            }
        }
    }

    private static final String RAW = "@@RAW@@";

    /**
     * {@code tree} written as YAML with the leaf at {@code path} replaced by the YAML text {@code raw}
     * (null: the key deleted).
     */
    static String withLeaf(JsonNode tree, String path, String raw) {
        JsonNode copy = tree.deepCopy();
        List<String> parts = new ArrayList<>(Arrays.asList(path.split("\\.")));
        String last = parts.removeLast();
        JsonNode parent = copy;
        for (String part : parts) {
            parent = step(parent, part);
        }
        Integer index = null;
        if (last.matches(".*\\[\\d+]")) {
            index = Integer.parseInt(last.substring(last.indexOf('[') + 1, last.length() - 1));
            parent = parent.get(last.substring(0, last.indexOf('[')));
        }
        if (raw == null) {
            if (index != null) {
                ((ArrayNode) parent).remove(index);
            } else {
                ((ObjectNode) parent).remove(last);
            }
        } else if (index != null) {
            ((ArrayNode) parent).set(index, TextNode.valueOf(RAW));
        } else {
            ((ObjectNode) parent).set(last, TextNode.valueOf(RAW));
        }
        return write(copy).replaceAll("['\"]?" + RAW + "['\"]?", java.util.regex.Matcher.quoteReplacement(raw == null ? "" : raw));
    }

    private static JsonNode step(JsonNode node, String part) {
        if (part.matches(".*\\[\\d+]")) {
            JsonNode list = node.get(part.substring(0, part.indexOf('[')));
            return list.get(Integer.parseInt(part.substring(part.indexOf('[') + 1, part.length() - 1)));
        }
        return node.get(part);
    }

    /** {@code tree} with an extra key {@code bogusKey: 1} in the map at {@code mapPath}. */
    static String withUnknownKey(JsonNode tree, String mapPath) {
        JsonNode copy = tree.deepCopy();
        JsonNode map = copy;
        if (!mapPath.isEmpty()) {
            for (String part : mapPath.split("\\.")) {
                map = step(map, part);
            }
        }
        ((ObjectNode) map).put("bogusKey", 1);
        return write(copy);
    }

    static String write(JsonNode tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The field mutations of {@code tree}: every leaf deleted (unless {@code optional}), given the wrong
     * type (a list; text for a number; a map for a text), a negative, NaN or huge value (numbers),
     * zero (numbers {@code zeroRejected}), an empty or unknown text (texts {@code bogusRejected}), and an
     * unknown key in every map; then every {@code key: value} line given twice, a second document,
     * non-UTF-8 bytes and the file cut short. {@code make} turns a file's text into a case.
     */
    static List<Fuzz> mutations(String what, JsonNode tree, Predicate<String> optional, Predicate<String> zeroRejected,
                                Predicate<String> bogusRejected, Map<String, String> named, CaseMaker make) {
        List<Fuzz> cases = new ArrayList<>();
        for (Leaf leaf : leaves(tree)) {
            String p = leaf.path();
            String name = named.getOrDefault(p, p);
            if (!optional.test(p)) {
                cases.add(make.of(what + " " + p + " deleted", withLeaf(tree, p, null), named.getOrDefault(p + "!", name)));
            }
            cases.add(make.of(what + " " + p + " a list", withLeaf(tree, p, "[1, 2]"), name));
            if (leaf.value().isNumber()) {
                cases.add(make.of(what + " " + p + " text", withLeaf(tree, p, "lots"), name));
                cases.add(make.of(what + " " + p + " negative", withLeaf(tree, p, "-1"), name));
                cases.add(make.of(what + " " + p + " NaN", withLeaf(tree, p, ".nan"), name));
                cases.add(make.of(what + " " + p + " infinite", withLeaf(tree, p, ".inf"), name));
                cases.add(make.of(what + " " + p + " huge", withLeaf(tree, p, "1e300"), name));
                if (zeroRejected.test(p)) {
                    cases.add(make.of(what + " " + p + " zero", withLeaf(tree, p, "0"), name));
                }
            } else {
                cases.add(make.of(what + " " + p + " a map", withLeaf(tree, p, "{a: 1}"), name));
                cases.add(make.of(what + " " + p + " empty", withLeaf(tree, p, "''"), name));
                if (bogusRejected.test(p)) {
                    cases.add(make.of(what + " " + p + " unknown value", withLeaf(tree, p, "no-such-thing"), name));
                }
            }
        }
        for (String map : maps(tree)) {
            cases.add(make.of(what + " unknown key in " + (map.isEmpty() ? "root" : map), withUnknownKey(tree, map),
                    "bogusKey"));
        }
        String text = write(tree);
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\s*(?:- )?)([A-Za-z0-9_]+): \\S.*$")
                    .matcher(lines.get(i));
            if (m.matches()) {
                String copy = " ".repeat(m.group(1).length()) + lines.get(i).substring(m.group(1).length());
                List<String> dup = new ArrayList<>(lines);
                dup.add(i + 1, copy);
                cases.add(make.of(what + " duplicate " + m.group(2) + " at line " + (i + 1), String.join("\n", dup) + "\n",
                        m.group(2)));
            }
        }
        cases.add(make.of(what + " second document", text + "---\n" + text, "second"));
        for (int percent : new int[] {10, 35, 60}) {
            String cut = text.substring(0, text.length() * percent / 100);
            cases.add(make.of(what + " truncated at " + percent + "%", cut, null));
        }
        cases.add(make.of(what + " empty file", "", "empty"));
        cases.add(make.of(what + " comments only", "# nothing here\n", "empty"));
        cases.add(make.of(what + " not a map", "- just\n- a list\n", "map"));
        return cases;
    }

    /** Turns a mutated file's text into a case; {@code field} the word the error must name (null: the file only). */
    @FunctionalInterface
    interface CaseMaker {
        Fuzz of(String name, String text, String field);
    }

    // ------------------------------------------------------------------ scenarios

    static final Set<String> SCENARIO_OPTIONAL = Set.of("deployment.decode.microBatches", "deployment.decode.balancer",
            "placement", "placement.strategy", "placement.redundantExperts", "precision.weights",
            "precision.activations", "precision.kvCache", "precision.dispatch", "precision.combine",
            "workload.prefixCacheHitRate", "price", "deployment.colocated.microBatches");

    static final Set<String> SCENARIO_ZERO_ALLOWED = Set.of("placement.redundantExperts", "workload.prefixCacheHitRate",
            "workload.inputTokens.sigma", "price.usdPerGpuHour");

    static final Set<String> SCENARIO_BOGUS_ALLOWED = Set.of("name");

    /** Where the error names another field than the mutated one (a "!" suffix: when it is deleted). */
    static final Map<String, String> SCENARIO_NAMED = Map.of(
            "workload.arrival.concurrencyPerGpu!", "workload.arrival",
            "deployment.decode.gpus", "deployment.decode",
            "deployment.decode.attention.dp", "deployment.decode.attention",
            "deployment.decode.attention.tp", "deployment.decode.attention");

    static Stream<Fuzz> scenarioCases() {
        JsonNode tree = read(DECODE);
        List<Fuzz> cases = new ArrayList<>(mutations("scenario", tree, SCENARIO_OPTIONAL::contains,
                p -> !SCENARIO_ZERO_ALLOWED.contains(p), p -> !SCENARIO_BOGUS_ALLOWED.contains(p), SCENARIO_NAMED,
                (name, text, field) -> fuzz(name, Map.of("s.yaml", utf8(text)),
                        field == null ? List.of("s.yaml") : List.of("s.yaml", field),
                        "run", "{dir}/s.yaml", "--analytic-only", "--json", "{dir}/out.json")));
        // The same field mutations through --set on the shipped file.
        for (Leaf leaf : leaves(tree)) {
            String p = leaf.path();
            String name = SCENARIO_NAMED.getOrDefault(p, p);
            List<String> bad = new ArrayList<>(List.of("[1, 2]"));
            if (leaf.value().isNumber()) {
                bad.addAll(List.of("lots", "-1", ".nan", "1e300"));
            } else if (!SCENARIO_BOGUS_ALLOWED.contains(p)) {
                bad.add("no-such-thing");
            }
            for (String value : bad) {
                // A value that is not YAML (.nan) is refused before the file is read: the error names --set and the key.
                List<String> words = value.equals(".nan") ? List.of("--set", p, "finite")
                        : List.of(DECODE.getFileName().toString(), name);
                cases.add(fuzz("--set " + p + "=" + value, Map.of(), words,
                        "run", DECODE.toString(), "--analytic-only", "--set", p + "=" + value, "--json", "{dir}/out.json"));
            }
        }
        String decode = DECODE.toString();
        cases.add(fuzz("--set unknown key", Map.of(), List.of("deepseek-v3-h800-decode.yaml", "deployment.decode.gpuz"),
                "run", decode, "--analytic-only", "--set", "deployment.decode.gpuz=8"));
        cases.add(fuzz("--set without =", Map.of(), List.of("--set", "hardware"), "run", decode, "--set", "hardware"));
        cases.add(fuzz("--set empty key", Map.of(), List.of("--set"), "run", decode, "--set", "=3"));
        cases.add(fuzz("--set through a value", Map.of(), List.of("--set", "hardware"), "run", decode, "--set",
                "hardware.gpus=3"));
        cases.add(fuzz("--set bad path", Map.of(), List.of("--set", "a..b"), "run", decode, "--set", "a..b=3"));
        cases.add(fuzz("--set bad YAML", Map.of(), List.of("--set", "deployment"), "run", decode, "--set",
                "deployment={decode: [}"));
        cases.add(fuzz("--set duplicate key in value", Map.of(), List.of("--set", "deployment.decode.attention"), "run",
                decode, "--set", "deployment.decode.attention={tp: 1, tp: 2}"));
        // Files where the scenario expects them.
        cases.add(fuzz("scenario is a folder", Map.of("s.yaml", FOLDER), List.of("s.yaml", "folder"),
                "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("scenario missing", Map.of(), List.of("nope.yaml", "no such file"), "run", "{dir}/nope.yaml"));
        String body = write(tree);
        cases.add(fuzz("scenario not UTF-8", Map.of("s.yaml", latin1(body.replace("name: ", "name: caf\u00e9 "))),
                List.of("s.yaml", "UTF-8"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("scenario model unknown", Map.of("s.yaml", utf8(body.replace("model: deepseek-v3", "model: nope"))),
                List.of("s.yaml", "model"), "run", "{dir}/s.yaml", "--analytic-only"));
        return cases.stream();
    }

    static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarioCases")
    void scenarioRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    // ------------------------------------------------------------------ limits of the simulation

    static Stream<Fuzz> limitCases() {
        String decode = DECODE.toString();
        return Stream.of(
                fuzz("a million GPUs simulated", Map.of(), List.of("deployment.decode.gpus", "4,096", "--analytic-only"),
                        "run", decode, "--set", "deployment.decode.gpus=999936", "--set",
                        "deployment.decode.attention.dp=999936", "--set", "deployment.decode.experts.ep=144",
                        "--json", "{dir}/out.json"),
                fuzz("too long simulated", Map.of(), List.of("simulation.durationSeconds", "1,000,000"),
                        "run", decode, "--set", "simulation.durationSeconds=1e7", "--json", "{dir}/out.json"),
                fuzz("too many requests in flight", Map.of(), List.of("workload.arrival.concurrencyPerGpu", "1,000,000"),
                        "run", decode, "--set", "workload.arrival.concurrencyPerGpu=100000", "--json", "{dir}/out.json"),
                fuzz("too many Poisson arrivals", Map.of(), List.of("workload.arrival.poissonRequestsPerSecond", "2,000,000"),
                        "run", decode, "--set", "workload.arrival={poissonRequestsPerSecond: 1e9}", "--json",
                        "{dir}/out.json"),
                fuzz("duration out of range", Map.of(), List.of("simulation.durationSeconds"),
                        "run", decode, "--analytic-only", "--set", "simulation.durationSeconds=1e8"),
                fuzz("warm-up past the duration", Map.of(), List.of("simulation.warmupSeconds"),
                        "run", decode, "--analytic-only", "--set", "simulation.durationSeconds=10", "--set",
                        "simulation.warmupSeconds=10"),
                fuzz("gpus past the accepted range", Map.of(), List.of("deployment.decode.gpus"),
                        "run", decode, "--analytic-only", "--set", "deployment.decode.gpus=2000000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limitCases")
    void limitRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    // ------------------------------------------------------------------ hardware profiles

    static final Set<String> HARDWARE_OPTIONAL = Set.of("description", "gpu.peakFlopsPerSecond.fp8");
    static final Set<String> HARDWARE_BOGUS_REJECTED_KEYS = Set.of("kind");

    static Stream<Fuzz> hardwareCases() {
        JsonNode tree = read(ROOT.resolve("hardware-profiles/h800.yaml"));
        Predicate<String> optional = p -> HARDWARE_OPTIONAL.contains(p) || p.startsWith("gpu.peakFlopsPerSecond.fp8.");
        Predicate<String> zeroRejected = p -> !p.matches(".*(runtimeReservedBytes|Seconds|overlapFraction|"
                + "LatencyOverlapFraction|communicationSmFraction|usdPerGpuHour)\\.value");
        Predicate<String> bogusRejected = p -> HARDWARE_BOGUS_REJECTED_KEYS.contains(p.substring(p.lastIndexOf('.') + 1));
        List<Fuzz> cases = new ArrayList<>(mutations("hardware", tree, optional, zeroRejected, bogusRejected,
                Map.of(), (name, text, field) -> fuzz(name, Map.of("gpu.yaml", utf8(text)),
                        field == null ? List.of("gpu.yaml") : List.of("gpu.yaml", field),
                        "hardware", "show", "{dir}/gpu.yaml")));
        // Through a scenario: the error names the scenario, its hardware field and the profile's field.
        String broken = write(tree).replace("id: h800", "id: h800\nid: again");
        cases.add(fuzz("scenario hardware file with a duplicate key", Map.of("gpu.yaml", utf8(broken),
                        "s.yaml", utf8(write(read(DECODE)).replace("hardware: h800", "hardware: gpu.yaml"))),
                List.of("s.yaml", "hardware", "gpu.yaml", "id"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("scenario hardware file missing", Map.of(
                        "s.yaml", utf8(write(read(DECODE)).replace("hardware: h800", "hardware: nope.yaml"))),
                List.of("s.yaml", "hardware", "nope.yaml"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("hardware profile is a folder", Map.of("gpu.yaml", FOLDER), List.of("gpu.yaml"),
                "hardware", "show", "{dir}/gpu.yaml"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hardwareCases")
    void hardwareRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    // ------------------------------------------------------------------ placement files

    /** A valid placement of the Mixtral twin's 8 experts on 4 GPUs in one node. */
    static final String PLACEMENT = "experts: 8\ngpusPerNode: 4\nlayers:\n  - [[0, 1], [2, 3], [4, 5], [6, 7]]\n";

    static Stream<Fuzz> placementCases() {
        List<Fuzz> cases = new ArrayList<>();
        Map<String, String> edits = new LinkedHashMap<>();
        edits.put("experts", "experts: 9");
        edits.put("experts ", "experts: lots");
        edits.put("experts  ", "experts: -8");
        edits.put("experts   ", "experts: 0");
        edits.put("experts    ", "experts: .nan");
        edits.put("experts     ", "experts: 1e300");
        edits.put("gpusPerNode", "gpusPerNode: 3");
        edits.put("gpusPerNode ", "gpusPerNode: 0");
        edits.put("gpusPerNode  ", "gpusPerNode: lots");
        for (Map.Entry<String, String> e : edits.entrySet()) {
            String field = e.getKey().strip();
            String text = PLACEMENT.replaceFirst("(?m)^" + field + ": .*$", e.getValue());
            cases.add(placeCase("placement " + e.getValue(), text, field));
        }
        cases.add(placeCase("placement experts deleted", PLACEMENT.replace("experts: 8\n", ""), "experts"));
        cases.add(placeCase("placement layers deleted", "experts: 8\ngpusPerNode: 4\n", "layers"));
        cases.add(placeCase("placement layers empty", "experts: 8\nlayers: []\n", "layers"));
        cases.add(placeCase("placement layers text", "experts: 8\nlayers: lots\n", "layers"));
        cases.add(placeCase("placement expert id too big", PLACEMENT.replace("[6, 7]", "[6, 8]"), "layers[0][3][1]"));
        cases.add(placeCase("placement expert id negative", PLACEMENT.replace("[6, 7]", "[6, -1]"), "layers[0][3][1]"));
        cases.add(placeCase("placement expert id text", PLACEMENT.replace("[6, 7]", "[6, x]"), "layers[0][3][1]"));
        cases.add(placeCase("placement expert id fraction", PLACEMENT.replace("[6, 7]", "[6, 6.5]"), "layers[0][3][1]"));
        cases.add(placeCase("placement expert missing", PLACEMENT.replace("[6, 7]", "[6, 6]"), "layers[0]"));
        cases.add(placeCase("placement GPU empty", PLACEMENT.replace("[6, 7]", "[]"), "layers[0][3]"));
        cases.add(placeCase("placement two layers of different GPUs",
                PLACEMENT + "  - [[0, 1, 2, 3], [4, 5, 6, 7]]\n", "layers[1]"));
        cases.add(placeCase("placement unknown key", PLACEMENT + "bogusKey: 1\n", "bogusKey"));
        cases.add(placeCase("placement duplicate key", PLACEMENT + "experts: 8\n", "experts"));
        cases.add(placeCase("placement second document", PLACEMENT + "---\n" + PLACEMENT, "second"));
        cases.add(placeCase("placement truncated", PLACEMENT.substring(0, PLACEMENT.length() - 12), null));
        cases.add(placeCase("placement empty", "", "empty"));
        cases.add(fuzz("placement on other GPUs than --gpus", Map.of("p.yaml", utf8(PLACEMENT)), List.of("p.yaml", "layers"),
                "place", "--model", TWIN.toString(), "--trace", TWIN_TRACE.toString(), "--gpus", "8",
                "--placement", "{dir}/p.yaml", "--out", "{dir}/out.yaml"));
        cases.add(fuzz("placement is a folder", Map.of("p.yaml", FOLDER), List.of("p.yaml", "folder"),
                "place", "--model", TWIN.toString(), "--trace", TWIN_TRACE.toString(), "--gpus", "4",
                "--placement", "{dir}/p.yaml"));
        // In a scenario: the file's GPU count against the pool, checked with --analytic-only too.
        String mixtral = write(read(MIXTRAL));
        String eightGpus = "experts: 8\nlayers:\n  - [[0], [1], [2], [3], [4], [5], [6], [7]]\n";
        cases.add(fuzz("scenario placement file of 4 GPUs for ep 8", Map.of("p.yaml", utf8(PLACEMENT),
                        "s.yaml", utf8(mixtral + "placement:\n  file: p.yaml\n")),
                List.of("s.yaml", "placement.file"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("scenario placement file missing", Map.of(
                        "s.yaml", utf8(mixtral + "placement:\n  file: nope.yaml\n")),
                List.of("s.yaml", "placement.file", "nope.yaml"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("scenario placement file with a strategy", Map.of("p.yaml", utf8(eightGpus),
                        "s.yaml", utf8(mixtral + "placement:\n  file: p.yaml\n  strategy: contiguous\n")),
                List.of("s.yaml", "placement.file"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("scenario router trace missing", Map.of(
                        "s.yaml", utf8(mixtral + "routing:\n  trace: nope.moetrace\n")),
                List.of("s.yaml", "routing.trace", "nope.moetrace"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("scenario routing.tokens out of the trace", Map.of(
                        "s.yaml", utf8(write(read(MIXTRAL)).replace("model: mixtral-8x7b", "model: "
                                + TWIN.toAbsolutePath().normalize()) + "routing:\n  trace: "
                                + TWIN_TRACE.toAbsolutePath().normalize() + "\n  tokens: 0:999999999\n")),
                List.of("s.yaml", "routing.tokens"), "run", "{dir}/s.yaml", "--analytic-only"));
        return cases.stream();
    }

    static Fuzz placeCase(String name, String text, String field) {
        return fuzz(name, Map.of("p.yaml", utf8(text)), field == null ? List.of("p.yaml") : List.of("p.yaml", field),
                "place", "--model", TWIN.toString(), "--trace", TWIN_TRACE.toString(), "--gpus", "4",
                "--placement", "{dir}/p.yaml", "--out", "{dir}/out.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("placementCases")
    void placementRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    // ------------------------------------------------------------------ place's own arguments

    static Stream<Fuzz> placeArgumentCases() {
        String[] base = {"place", "--model", TWIN.toString(), "--trace", TWIN_TRACE.toString(), "--gpus", "4"};
        Map<String, byte[]> aFile = Map.of("afile", utf8("x"));
        return Stream.of(
                fuzz("place --out a folder", Map.of("sub", FOLDER), List.of("--out", "folder"),
                        concat(base, "--out", "{dir}/sub")),
                fuzz("place --out under a file", aFile, List.of("--out", "afile", "not a folder"),
                        concat(base, "--out", "{dir}/afile/p.yaml")),
                fuzz("place --redundant 10000", Map.of(), List.of("--redundant", "8 routed experts"),
                        concat(base, "--redundant", "10000", "--out", "{dir}/p.yaml")),
                fuzz("place --redundant 2147483647", Map.of(), List.of("--redundant", "2147483647"),
                        concat(base, "--redundant", "2147483647", "--out", "{dir}/p.yaml")),
                fuzz("place --redundant -1", Map.of(), List.of("--redundant"),
                        concat(base, "--redundant", "-1", "--out", "{dir}/p.yaml")),
                fuzz("place --redundant text", Map.of(), List.of("--redundant"),
                        concat(base, "--redundant", "lots")),
                fuzz("place --gpus 0", Map.of(), List.of("--gpus"),
                        "place", "--model", TWIN.toString(), "--trace", TWIN_TRACE.toString(), "--gpus", "0"));
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("placeArgumentCases")
    void placeArgumentRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    // ------------------------------------------------------------------ arrival traces (CSV)

    static final String CSV = "arrival_seconds,input_tokens,output_tokens\n0.0,1000,200\n0.5,2000,100\n1.25,500,300\n";

    static Stream<Fuzz> arrivalCases() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("first line is data", "0.0,1000,200\n0.5,2000,100\n");
        bad.put("column missing", "arrival_seconds,input_tokens\n0.0,1000\n");
        bad.put("unknown column", CSV.replace("output_tokens", "output_tokens,colour").replace("200\n", "200,red\n")
                .replace("100\n", "100,red\n").replace("300\n", "300,red\n"));
        bad.put("column twice", "arrival_seconds,input_tokens,output_tokens,input_tokens\n0,1,1,1\n");
        bad.put("Infinity arrival", CSV.replace("1.25", "Infinity"));
        bad.put("NaN arrival", CSV.replace("1.25", "NaN"));
        bad.put("negative arrival", CSV.replace("0.0,", "-1,"));
        bad.put("unsorted arrivals", CSV.replace("0.5,", "2.5,"));
        bad.put("text arrival", CSV.replace("0.5,", "soon,"));
        bad.put("huge arrival", CSV.replace("1.25", "1e400"));
        bad.put("zero input tokens", CSV.replace(",2000,", ",0,"));
        bad.put("negative output tokens", CSV.replace(",100\n", ",-100\n"));
        bad.put("fractional tokens", CSV.replace(",2000,", ",20.5,"));
        bad.put("huge tokens", CSV.replace(",2000,", ",99999999999,"));
        bad.put("text tokens", CSV.replace(",2000,", ",many,"));
        bad.put("too few values", CSV.replace("0.5,2000,100", "0.5,2000"));
        bad.put("too many values", CSV.replace("0.5,2000,100", "0.5,2000,100,7"));
        bad.put("header only", "arrival_seconds,input_tokens,output_tokens\n");
        bad.put("empty", "");
        bad.put("unclosed quote", CSV.replace("0.5,", "\"0.5,"));
        Map<String, String> field = new LinkedHashMap<>();
        field.put("first line is data", "arrival_seconds");
        field.put("column missing", "output_tokens");
        field.put("unknown column", "colour");
        field.put("column twice", "input_tokens");
        field.put("Infinity arrival", "arrival_seconds");
        field.put("NaN arrival", "arrival_seconds");
        field.put("negative arrival", "arrival_seconds");
        field.put("unsorted arrivals", "arrival_seconds");
        field.put("text arrival", "arrival_seconds");
        field.put("huge arrival", "arrival_seconds");
        field.put("zero input tokens", "input_tokens");
        field.put("negative output tokens", "output_tokens");
        field.put("fractional tokens", "input_tokens");
        field.put("huge tokens", "input_tokens");
        field.put("text tokens", "input_tokens");
        field.put("too few values", "line 3");
        field.put("too many values", "line 3");
        field.put("header only", "arrival_seconds");
        field.put("empty", "header");
        field.put("unclosed quote", "line");
        String scenario = write(read(MIXTRAL)).replace("concurrencyPerGpu: 32", "trace: arrivals.csv");
        List<Fuzz> cases = new ArrayList<>();
        for (Map.Entry<String, String> e : bad.entrySet()) {
            cases.add(fuzz("arrival CSV " + e.getKey(), Map.of("arrivals.csv", utf8(e.getValue()), "s.yaml",
                    utf8(scenario)), List.of("arrivals.csv", field.get(e.getKey())), "run", "{dir}/s.yaml",
                    "--analytic-only", "--json", "{dir}/out.json"));
        }
        cases.add(fuzz("arrival CSV not UTF-8", Map.of("arrivals.csv", latin1("# caf\u00e9\n" + CSV), "s.yaml",
                utf8(scenario)), List.of("arrivals.csv", "UTF-8"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("arrival CSV missing", Map.of("s.yaml", utf8(scenario)),
                List.of("s.yaml", "workload.arrival.trace", "arrivals.csv"), "run", "{dir}/s.yaml", "--analytic-only"));
        cases.add(fuzz("arrival CSV is a folder", Map.of("s.yaml", utf8(scenario), "arrivals.csv", FOLDER),
                List.of("s.yaml", "workload.arrival.trace", "folder"), "run", "{dir}/s.yaml", "--analytic-only"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arrivalCases")
    void arrivalTraceRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    @Test
    void aValidArrivalTraceIsReadByColumnName() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("valid-csv"));
        // Columns in another order, a comment, and the header first: three requests.
        Files.writeString(dir.resolve("arrivals.csv"),
                "# three requests\noutput_tokens,arrival_seconds,input_tokens\n200,0.0,1000\n100,0.5,2000\n300,1.25,500\n");
        var trace = io.moesim.simulator.serving.Workload.Trace.read(dir.resolve("arrivals.csv"));
        assertEquals(3, trace.entries().size());
        assertEquals(0.5, trace.entries().get(1).arrivalSeconds());
        assertEquals(2000, trace.entries().get(1).inputTokens());
        assertEquals(300, trace.entries().get(2).outputTokens());
    }

    // ------------------------------------------------------------------ sweep specs

    static Stream<Fuzz> sweepCases() {
        String decode = DECODE.toString();
        String values1001 = String.join(",", java.util.stream.IntStream.rangeClosed(1, 1001).mapToObj(String::valueOf)
                .toList());
        String values1000 = String.join(",", java.util.stream.IntStream.rangeClosed(1, 1000).mapToObj(String::valueOf)
                .toList());
        Map<String, byte[]> aFile = Map.of("afile", utf8("x"));
        return Stream.of(
                fuzz("sweep --vary no values", Map.of(), List.of("--vary", "workload.outputTokens"),
                        "sweep", decode, "--vary", "workload.outputTokens=", "--analytic-only", "--out", "{dir}/out"),
                fuzz("sweep --vary duplicate values", Map.of(), List.of("--vary", "workload.outputTokens", "twice"),
                        "sweep", decode, "--vary", "workload.outputTokens=100,100", "--analytic-only", "--out", "{dir}/out"),
                fuzz("sweep --vary empty value", Map.of(), List.of("--vary", "workload.outputTokens"),
                        "sweep", decode, "--vary", "workload.outputTokens=100,,200", "--analytic-only", "--out", "{dir}/out"),
                fuzz("sweep --vary without =", Map.of(), List.of("--vary", "hardware"),
                        "sweep", decode, "--vary", "hardware", "--analytic-only", "--out", "{dir}/out"),
                fuzz("sweep --vary unbalanced", Map.of(), List.of("--vary", "deployment.decode.attention"),
                        "sweep", decode, "--vary", "deployment.decode.attention={tp: 1", "--analytic-only", "--out",
                        "{dir}/out"),
                fuzz("sweep key varied twice", Map.of(), List.of("--vary", "hardware", "twice"),
                        "sweep", decode, "--vary", "hardware=h800", "--vary", "hardware=h200", "--analytic-only",
                        "--out", "{dir}/out"),
                fuzz("sweep unknown key", Map.of(), List.of("--vary", "deployment.decode.gpuz"),
                        "sweep", decode, "--vary", "deployment.decode.gpuz=8,16", "--analytic-only", "--out", "{dir}/out"),
                fuzz("sweep wrong type", Map.of(), List.of("--vary", "deployment.decode.maxBatchPerGpu"),
                        "sweep", decode, "--vary", "deployment.decode.maxBatchPerGpu=64,lots", "--analytic-only",
                        "--out", "{dir}/out"),
                fuzz("sweep NaN value", Map.of(), List.of("--vary", "workload.outputTokens"),
                        "sweep", decode, "--vary", "workload.outputTokens=100,.nan", "--analytic-only", "--out",
                        "{dir}/out"),
                fuzz("sweep grid of 1,001 points", Map.of(), List.of("--vary", "1,000"),
                        "sweep", decode, "--vary", "workload.outputTokens=" + values1001, "--analytic-only", "--out",
                        "{dir}/out"),
                fuzz("sweep grid of a million points", Map.of(), List.of("--vary", "1,000,000"),
                        "sweep", decode, "--vary", "workload.outputTokens=" + values1000, "--vary",
                        "workload.inputTokens=" + values1000, "--analytic-only", "--out", "{dir}/out"),
                fuzz("sweep --threads 0", Map.of(), List.of("--threads"),
                        "sweep", decode, "--vary", "hardware=h800,h200", "--threads", "0", "--analytic-only", "--out",
                        "{dir}/out"),
                fuzz("sweep --threads huge", Map.of(), List.of("--threads"),
                        "sweep", decode, "--vary", "hardware=h800,h200", "--threads", "100000", "--analytic-only",
                        "--out", "{dir}/out"),
                fuzz("sweep --out a file", aFile, List.of("--out", "afile"),
                        "sweep", decode, "--vary", "hardware=h800,h200", "--analytic-only", "--out", "{dir}/afile"),
                fuzz("sweep --out under a file", aFile, List.of("--out", "afile"),
                        "sweep", decode, "--vary", "hardware=h800,h200", "--analytic-only", "--out", "{dir}/afile/out"),
                fuzz("sweep scenario is a folder", Map.of("s.yaml", FOLDER), List.of("s.yaml", "folder"),
                        "sweep", "{dir}/s.yaml", "--vary", "hardware=h800,h200", "--analytic-only", "--out", "{dir}/out"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sweepCases")
    void sweepRejected(Fuzz c) {
        c.assertRejected(tmp);
    }

    @Test
    void theSuiteCoversManyCases() {
        long count = Stream.of(scenarioCases(), limitCases(), hardwareCases(), placementCases(), placeArgumentCases(),
                arrivalCases(), sweepCases()).mapToLong(Stream::count).sum();
        assertTrue(count > 400, "only " + count + " cases");
    }
}
