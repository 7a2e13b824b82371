package io.moesim.validation;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.simulator.config.Node;
import io.moesim.simulator.config.Yaml;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads validation case files ({@code *.yaml}) strictly: an unknown or missing key, a bad value or
 * an unknown unit is one {@link InputException} line naming the file and the field.
 */
public final class CaseLoader {

    /** The largest measured figure, in any unit (far above 1e15 bytes or parameters). */
    static final double MAX_MEASURED = 1e18;

    private CaseLoader() {
    }

    /** Every {@code *.yaml} case of {@code dir}, sorted by file name. */
    public static List<ValidationCase> loadDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InputException(dir + ": not a folder of validation cases");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new InputException(dir + ": cannot list the folder");
        }
        if (files.isEmpty()) {
            throw new InputException(dir + ": no *.yaml validation cases");
        }
        List<ValidationCase> cases = new ArrayList<>();
        for (Path file : files) {
            cases.add(load(file));
        }
        return cases;
    }

    /** Reads one case file. */
    public static ValidationCase load(Path file) {
        Node root = Node.root(file, Yaml.read(file));
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(".yaml") ? fileName.substring(0, fileName.length() - 5) : fileName;
        String description = root.string("description");
        ValidationCase.Role role = root.choice("role", "validation", "validation", "calibration").equals("calibration")
                ? ValidationCase.Role.CALIBRATION : ValidationCase.Role.VALIDATION;
        Node source = root.map("source");
        String url = source.string("url");
        String section = source.string("section");
        source.finish();
        Node measured = root.map("measured");
        double value = measured.number("value");
        if (!(value > 0) || value > MAX_MEASURED) {
            throw measured.error("value", Node.format(value) + " is out of range (0, 1e18]: a measured figure is a"
                    + " positive amount, and the error is relative to it");
        }
        String unit = measured.string("unit");
        if (!Units.known(unit)) {
            throw measured.error("unit", "'" + unit + "' is not one of " + Units.names());
        }
        measured.finish();
        double tolerance = tolerance(root);
        ValidationCase.Expect expect = root.choice("expect", "pass", "pass", "known-gap").equals("known-gap")
                ? ValidationCase.Expect.KNOWN_GAP : ValidationCase.Expect.PASS;
        String reason = root.has("reason") ? root.string("reason") : null;
        if (expect == ValidationCase.Expect.KNOWN_GAP && reason == null) {
            throw root.error("reason", "missing: a known gap must say why the model misses");
        }
        if (expect == ValidationCase.Expect.PASS && reason != null) {
            throw root.error("reason", "only a known gap (expect: known-gap) takes a reason");
        }
        root.allow("note");
        ValidationCase.Pair pair = null;
        if (root.has("pair")) {
            Node p = root.map("pair");
            String partner = p.string("case");
            if (partner.equals(name)) {
                throw p.error("case", "a case cannot be its own pair partner");
            }
            Double ratio = p.has("publishedRatio") ? p.positive("publishedRatio") : null;
            p.raw("publishedRatio");
            p.finish();
            pair = new ValidationCase.Pair(partner, ratio);
        } else {
            root.raw("pair");
        }
        boolean band = root.bool("band", true);
        if (!band && expect != ValidationCase.Expect.KNOWN_GAP) {
            throw root.error("band", "only a known gap (expect: known-gap) whose published setup moesim cannot express"
                    + " may be left out of the error bands");
        }
        Node probeNode = root.map("probe");
        Probe probe = probe(probeNode, file.toAbsolutePath().getParent());
        String[] hardwareAndModel = hardwareAndModel(probe, probeNode);
        root.finish();
        return new ValidationCase(file.toString(), name, description, role, url, section, value, unit, tolerance,
                expect, reason, probe, hardwareAndModel[0], hardwareAndModel[1], pair,
                band);
    }

    /** Reads {@code tolerance}: a fraction (0.15) or a percentage ("15%"). */
    private static double tolerance(Node root) {
        JsonNode raw = root.raw("tolerance");
        if (raw == null) {
            throw root.error("tolerance", "missing");
        }
        double tolerance;
        try {
            tolerance = parseTolerance(raw.asText());
        } catch (IllegalArgumentException e) {
            throw root.error("tolerance", e.getMessage());
        }
        return tolerance;
    }

    /** Parses a relative tolerance written as a fraction ({@code 0.02}) or a percentage ({@code 2%}). */
    public static double parseTolerance(String text) {
        String t = text.strip();
        double value;
        try {
            value = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).strip()) / 100
                    : Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a fraction (0.02) or a percentage (2%)");
        }
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException("'" + text + "' must be a non-negative number");
        }
        return value;
    }

    /** The hardware profile id and model id a probe computes on (a run's from its scenario, with its overrides). */
    private static String[] hardwareAndModel(Probe probe, Node probeNode) {
        return switch (probe) {
            case Probe.Run r -> {
                Scenario scenario;
                try {
                    scenario = new ScenarioLoader().load(r.scenario(), r.sets());
                } catch (InputException e) {
                    throw probeNode.error("run", "the scenario does not load: " + e.getMessage());
                }
                yield new String[] {scenario.hardware().id(), scenario.model().id()};
            }
            case Probe.AllToAll a -> new String[] {a.hardware(), a.model()};
            case Probe.Gemm g -> new String[] {g.hardware(), "deepseek-v3"};
            case Probe.MlaDecodeAttention m -> new String[] {m.hardware(), m.model()};
            case Probe.ModelFigure m -> new String[] {ValidationCase.NO_HARDWARE, m.model()};
        };
    }

    private static Probe probe(Node probe, Path dir) {
        List<String> kinds = new ArrayList<>();
        for (String kind : List.of("run", "allToAll", "gemm", "mlaDecodeAttention", "model")) {
            if (probe.has(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.size() != 1) {
            throw probe.error("expected exactly one of run, allToAll, gemm, mlaDecodeAttention, model"
                    + (kinds.isEmpty() ? "" : "; got " + String.join(", ", kinds)));
        }
        Node p = probe.map(kinds.getFirst());
        Probe result = switch (kinds.getFirst()) {
            case "run" -> {
                Path scenario = dir.resolve(p.string("scenario"));
                if (!Files.isRegularFile(scenario)) {
                    throw p.error("scenario", scenario + ": no such file");
                }
                List<String> sets = new ArrayList<>();
                JsonNode raw = p.raw("set");
                if (raw != null) {
                    if (!raw.isArray()) {
                        throw p.error("set", "expected a list of KEY=VALUE overrides");
                    }
                    for (JsonNode s : raw) {
                        if (!s.isTextual() || !s.asText().contains("=")) {
                            throw p.error("set", "'" + s.asText() + "' is not KEY=VALUE");
                        }
                        sets.add(s.asText());
                    }
                }
                boolean analytic = p.choice("method", "simulation", "simulation", "analytic").equals("analytic");
                String key = p.string("key");
                double scale = p.has("scale") ? p.positive("scale") : 1.0;
                p.raw("scale");
                yield new Probe.Run(scenario, sets, analytic, key, scale);
            }
            case "allToAll" -> {
                String hardware = p.string("hardware");
                String model = p.string("model", "deepseek-v3");
                int ep = p.integer("ep", 2, 1 << 16);
                Probe.Kernel kernel = p.choice("kernel", null, "normal", "low-latency").equals("normal")
                        ? Probe.Kernel.NORMAL : Probe.Kernel.LOW_LATENCY;
                Probe.Phase phase = p.choice("phase", null, "dispatch", "combine").equals("dispatch")
                        ? Probe.Phase.DISPATCH : Probe.Phase.COMBINE;
                double tokens = p.positive("tokensPerGpu");
                String output = p.choice("output", null, "seconds", "bandwidth");
                String link = output.equals("bandwidth") ? p.choice("link", null, "nvlink", "rdma") : null;
                String dispatch = p.choice("dispatch", "fp8", "fp8", "bf16");
                yield new Probe.AllToAll(hardware, model, ep, kernel, phase, tokens, output, link,
                        io.moesim.simulator.hardware.DataType.parse(dispatch));
            }
            case "gemm" -> new Probe.Gemm(p.string("hardware"), p.positive("m"), p.positive("n"), p.positive("k"),
                    p.integer("groups", 1, 1 << 16, 1),
                    io.moesim.simulator.hardware.DataType.parse(p.choice("dtype", "fp8", "bf16", "fp8", "fp4")));
            case "mlaDecodeAttention" -> new Probe.MlaDecodeAttention(p.string("hardware"),
                    p.string("model", "deepseek-v3"), p.positive("batchPerGpu"), p.positive("contextTokens"),
                    p.choice("output", "flops", "flops", "kvBandwidth"));
            case "model" -> {
                String model = p.string("model");
                String quantity = p.choice("quantity", null, "totalParameters", "activeParameters",
                        "kvCacheBytesPerToken");
                double bytes = p.has("kvBytesPerElement") ? p.positive("kvBytesPerElement") : 2.0;
                p.raw("kvBytesPerElement");
                yield new Probe.ModelFigure(model, quantity, bytes);
            }
            default -> throw new IllegalStateException(kinds.getFirst());
        };
        p.finish();
        probe.finish();
        for (String key : List.of("model", "hardware")) {
            if (p.has(key)) {
                String id = p.string(key);
                try {
                    if (key.equals("model")) {
                        io.moesim.models.spec.ModelSpecs.resolve(id, Path.of("."));
                    } else {
                        io.moesim.simulator.hardware.HardwareProfiles.byId(id);
                    }
                } catch (InputException e) {
                    throw p.error(key, e.getMessage());
                }
            }
        }
        return result;
    }
}
