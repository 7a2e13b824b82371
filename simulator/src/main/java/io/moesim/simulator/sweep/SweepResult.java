package io.moesim.simulator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.InputException;
import io.moesim.models.io.OutputFiles;
import io.moesim.simulator.config.Yaml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The points of a sweep in grid order, with their Pareto flags, and its files {@code sweep.csv} and
 * {@code sweep.json} (format in {@code docs/reports.md}).
 *
 * @param scenario the scenario file swept
 * @param name     the scenario's name
 * @param sets     the {@code --set} overrides applied to every point
 * @param axes     the varied keys
 * @param points   one per grid point, first key varying slowest
 */
public record SweepResult(String scenario, String name, List<String> sets, List<SweepAxis> axes,
                          List<SweepPoint> points) {

    public static final String CSV = "sweep.csv";
    public static final String JSON = "sweep.json";

    private static final String[] RESULT_COLUMNS = {
        "feasible", "inputTokensPerSecondPerGpu", "outputTokensPerSecondPerGpu", "tokensPerSecondPerUser",
        "ttftP50Seconds", "ttftP90Seconds", "ttftP99Seconds", "tpotP50Seconds", "tpotP90Seconds", "tpotP99Seconds",
        "memoryBytesPerGpu", "capacityBytesPerGpu", "usdPerMillionInputTokens", "usdPerMillionOutputTokens",
        "paretoThroughput", "paretoCost"};

    /**
     * The headline keys with an error band (io.moesim.simulator.results.ErrorBands.HEADLINE_KEYS) and
     * their CSV column stems: each gets {@code <stem>Low} and {@code <stem>High} (empty when uncalibrated).
     */
    private static final String[][] BAND_COLUMNS = {
        {"throughput.inputTokensPerSecondPerGpu", "inputTokensPerSecondPerGpu"},
        {"throughput.outputTokensPerSecondPerGpu", "outputTokensPerSecondPerGpu"},
        {"latency.ttftSeconds.p50", "ttftP50Seconds"}, {"latency.ttftSeconds.p90", "ttftP90Seconds"},
        {"latency.ttftSeconds.p99", "ttftP99Seconds"}, {"latency.tpotSeconds.p50", "tpotP50Seconds"},
        {"latency.tpotSeconds.p90", "tpotP90Seconds"}, {"latency.tpotSeconds.p99", "tpotP99Seconds"},
        {"cost.usdPerMillionInputTokens", "usdPerMillionInputTokens"},
        {"cost.usdPerMillionOutputTokens", "usdPerMillionOutputTokens"}};

    public SweepResult {
        sets = List.copyOf(sets);
        axes = List.copyOf(axes);
        points = List.copyOf(points);
    }

    /**
     * Writes the folder {@code dir} with {@code sweep.csv} and {@code sweep.json}: built in a temporary
     * sibling folder and swapped into place ({@link OutputFiles#writeFolder}), so a reader never sees the
     * CSV of one sweep beside the JSON of another. An existing {@code dir} may hold only these files.
     */
    public void write(Path dir) {
        byte[] csv = csv().getBytes(StandardCharsets.UTF_8);
        byte[] json;
        try {
            json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json());
        } catch (IOException e) {
            throw io.moesim.simulator.config.WriteErrors.of(dir.resolve(JSON), e);
        }
        OutputFiles.writeFolder(dir, SweepResult::isSweepFile, folder -> {
            Files.write(folder.resolve(CSV), csv);
            Files.write(folder.resolve(JSON), json);
        });
    }

    /** Checks before any work that {@link #write} could replace {@code dir} (see {@link OutputFiles#checkFolder}). */
    public static void checkFolder(Path dir) {
        OutputFiles.checkFolder(dir, SweepResult::isSweepFile);
    }

    private static boolean isSweepFile(String name) {
        return name.equals(CSV) || name.equals(JSON);
    }

    /** The CSV text: a header, then one row per point; a figure that does not apply is empty. */
    public String csv() {
        StringBuilder out = new StringBuilder("index");
        for (SweepAxis axis : axes) {
            out.append(',').append(csvField(axis.key()));
        }
        // the band columns go before the two Pareto flags, which stay last
        for (int c = 0; c < RESULT_COLUMNS.length - 2; c++) {
            out.append(',').append(RESULT_COLUMNS[c]);
        }
        for (String[] band : BAND_COLUMNS) {
            out.append(',').append(band[1]).append("Low,").append(band[1]).append("High");
        }
        out.append(",paretoThroughput,paretoCost");
        out.append('\n');
        for (SweepPoint p : points) {
            out.append(p.index());
            for (String v : p.values()) {
                out.append(',').append(csvField(v));
            }
            Object[] cells = {p.feasible(), p.inputTokensPerSecondPerGpu(), p.outputTokensPerSecondPerGpu(),
                p.tokensPerSecondPerUser(), p.ttftSeconds().p50(), p.ttftSeconds().p90(), p.ttftSeconds().p99(),
                p.tpotSeconds().p50(), p.tpotSeconds().p90(), p.tpotSeconds().p99(), p.memoryBytesPerGpu(),
                p.capacityBytesPerGpu(), p.usdPerMillionInputTokens(), p.usdPerMillionOutputTokens()};
            List<Object> all = new ArrayList<>(List.of(cells));
            for (String[] band : BAND_COLUMNS) {
                SweepPoint.Band b = p.uncertainty().get(band[0]);
                all.add(b == null ? Double.NaN : b.low());
                all.add(b == null ? Double.NaN : b.high());
            }
            all.add(p.paretoThroughput());
            all.add(p.paretoCost());
            for (Object cell : all) {
                out.append(',');
                if (cell instanceof Double d) {
                    if (!Double.isNaN(d)) {
                        out.append(String.format(Locale.ROOT, "%.6g", d));
                    }
                } else {
                    out.append(cell);
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String csvField(String text) {
        if (text.contains(",") || text.contains("\"") || text.contains("\n")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }

    /** The JSON tree. Varied values are written as YAML reads them (a number, a string, a map). */
    public ObjectNode json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("scenario", scenario);
        root.put("name", name);
        ArrayNode setsNode = root.putArray("sets");
        sets.forEach(setsNode::add);
        ArrayNode axesNode = root.putArray("axes");
        for (SweepAxis axis : axes) {
            ObjectNode a = axesNode.addObject();
            a.put("key", axis.key());
            ArrayNode values = a.putArray("values");
            axis.values().forEach(v -> values.add(yamlValue(v)));
        }
        ArrayNode pointsNode = root.putArray("points");
        for (SweepPoint p : points) {
            ObjectNode n = pointsNode.addObject();
            n.put("index", p.index());
            ObjectNode values = n.putObject("values");
            for (int k = 0; k < axes.size(); k++) {
                values.set(axes.get(k).key(), yamlValue(p.values().get(k)));
            }
            n.put("feasible", p.feasible());
            ArrayNode problems = n.putArray("problems");
            p.problems().forEach(problems::add);
            number(n, "inputTokensPerSecondPerGpu", p.inputTokensPerSecondPerGpu());
            number(n, "outputTokensPerSecondPerGpu", p.outputTokensPerSecondPerGpu());
            number(n, "tokensPerSecondPerUser", p.tokensPerSecondPerUser());
            percentiles(n.putObject("ttftSeconds"), p.ttftSeconds());
            percentiles(n.putObject("tpotSeconds"), p.tpotSeconds());
            number(n, "memoryBytesPerGpu", p.memoryBytesPerGpu());
            number(n, "capacityBytesPerGpu", p.capacityBytesPerGpu());
            number(n, "usdPerMillionInputTokens", p.usdPerMillionInputTokens());
            number(n, "usdPerMillionOutputTokens", p.usdPerMillionOutputTokens());
            n.put("paretoThroughput", p.paretoThroughput());
            n.put("paretoCost", p.paretoCost());
            ObjectNode bands = n.putObject("uncertainty");
            p.uncertainty().forEach((key, b) -> {
                ObjectNode band = bands.putObject(key);
                number(band, "low", b.low());
                number(band, "high", b.high());
                band.put("cases", b.cases());
            });
        }
        return root;
    }

    /** Reads {@code dir/sweep.json} back. */
    public static SweepResult read(Path dir) {
        Path file = dir.resolve(JSON);
        if (!Files.exists(file)) {
            throw new InputException(file + ": no such file (is " + dir + " a sweep's output folder?)");
        }
        JsonNode root = io.moesim.simulator.config.Yaml.readJson(file);
        for (String key : List.of("axes", "points")) {
            if (!root.path(key).isArray() || root.path(key).isEmpty()) {
                throw InputException.at(file, key, root.has(key) ? "expected a non-empty list"
                        : "missing (is " + dir + " a sweep's output folder?)");
            }
        }
        List<SweepAxis> axes = new ArrayList<>();
        for (int i = 0; i < root.get("axes").size(); i++) {
            JsonNode a = root.get("axes").get(i);
            if (!a.path("key").isTextual() || !a.path("values").isArray()) {
                throw InputException.at(file, "axes[" + i + "]", "expected { key: TEXT, values: [...] }");
            }
            List<String> values = new ArrayList<>();
            a.path("values").forEach(v -> values.add(text(v)));
            try {
                axes.add(new SweepAxis(a.path("key").asText(), values));
            } catch (InputException e) {
                throw InputException.at(file, "axes[" + i + "]", e.getMessage().replaceFirst("^--vary ", ""));
            }
        }
        List<SweepPoint> points = new ArrayList<>();
        for (JsonNode n : root.get("points")) {
            List<String> values = new ArrayList<>();
            for (SweepAxis axis : axes) {
                values.add(text(n.path("values").path(axis.key())));
            }
            List<String> problems = new ArrayList<>();
            n.path("problems").forEach(p -> problems.add(p.asText()));
            points.add(new SweepPoint(n.path("index").asInt(), values, n.path("feasible").asBoolean(),
                    problems, SweepPoint.number(n.get("inputTokensPerSecondPerGpu")),
                    SweepPoint.number(n.get("outputTokensPerSecondPerGpu")),
                    SweepPoint.number(n.get("tokensPerSecondPerUser")),
                    SweepPoint.Percentiles.of(n.get("ttftSeconds")), SweepPoint.Percentiles.of(n.get("tpotSeconds")),
                    SweepPoint.number(n.get("memoryBytesPerGpu")), SweepPoint.number(n.get("capacityBytesPerGpu")),
                    SweepPoint.number(n.get("usdPerMillionInputTokens")),
                    SweepPoint.number(n.get("usdPerMillionOutputTokens")),
                    n.path("paretoThroughput").asBoolean(), n.path("paretoCost").asBoolean(),
                    SweepPoint.Band.of(n.get("uncertainty"))));
        }
        List<String> sets = new ArrayList<>();
        root.path("sets").forEach(s -> sets.add(s.asText()));
        return new SweepResult(root.path("scenario").asText(), root.path("name").asText(), sets, axes, points);
    }

    private static String text(JsonNode value) {
        return value.isTextual() ? value.textValue() : value.toString();
    }

    private static JsonNode yamlValue(String text) {
        try {
            return Yaml.readValue(text);
        } catch (IOException e) {
            return new ObjectMapper().getNodeFactory().textNode(text);
        }
    }

    private static void number(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static void percentiles(ObjectNode node, SweepPoint.Percentiles p) {
        number(node, "p50", p.p50());
        number(node, "p90", p.p90());
        number(node, "p99", p.p99());
    }
}
