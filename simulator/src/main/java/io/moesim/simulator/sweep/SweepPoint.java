package io.moesim.simulator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One point of a sweep: the values of the varied keys and the key results of running it. A figure
 * that does not apply (TTFT of a decode-only scenario) is NaN. Units are SI.
 *
 * @param index                       position in the grid (first key varies slowest)
 * @param values                      the value of each varied key, in the sweep's key order, as given
 * @param feasible                    whether every pool fits in HBM
 * @param problems                    one line per pool that does not fit
 * @param inputTokensPerSecondPerGpu  prompt tokens/s per prefilling GPU
 * @param outputTokensPerSecondPerGpu generated tokens/s per decoding GPU
 * @param tokensPerSecondPerUser      1 / TPOT p50: tokens/s one request sees while it decodes
 * @param ttftSeconds                 time to first token
 * @param tpotSeconds                 time per output token
 * @param memoryBytesPerGpu           memory needed per GPU in the pool needing the most
 * @param capacityBytesPerGpu         HBM per GPU
 * @param usdPerMillionInputTokens    price of a million prompt tokens
 * @param usdPerMillionOutputTokens   price of a million generated tokens
 * @param paretoThroughput            on the front of output tokens/s per GPU against tokens/s per user
 * @param paretoCost                  on the front of $/M output tokens against TPOT p50 (both minimised)
 * @param uncertainty                 the error band of each headline key that has one (keys of
 *                                    {@code ErrorBands.HEADLINE_KEYS}); absent keys are uncalibrated
 */
public record SweepPoint(int index, List<String> values, boolean feasible, List<String> problems,
                         double inputTokensPerSecondPerGpu, double outputTokensPerSecondPerGpu,
                         double tokensPerSecondPerUser, Percentiles ttftSeconds, Percentiles tpotSeconds,
                         double memoryBytesPerGpu, double capacityBytesPerGpu,
                         double usdPerMillionInputTokens, double usdPerMillionOutputTokens,
                         boolean paretoThroughput, boolean paretoCost, Map<String, Band> uncertainty) {

    public SweepPoint {
        uncertainty = Collections.unmodifiableMap(new LinkedHashMap<>(uncertainty));
        values = List.copyOf(values);
        problems = List.copyOf(problems);
        Objects.requireNonNull(ttftSeconds, "ttftSeconds");
        Objects.requireNonNull(tpotSeconds, "tpotSeconds");
    }

    /**
     * The error band of one headline figure: the range the truth likely lies in, absolute, in the
     * figure's unit (NaN where the figure does not apply), and the validation cases it rests on.
     */
    public record Band(double low, double high, int cases) {
        static Map<String, Band> of(JsonNode uncertainty) {
            Map<String, Band> bands = new LinkedHashMap<>();
            if (uncertainty == null || !uncertainty.isObject()) {
                return bands;
            }
            uncertainty.fields().forEachRemaining(e -> {
                JsonNode b = e.getValue();
                if (b.path("cases").asInt(0) > 0) {
                    bands.put(e.getKey(), new Band(number(b.get("low")), number(b.get("high")), b.path("cases").asInt()));
                }
            });
            return bands;
        }
    }

    /** Latency percentiles in seconds (NaN where they do not apply). */
    public record Percentiles(double p50, double p90, double p99) {
        static final Percentiles NONE = new Percentiles(Double.NaN, Double.NaN, Double.NaN);

        static Percentiles of(JsonNode node) {
            if (node == null || !node.isObject()) {
                return NONE;
            }
            return new Percentiles(number(node.get("p50")), number(node.get("p90")), number(node.get("p99")));
        }
    }

    /**
     * Reads the key results from the results JSON of {@code moesim run} (docs/results.md): the same
     * tree whether it comes from a file or from {@code RunResult.toJson()}.
     */
    public static SweepPoint fromResults(int index, List<String> values, JsonNode results) {
        JsonNode throughput = results.path("throughput");
        JsonNode latency = results.path("latency");
        JsonNode cost = results.path("cost");
        Percentiles tpot = Percentiles.of(latency.get("tpotSeconds"));
        double memory = Double.NaN;
        double capacity = Double.NaN;
        for (JsonNode pool : results.path("memory")) {
            double total = number(pool.get("totalBytes"));
            if (Double.isNaN(memory) || total > memory) {
                memory = total;
                capacity = number(pool.get("capacityBytes"));
            }
        }
        List<String> problems = new ArrayList<>();
        results.path("problems").forEach(p -> problems.add(p.asText()));
        return new SweepPoint(index, values, results.path("feasible").asBoolean(false), problems,
                number(throughput.get("inputTokensPerSecondPerGpu")),
                number(throughput.get("outputTokensPerSecondPerGpu")),
                tpot.p50() > 0 ? 1.0 / tpot.p50() : Double.NaN,
                Percentiles.of(latency.get("ttftSeconds")), tpot, memory, capacity,
                number(cost.get("usdPerMillionInputTokens")), number(cost.get("usdPerMillionOutputTokens")),
                false, false, Band.of(results.get("uncertainty")));
    }

    /** This point with its Pareto flags set. */
    public SweepPoint withPareto(boolean throughput, boolean cost) {
        return new SweepPoint(index, values, feasible, problems, inputTokensPerSecondPerGpu,
                outputTokensPerSecondPerGpu, tokensPerSecondPerUser, ttftSeconds, tpotSeconds, memoryBytesPerGpu,
                capacityBytesPerGpu, usdPerMillionInputTokens, usdPerMillionOutputTokens, throughput, cost, uncertainty);
    }

    static double number(JsonNode node) {
        return node == null || !node.isNumber() ? Double.NaN : node.doubleValue();
    }
}
