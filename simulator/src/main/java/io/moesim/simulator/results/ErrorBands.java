package io.moesim.simulator.results;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.simulator.config.Node;
import io.moesim.simulator.config.Yaml;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far moesim's headline predictions have been from published deployments, per hardware profile
 * and kind of figure: the residuals {@code predicted / measured - 1} of the validation cases
 * (role {@code validation}, deployment-level {@code run} probes) of {@code validation/cases/}, as
 * written by {@code moesim validate --write-bands} to {@code validation/error-bands.yaml} (shipped
 * in the jar). A band is the range those residuals imply for the true value around a prediction
 * (docs/validation.md, "Error bands"): with residuals {@code e_1..e_n}, the truth lies between
 * {@code prediction / (1 + max e)} and {@code prediction / (1 + min e)}; for a cost (price over
 * throughput) it lies between {@code prediction x (1 + min e)} and {@code prediction x (1 + max e)}.
 * A hardware or kind without a case is {@code uncalibrated}: no band is printed.
 *
 * @param residuals per hardware id, per kind, the cases' residuals
 */
public record ErrorBands(Map<String, Map<Kind, List<Residual>>> residuals) {

    /** Classpath location of the shipped file (packaged from {@code validation/error-bands.yaml}). */
    public static final String RESOURCE = "/io/moesim/simulator/results/error-bands.yaml";

    /** The headline keys of {@code moesim run}'s results that carry a band (docs/results.md). */
    public static final List<String> HEADLINE_KEYS = List.of(
            "throughput.inputTokensPerSecondPerGpu", "throughput.outputTokensPerSecondPerGpu",
            "latency.ttftSeconds.p50", "latency.ttftSeconds.p90", "latency.ttftSeconds.p99",
            "latency.tpotSeconds.p50", "latency.tpotSeconds.p90", "latency.tpotSeconds.p99",
            "cost.usdPerMillionInputTokens", "cost.usdPerMillionOutputTokens");

    public ErrorBands {
        Map<String, Map<Kind, List<Residual>>> copy = new TreeMap<>();
        residuals.forEach((hw, kinds) -> {
            Map<Kind, List<Residual>> k = new EnumMap<>(Kind.class);
            kinds.forEach((kind, list) -> {
                if (!list.isEmpty()) {
                    k.put(kind, List.copyOf(list.stream().sorted((a, b) -> a.caseId().compareTo(b.caseId())).toList()));
                }
            });
            if (!k.isEmpty()) {
                copy.put(hw, Collections.unmodifiableMap(k));
            }
        });
        residuals = Collections.unmodifiableMap(copy);
    }

    /** The kind of figure a validation case measures, and so which headline keys its residual informs. */
    public enum Kind {
        /** Tokens per second (input or output, per GPU or node); also informs the cost keys (price over throughput). */
        THROUGHPUT("throughput"),
        /** Time to first token. */
        TTFT("ttft"),
        /** Time per output token (or its inverse, tokens per second per user). */
        TPOT("tpot");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        static Kind of(String key) {
            for (Kind k : values()) {
                if (k.key.equals(key)) {
                    return k;
                }
            }
            return null;
        }

        /** The kind whose residuals inform a headline key, and whether the key scales as its inverse (a cost). */
        static Kind forHeadline(String headlineKey) {
            if (headlineKey.startsWith("throughput.") || headlineKey.startsWith("cost.")) {
                return THROUGHPUT;
            }
            if (headlineKey.startsWith("latency.ttftSeconds")) {
                return TTFT;
            }
            if (headlineKey.startsWith("latency.tpotSeconds")) {
                return TPOT;
            }
            throw new IllegalArgumentException("not a headline key: " + headlineKey);
        }
    }

    /** One validation case's residual {@code predicted / measured - 1}, expressed on its kind (a cost case on throughput). */
    public record Residual(String caseId, double residual) {
    }

    /**
     * The band of one headline key on one hardware.
     *
     * @param relativeLow  lower end of the truth relative to the prediction ({@code -0.09}: 9% below); null when uncalibrated
     * @param relativeHigh upper end; null when uncalibrated
     * @param caseIds      the validation cases it rests on (empty when uncalibrated)
     * @param basis        one line saying what the band is (or why there is none)
     */
    public record Band(Double relativeLow, Double relativeHigh, List<String> caseIds, String basis) {
        public Band {
            caseIds = List.copyOf(caseIds);
        }

        public boolean calibrated() {
            return relativeLow != null;
        }

        public int cases() {
            return caseIds.size();
        }

        /** {@code -9% / +7%, 6 validation cases on h800}, or {@code uncalibrated: ...}. */
        public String text(String hardware) {
            if (!calibrated()) {
                return basis;
            }
            return String.format(Locale.ROOT, "%+.0f%% / %+.0f%%, %d validation case%s on %s", relativeLow * 100,
                    relativeHigh * 100, cases(), cases() == 1 ? "" : "s", hardware);
        }
    }

    /** No residuals: every key uncalibrated. */
    public static ErrorBands empty() {
        return new ErrorBands(Map.of());
    }

    /** The band of {@code headlineKey} (one of {@link #HEADLINE_KEYS}) on {@code hardware}. */
    public Band band(String hardware, String headlineKey) {
        Kind kind = Kind.forHeadline(headlineKey);
        List<Residual> list = residuals.getOrDefault(hardware, Map.of()).getOrDefault(kind, List.of());
        if (list.isEmpty()) {
            return new Band(null, null, List.of(), "uncalibrated: no validation case of " + kind.key() + " on " + hardware);
        }
        double min = list.stream().mapToDouble(Residual::residual).min().orElseThrow();
        double max = list.stream().mapToDouble(Residual::residual).max().orElseThrow();
        boolean cost = headlineKey.startsWith("cost.");
        double low = cost ? min : 1 / (1 + max) - 1;
        double high = cost ? max : 1 / (1 + min) - 1;
        String basis = String.format(Locale.ROOT, "range of %d validation residual%s of %s on %s (%+.1f%% .. %+.1f%%)%s",
                list.size(), list.size() == 1 ? "" : "s", kind.key(), hardware, min * 100, max * 100,
                cost ? "; cost = price / throughput" : "");
        return new Band(low, high, list.stream().map(Residual::caseId).toList(), basis);
    }

    /**
     * The {@code uncertainty} tree of a results JSON: for each headline key, {@code low} and
     * {@code high} (absolute, in the key's unit; null when uncalibrated or when the key does not
     * apply), {@code relativeLow}, {@code relativeHigh}, {@code cases}, {@code caseIds}, {@code basis}.
     */
    public Map<String, Object> uncertainty(String hardware, Map<String, Object> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : HEADLINE_KEYS) {
            Band band = band(hardware, key);
            Double value = lookup(results, key);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("low", band.calibrated() && value != null ? value * (1 + band.relativeLow()) : null);
            entry.put("high", band.calibrated() && value != null ? value * (1 + band.relativeHigh()) : null);
            entry.put("relativeLow", band.relativeLow());
            entry.put("relativeHigh", band.relativeHigh());
            entry.put("cases", band.cases());
            entry.put("caseIds", band.caseIds());
            entry.put("basis", band.basis());
            out.put(key, entry);
        }
        return out;
    }

    /** A number of a results tree by dotted key; null when absent or not a number. */
    static Double lookup(Map<String, Object> results, String key) {
        Object node = results;
        for (String part : key.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(part);
        }
        return node instanceof Number n ? n.doubleValue() : null;
    }

    /** The shipped bands (empty, so every key uncalibrated, if the jar carries none); read once. */
    public static ErrorBands shipped() {
        return Shipped.BANDS;
    }

    private static final class Shipped {
        static final ErrorBands BANDS = load();
    }

    private static ErrorBands load() {
        try (InputStream in = ErrorBands.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return empty();
            }
            return parse("validation/error-bands.yaml", Yaml.read("validation/error-bands.yaml", in));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    /** Reads a bands file. */
    public static ErrorBands read(Path file) {
        return parse(file, Yaml.read(file));
    }

    /** Parses the tree of a bands file strictly (unknown keys, kinds or bad numbers name the file and field). */
    public static ErrorBands parse(Object source, JsonNode tree) {
        Node root = Node.root(source, tree);
        root.allow("basis");
        Map<String, Map<Kind, List<Residual>>> result = new TreeMap<>();
        JsonNode hardware = root.raw("hardware");
        if (hardware != null) {
            if (!hardware.isObject()) {
                throw root.error("hardware", "expected a map of hardware ids");
            }
            Node hwNode = root.map("hardware");
            for (var hw : (Iterable<Map.Entry<String, JsonNode>>) hardware::fields) {
                Node kinds = hwNode.map(hw.getKey());
                Map<Kind, List<Residual>> byKind = new EnumMap<>(Kind.class);
                for (var k : (Iterable<Map.Entry<String, JsonNode>>) hw.getValue()::fields) {
                    Kind kind = Kind.of(k.getKey());
                    if (kind == null) {
                        throw kinds.error(k.getKey(), "not a kind of figure (throughput, ttft, tpot)");
                    }
                    List<Residual> list = new ArrayList<>();
                    for (Node r : kinds.listOfMaps(k.getKey())) {
                        list.add(new Residual(r.string("case"), r.number("residual", -1 + 1e-9, 1e9)));
                        r.finish();
                    }
                    byKind.put(kind, list);
                }
                kinds.finish();
                result.put(hw.getKey(), byKind);
            }
            hwNode.finish();
        }
        root.finish();
        return new ErrorBands(result);
    }

    /** The file's text: a header saying how it is made, then the residuals (4 significant decimals). */
    public String yaml() {
        StringBuilder out = new StringBuilder();
        out.append("# Error bands of moesim's headline predictions: per hardware profile and kind of figure, the\n");
        out.append("# residuals (predicted / measured - 1) of the validation cases of validation/cases/ (role: validation,\n");
        out.append("# run probes; known gaps included). GENERATED: do not edit; regenerate with\n");
        out.append("#   ./moesim validate --write-bands\n");
        out.append("# and commit. ValidationSuiteTest fails when this file no longer matches the cases. How a band is\n");
        out.append("# formed from these residuals: docs/validation.md, section \"Error bands\".\n");
        out.append("basis: range (min..max) of the validation residuals of the hardware and kind\n");
        out.append("hardware:");
        if (residuals.isEmpty()) {
            out.append(" {}");
        }
        out.append('\n');
        residuals.forEach((hw, kinds) -> {
            out.append("  ").append(hw).append(":\n");
            kinds.forEach((kind, list) -> {
                out.append("    ").append(kind.key()).append(":\n");
                for (Residual r : list) {
                    out.append(String.format(Locale.ROOT, "      - { case: %s, residual: %.4f }\n", r.caseId(), r.residual()));
                }
            });
        });
        return out.toString();
    }

    /** These bands with every residual rounded as the file writes it (for comparing with a file read back). */
    public ErrorBands rounded() {
        Map<String, Map<Kind, List<Residual>>> copy = new TreeMap<>();
        residuals.forEach((hw, kinds) -> {
            Map<Kind, List<Residual>> k = new EnumMap<>(Kind.class);
            kinds.forEach((kind, list) -> k.put(kind, list.stream()
                    .map(r -> new Residual(r.caseId(), Double.parseDouble(String.format(Locale.ROOT, "%.4f", r.residual()))))
                    .toList()));
            copy.put(hw, k);
        });
        return new ErrorBands(copy);
    }
}
