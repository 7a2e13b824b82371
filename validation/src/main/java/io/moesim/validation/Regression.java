package io.moesim.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.models.InputException;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.ScenarioLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The regression gate of cost predictions ({@code moesim regress}): runs every scenario of a folder
 * as {@code moesim run} does (simulation with the analytic estimate beside it), takes its key
 * predictions ({@link #predictions}) and compares them with the golden file of the scenario,
 * {@code <golden>/<scenario file name without .yaml>.json}.
 */
public final class Regression {

    /**
     * The overrides the gate applies to every scenario, for golden generation and check alike: a
     * 20 s simulation (warm-up min(20, 20 / 3) s) instead of the default 60 s, to keep the gate fast.
     */
    public static final List<String> DEFAULT_SETS = List.of("simulation.durationSeconds=20");

    /** The default relative tolerance (2%). */
    public static final double DEFAULT_TOLERANCE = 0.02;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Regression() {
    }

    /** How a scenario came out of the gate. */
    public enum Status {
        /** Every key within the tolerance of its golden value. */
        OK,
        /** One or more keys moved past the tolerance (or appeared, or disappeared). */
        MOVED,
        /** No golden file for the scenario. */
        MISSING_GOLDEN,
        /** The scenario could not be run, or its golden file not read. */
        ERROR,
        /** The golden file was (re)written ({@code --update}). */
        UPDATED
    }

    /**
     * One key whose value differs from its golden value.
     *
     * @param golden         the golden value (null: not in the golden file, or the figure did not apply)
     * @param current        the new value (null likewise)
     * @param relativeChange (current - golden) / |golden|, NaN when not a pair of numbers
     * @param beyond         past the tolerance
     */
    public record Change(String key, Object golden, Object current, double relativeChange, boolean beyond) {
    }

    /** One scenario's outcome. */
    public record Outcome(String scenario, Status status, List<Change> changes, String message, double seconds) {
        /** Whether this outcome fails the gate. */
        public boolean failed() {
            return status == Status.MOVED || status == Status.MISSING_GOLDEN || status == Status.ERROR;
        }

        public List<Change> beyond() {
            return changes.stream().filter(Change::beyond).toList();
        }
    }

    /** Every scenario's outcome. */
    public record Report(List<Outcome> outcomes, double tolerance) {
        public boolean failed() {
            return outcomes.stream().anyMatch(Outcome::failed);
        }
    }

    /**
     * The key predictions of a {@code moesim run} JSON tree (docs/results.md), flattened to dotted
     * keys: throughput in and out per GPU and per node; TTFT and TPOT p50/p90/p99; memory per GPU of
     * each pool (total, weights, KV cache); USD per million input and output tokens; feasible.
     * A figure that does not apply is null.
     */
    public static Map<String, Object> predictions(Map<String, Object> json) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<?, ?> throughput = (Map<?, ?>) json.get("throughput");
        for (String key : List.of("inputTokensPerSecondPerGpu", "outputTokensPerSecondPerGpu",
                "inputTokensPerSecondPerNode", "outputTokensPerSecondPerNode")) {
            out.put("throughput." + key, throughput.get(key));
        }
        Map<?, ?> latency = (Map<?, ?>) json.get("latency");
        for (String metric : List.of("ttftSeconds", "tpotSeconds")) {
            Map<?, ?> p = (Map<?, ?>) latency.get(metric);
            for (String q : List.of("p50", "p90", "p99")) {
                out.put("latency." + metric + "." + q, p.get(q));
            }
        }
        Map<?, ?> memory = (Map<?, ?>) json.get("memory");
        for (Map.Entry<?, ?> pool : memory.entrySet()) {
            Map<?, ?> m = (Map<?, ?>) pool.getValue();
            for (String key : List.of("totalBytes", "weightsBytes", "kvCacheBytes")) {
                out.put("memory." + pool.getKey() + "." + key, m.get(key));
            }
        }
        Map<?, ?> cost = (Map<?, ?>) json.get("cost");
        out.put("cost.usdPerMillionInputTokens", cost.get("usdPerMillionInputTokens"));
        out.put("cost.usdPerMillionOutputTokens", cost.get("usdPerMillionOutputTokens"));
        out.put("feasible", json.get("feasible"));
        return out;
    }

    /** Runs {@code scenario} with {@code sets} as {@code moesim run} does and returns its key predictions. */
    public static Map<String, Object> predict(Path scenario, List<String> sets) {
        return predictions(RunResult.simulate(new ScenarioLoader().load(scenario, sets)).toJson());
    }

    /** The scenario files ({@code *.yaml}) of {@code dir}, sorted. */
    public static List<Path> scenarios(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InputException(dir + ": not a folder of scenarios");
        }
        try (Stream<Path> list = Files.list(dir)) {
            List<Path> files = list.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
            if (files.isEmpty()) {
                throw new InputException(dir + ": no *.yaml scenarios");
            }
            return files;
        } catch (IOException e) {
            throw new InputException(dir + ": cannot list the folder");
        }
    }

    /** The golden file of {@code scenario} in {@code goldenDir}. */
    public static Path goldenFile(Path goldenDir, Path scenario) {
        String name = scenario.getFileName().toString();
        return goldenDir.resolve(name.substring(0, name.length() - ".yaml".length()) + ".json");
    }

    /**
     * Checks every scenario of {@code scenariosDir} against its golden file, or with {@code update}
     * rewrites the golden files (through a temporary file and a rename). {@code progress} gets one
     * line per scenario as it finishes (may be null).
     */
    public static Report run(Path scenariosDir, Path goldenDir, List<String> sets, double tolerance, boolean update,
                             PrintWriter progress) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Path scenario : scenarios(scenariosDir)) {
            Outcome outcome = runOne(scenario, goldenDir, sets, tolerance, update);
            outcomes.add(outcome);
            if (progress != null) {
                printOutcome(outcome, tolerance, progress);
                progress.flush();
            }
        }
        return new Report(outcomes, tolerance);
    }

    private static Outcome runOne(Path scenario, Path goldenDir, List<String> sets, double tolerance, boolean update) {
        String name = scenario.getFileName().toString();
        Path golden = goldenFile(goldenDir, scenario);
        long start = System.nanoTime();
        Map<String, Object> current;
        try {
            current = predict(scenario, sets);
        } catch (InputException e) {
            // A mistake in an override is the user's, not the scenario's: stop with it (exit 2).
            String message = e.getMessage();
            for (String set : sets) {
                String key = set.contains("=") ? set.substring(0, set.indexOf('=')).strip() : set;
                if (message.startsWith("--set ") || message.contains(": " + key + ":")
                        || message.contains(": " + key + ".")) {
                    throw message.startsWith("--set ") ? e : new InputException("--set " + set + ": " + message, e);
                }
            }
            return new Outcome(name, Status.ERROR, List.of(), "cannot run: " + message, seconds(start));
        } catch (RuntimeException e) {
            return new Outcome(name, Status.ERROR, List.of(), "cannot run: " + e.getMessage(), seconds(start));
        }
        if (update) {
            Map<String, Object> file = new LinkedHashMap<>();
            file.put("scenario", name);
            file.put("sets", sets);
            file.put("predictions", Files2.finite(current));
            Files2.writeAtomically(golden, out -> JSON.writeValue(out, file));
            return new Outcome(name, Status.UPDATED, List.of(), "wrote " + golden, seconds(start));
        }
        if (Files.isDirectory(golden)) {
            throw new InputException(golden + ": is a folder, expected a golden file");
        }
        if (!Files.isRegularFile(golden)) {
            return new Outcome(name, Status.MISSING_GOLDEN, List.of(), "no golden file " + golden
                    + " (run moesim regress with --update after review)", seconds(start));
        }
        Golden file = readGolden(golden);
        Map<String, Object> goldenPredictions = file.predictions();
        if (!Objects.equals(file.sets(), sets)) {
            return new Outcome(name, Status.ERROR, List.of(), golden + ": made with overrides " + file.sets()
                    + ", checked with " + sets + "; regenerate with --update", seconds(start));
        }
        List<Change> changes = compare(goldenPredictions, current, tolerance);
        boolean moved = changes.stream().anyMatch(Change::beyond);
        return new Outcome(name, moved ? Status.MOVED : Status.OK, changes, null, seconds(start));
    }

    /** A golden file: the overrides it was made with and its predictions (numbers, true/false or null). */
    record Golden(List<String> sets, Map<String, Object> predictions) {
    }

    /**
     * Reads a golden file strictly: one JSON object with {@code scenario} (text), {@code sets} (a list
     * of KEY=VALUE texts) and {@code predictions} (a map of numbers, true/false or null); anything else
     * is an {@link InputException} naming the file and the key.
     */
    static Golden readGolden(Path golden) {
        com.fasterxml.jackson.databind.JsonNode root = io.moesim.simulator.config.Yaml.readJson(golden);
        if (!root.isObject()) {
            throw new InputException(golden + ": expected a JSON object with scenario, sets and predictions");
        }
        for (java.util.Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (!List.of("scenario", "sets", "predictions").contains(key)) {
                throw InputException.at(golden, key, "unknown key (expected scenario, sets, predictions)");
            }
        }
        com.fasterxml.jackson.databind.JsonNode scenario = root.get("scenario");
        if (scenario != null && !scenario.isTextual()) {
            throw InputException.at(golden, "scenario", "expected the scenario's file name, got " + scenario);
        }
        com.fasterxml.jackson.databind.JsonNode setsNode = root.get("sets");
        if (setsNode == null || !setsNode.isArray()) {
            throw InputException.at(golden, "sets", setsNode == null ? "missing" : "expected a list of KEY=VALUE texts");
        }
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < setsNode.size(); i++) {
            if (!setsNode.get(i).isTextual()) {
                throw InputException.at(golden, "sets[" + i + "]", "expected a KEY=VALUE text, got " + setsNode.get(i));
            }
            sets.add(setsNode.get(i).textValue());
        }
        com.fasterxml.jackson.databind.JsonNode predictionsNode = root.get("predictions");
        if (predictionsNode == null || !predictionsNode.isObject()) {
            throw InputException.at(golden, "predictions", predictionsNode == null ? "missing"
                    : "expected a map of key predictions");
        }
        Map<String, Object> predictions = new LinkedHashMap<>();
        for (var fields = predictionsNode.fields(); fields.hasNext(); ) {
            var field = fields.next();
            com.fasterxml.jackson.databind.JsonNode v = field.getValue();
            Object value;
            if (v.isNumber()) {
                value = v.numberValue();
                if (!Double.isFinite(v.doubleValue())) {
                    throw InputException.at(golden, "predictions." + field.getKey(), "not a finite number: " + v);
                }
            } else if (v.isBoolean()) {
                value = v.booleanValue();
            } else if (v.isNull()) {
                value = null;
            } else {
                throw InputException.at(golden, "predictions." + field.getKey(),
                        "expected a number, true/false or null, got " + (v.isContainerNode() ? "a " + (v.isArray()
                                ? "list" : "map") : v.toString()));
            }
            predictions.put(field.getKey(), value);
        }
        return new Golden(List.copyOf(sets), predictions);
    }

    /** The keys whose value differs between {@code golden} and {@code current}, each marked past {@code tolerance} or not. */
    public static List<Change> compare(Map<?, ?> golden, Map<String, Object> current, double tolerance) {
        Set<String> keys = new LinkedHashSet<>();
        golden.keySet().forEach(k -> keys.add(String.valueOf(k)));
        keys.addAll(current.keySet());
        List<Change> changes = new ArrayList<>();
        for (String key : keys) {
            boolean inGolden = golden.containsKey(key);
            boolean inCurrent = current.containsKey(key);
            Object old = golden.get(key);
            Object now = current.get(key);
            if (!inGolden || !inCurrent) {
                changes.add(new Change(key, old, now, Double.NaN, true));
            } else if (old instanceof Number a && now instanceof Number b) {
                double x = a.doubleValue();
                double y = b.doubleValue();
                if (x != y) {
                    double rel = x == 0 ? Double.POSITIVE_INFINITY * Math.signum(y) : (y - x) / Math.abs(x);
                    changes.add(new Change(key, old, now, rel, !(Math.abs(rel) <= tolerance)));
                }
            } else if (!Objects.equals(old, now)) {
                changes.add(new Change(key, old, now, Double.NaN, true));
            }
        }
        return changes;
    }

    /** Prints one scenario's outcome: status, then every changed key (old -> new, relative change). */
    public static void printOutcome(Outcome o, double tolerance, PrintWriter out) {
        switch (o.status()) {
            case OK -> out.printf(Locale.ROOT, "ok      %s (%.1f s)%s%n", o.scenario(), o.seconds(),
                    o.changes().isEmpty() ? ": identical" : ": " + o.changes().size() + " key(s) moved within "
                            + percent(tolerance));
            case MOVED -> out.printf(Locale.ROOT, "MOVED   %s: %d key(s) past the %s tolerance%n", o.scenario(),
                    o.beyond().size(), percent(tolerance));
            case MISSING_GOLDEN -> out.printf("MISSING %s: %s%n", o.scenario(), o.message());
            case ERROR -> out.printf("ERROR   %s: %s%n", o.scenario(), o.message());
            case UPDATED -> out.printf(Locale.ROOT, "updated %s: %s (%.1f s)%n", o.scenario(), o.message(), o.seconds());
        }
        for (Change c : o.changes()) {
            out.println("    " + describe(c));
        }
    }

    /** One line: {@code ! key: old -> new (+x.x%)}, the mark for a change past the tolerance. */
    public static String describe(Change c) {
        String change = Double.isNaN(c.relativeChange()) ? (c.golden() == null && c.current() != null ? "(new)"
                : c.current() == null && c.golden() != null ? "(gone)" : "(changed)")
                : String.format(Locale.ROOT, "(%+.2f%%)", c.relativeChange() * 100);
        return (c.beyond() ? "! " : "  ") + c.key() + ": " + value(c.golden()) + " -> " + value(c.current()) + " " + change;
    }

    private static String value(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return Math.abs(d) >= 1e-3 && Math.abs(d) < 1e7 || d == 0 ? String.format(Locale.ROOT, "%.6g", d)
                    : String.format(Locale.ROOT, "%.6e", d);
        }
        return String.valueOf(v);
    }

    /** The summary line. */
    public static void printSummary(Report report, PrintWriter out) {
        long failed = report.outcomes().stream().filter(Outcome::failed).count();
        out.printf(Locale.ROOT, "%d scenario(s), %d failed (tolerance %s)%n", report.outcomes().size(), failed,
                percent(report.tolerance()));
        out.flush();
    }

    /** Writes JUnit XML: one testcase per scenario; a failure element lists the moved keys, an error element a missing golden or a failed run. */
    public static void writeJUnit(Report report, Path file) {
        Files2.writeAtomically(file, stream -> {
            try {
                XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(stream, "UTF-8");
                xml.writeStartDocument("UTF-8", "1.0");
                xml.writeCharacters("\n");
                xml.writeStartElement("testsuite");
                xml.writeAttribute("name", "moesim regress");
                xml.writeAttribute("tests", String.valueOf(report.outcomes().size()));
                xml.writeAttribute("failures", String.valueOf(report.outcomes().stream()
                        .filter(o -> o.status() == Status.MOVED).count()));
                xml.writeAttribute("errors", String.valueOf(report.outcomes().stream()
                        .filter(o -> o.status() == Status.MISSING_GOLDEN || o.status() == Status.ERROR).count()));
                xml.writeAttribute("time", String.format(Locale.ROOT, "%.3f",
                        report.outcomes().stream().mapToDouble(Outcome::seconds).sum()));
                for (Outcome o : report.outcomes()) {
                    xml.writeCharacters("\n  ");
                    xml.writeStartElement("testcase");
                    xml.writeAttribute("classname", "moesim.regress");
                    xml.writeAttribute("name", o.scenario());
                    xml.writeAttribute("time", String.format(Locale.ROOT, "%.3f", o.seconds()));
                    if (o.status() == Status.MOVED) {
                        xml.writeStartElement("failure");
                        xml.writeAttribute("message", o.beyond().size() + " key(s) moved past "
                                + percent(report.tolerance()) + ": "
                                + String.join(", ", o.beyond().stream().map(Change::key).toList()));
                        StringBuilder text = new StringBuilder();
                        for (Change c : o.changes()) {
                            text.append(describe(c)).append('\n');
                        }
                        xml.writeCharacters(text.toString());
                        xml.writeEndElement();
                    } else if (o.status() == Status.MISSING_GOLDEN || o.status() == Status.ERROR) {
                        xml.writeStartElement("error");
                        xml.writeAttribute("message", o.message());
                        xml.writeEndElement();
                    }
                    xml.writeEndElement();
                }
                xml.writeCharacters("\n");
                xml.writeEndElement();
                xml.writeCharacters("\n");
                xml.writeEndDocument();
                xml.flush();
            } catch (XMLStreamException e) {
                throw new IOException(e.getMessage(), e);
            }
        });
    }

    private static String percent(double fraction) {
        return Validator.tolerance(fraction);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
