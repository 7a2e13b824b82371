package io.moesim.reports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import io.moesim.simulator.scenario.Workload;
import io.moesim.simulator.sweep.SweepPoint;
import io.moesim.simulator.sweep.SweepResult;
import io.moesim.simulator.sweep.SweepRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds a {@link Report} from what {@code moesim report} is given: a scenario (run here), a results
 * JSON of {@code moesim run --json}, or a sweep's output folder. Charts read the results JSON
 * (docs/results.md), so they draw the same whichever way the results came.
 */
public final class Reports {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Reports() {
    }

    /**
     * The report of {@code input}: a folder is a sweep's output, a {@code .json} file a run's results,
     * anything else a scenario YAML (run with {@code sets}).
     */
    public static Report of(Path input, List<String> sets, List<ValidationRow> validation) {
        if (Files.isDirectory(input)) {
            if (!sets.isEmpty()) {
                throw new InputException("--set applies to a scenario, not to the sweep folder " + input);
            }
            return ofSweep(input);
        }
        if (!Files.isRegularFile(input)) {
            throw new InputException(input + ": no such file or folder");
        }
        if (input.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            if (!sets.isEmpty()) {
                throw new InputException("--set applies to a scenario, not to the results file " + input);
            }
            return ofResults(input, validation);
        }
        return ofScenario(input, sets, validation, SweepRunner::runResults);
    }

    /** Runs the scenario, then draws memory, timeline, expert loads and cost across hardware. */
    public static Report ofScenario(Path file, List<String> sets, List<ValidationRow> validation,
                                    Function<Scenario, JsonNode> run) {
        ScenarioLoader loader = new ScenarioLoader();
        Scenario scenario = loader.load(file, sets);
        JsonNode results = run.apply(scenario);
        List<Page> pages = new ArrayList<>();
        pages.add(memoryPage(results));
        pages.add(timelinePage(results));
        pages.add(heatmapPage(results, scenario));
        pages.addAll(costPages(file, sets, loader, run));
        addValidation(pages, validation);
        return withTitle(scenario.name(), facts(results, scenario), pages);
    }

    /** Draws memory, timeline and (when the results carry them) expert loads from a results JSON. */
    public static Report ofResults(Path file, List<ValidationRow> validation) {
        JsonNode results = readResults(file);
        List<Page> pages = new ArrayList<>();
        pages.add(memoryPage(results));
        pages.add(timelinePage(results));
        Page heatmap = heatmapFromResults(results);
        if (heatmap != null) {
            pages.add(heatmap);
        }
        addValidation(pages, validation);
        return withTitle(results.path("scenario").asText(file.getFileName().toString()), facts(results, null), pages);
    }

    /** The memory figures of each pool a results JSON must hold (docs/results.md). */
    static final List<String> MEMORY_FIELDS = List.of("weightsBytes", "kvCacheBytes", "activationBytes", "bufferBytes",
            "reservedBytes", "capacityBytes");

    /**
     * Reads a results JSON of {@code moesim run --json} strictly: one JSON object (keys unique) with a
     * non-empty {@code memory} map whose pools each hold finite, non-negative {@link #MEMORY_FIELDS}
     * (capacity above 0), and a non-empty {@code pools} map of maps. Errors name the file and the key.
     */
    static JsonNode readResults(Path file) {
        JsonNode results = io.moesim.simulator.config.Yaml.readJson(file);
        if (!results.isObject()) {
            throw new InputException(file + ": not the results of moesim run (expected a JSON object with memory and pools)");
        }
        for (String key : List.of("memory", "pools")) {
            JsonNode node = results.get(key);
            if (node == null || !node.isObject() || node.isEmpty()) {
                throw InputException.at(file, key, node == null ? "missing (is this the results of moesim run --json?)"
                        : "expected a map with one entry per pool");
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = results.get("memory").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> pool = it.next();
            String at = "memory." + pool.getKey();
            if (!pool.getValue().isObject()) {
                throw InputException.at(file, at, "expected a map of memory figures");
            }
            for (String field : MEMORY_FIELDS) {
                JsonNode v = pool.getValue().get(field);
                if (v == null || !v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() < 0
                        || (field.equals("capacityBytes") && v.doubleValue() <= 0)) {
                    throw InputException.at(file, at + "." + field, v == null ? "missing"
                            : "expected a finite number of bytes" + (field.equals("capacityBytes") ? " above 0" : " >= 0")
                            + ", got " + v);
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = results.get("pools").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> pool = it.next();
            if (!pool.getValue().isObject()) {
                throw InputException.at(file, "pools." + pool.getKey(), "expected a map");
            }
        }
        return results;
    }

    /** Draws a sweep's two Pareto fronts and a table of the points on them. */
    public static Report ofSweep(Path dir) {
        SweepResult sweep = SweepResult.read(dir);
        List<Page> pages = new ArrayList<>();
        String note = "Each point is one grid point, labelled with its varied values ("
                + String.join(", ", sweep.axes().stream().map(a -> a.key()).toList()) + ").";
        List<Charts.ParetoPoint> throughput = new ArrayList<>();
        List<Charts.ParetoPoint> cost = new ArrayList<>();
        for (SweepPoint p : sweep.points()) {
            String label = String.join(", ", p.values());
            SweepPoint.Band tb = p.uncertainty().get("throughput.outputTokensPerSecondPerGpu");
            SweepPoint.Band cb = p.uncertainty().get("cost.usdPerMillionOutputTokens");
            throughput.add(new Charts.ParetoPoint(label, p.tokensPerSecondPerUser(), p.outputTokensPerSecondPerGpu(),
                    p.feasible(), p.paretoThroughput(), tb == null ? Double.NaN : tb.low(),
                    tb == null ? Double.NaN : tb.high()));
            cost.add(new Charts.ParetoPoint(label, p.tpotSeconds().p50() * 1e3, p.usdPerMillionOutputTokens(),
                    p.feasible(), p.paretoCost(), cb == null ? Double.NaN : cb.low(), cb == null ? Double.NaN : cb.high()));
        }
        pages.add(new Page.Chart("pareto-throughput", "Throughput per GPU against speed per user",
                Charts.pareto("Throughput per GPU against speed per user", "tokens/s per user (1 / TPOT p50)",
                        "output tokens/s per GPU", throughput, note + " Up and right is better. Vertical bars: error band from the hardware's validation"
                                + " cases (none where uncalibrated).")));
        pages.add(new Page.Chart("pareto-cost", "Cost against latency",
                Charts.pareto("Cost against latency", "TPOT p50 (ms per output token)",
                        "USD per million output tokens", cost, note + " Down and left is better.")));
        List<String> header = new ArrayList<>(sweep.axes().stream().map(a -> a.key()).toList());
        header.addAll(List.of("out tok/s/GPU", "tok/s/user", "TPOT p50 ms", "$/M out", "$/M in", "GB/GPU", "front"));
        List<List<String>> rows = new ArrayList<>();
        for (SweepPoint p : sweep.points()) {
            if (!p.paretoThroughput() && !p.paretoCost()) {
                continue;
            }
            List<String> row = new ArrayList<>(p.values());
            row.add(fmt("%,.0f", p.outputTokensPerSecondPerGpu()));
            row.add(fmt("%.1f", p.tokensPerSecondPerUser()));
            row.add(fmt("%.1f", p.tpotSeconds().p50() * 1e3));
            row.add(fmt("%.3f", p.usdPerMillionOutputTokens()));
            row.add(fmt("%.3f", p.usdPerMillionInputTokens()));
            row.add(fmt("%.1f", p.memoryBytesPerGpu() / 1e9));
            row.add((p.paretoThroughput() ? "throughput " : "") + (p.paretoCost() ? "cost" : ""));
            rows.add(row);
        }
        addTables(pages, "pareto-points", "Points on a Pareto front", header, rows,
                "front: throughput = on the output tokens/s per GPU against tokens/s per user front; cost = on the"
                        + " USD per million output tokens against TPOT front. Infeasible points are never on a front.");
        long feasible = sweep.points().stream().filter(SweepPoint::feasible).count();
        List<String[]> facts = new ArrayList<>();
        facts.add(new String[] {"Sweep", ""});
        facts.add(new String[] {"scenario", sweep.name()});
        facts.add(new String[] {"file", sweep.scenario()});
        if (!sweep.sets().isEmpty()) {
            facts.add(new String[] {"--set", String.join("  ", sweep.sets())});
        }
        for (var axis : sweep.axes()) {
            facts.add(new String[] {"varied " + axis.key(), String.join(", ", axis.values())});
        }
        facts.add(new String[] {"points", String.format(Locale.ROOT, "%d (%d feasible); %d on the throughput front,"
                        + " %d on the cost front", sweep.points().size(), feasible,
                sweep.points().stream().filter(SweepPoint::paretoThroughput).count(),
                sweep.points().stream().filter(SweepPoint::paretoCost).count())});
        return withTitle("Sweep: " + sweep.name(), facts, pages);
    }

    // ---- pages drawn from a results JSON ----

    static Page memoryPage(JsonNode results) {
        List<Charts.PoolMemory> pools = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = results.path("memory").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode m = e.getValue();
            pools.add(new Charts.PoolMemory(e.getKey(), m.path("weightsBytes").asDouble(),
                    m.path("kvCacheBytes").asDouble(), m.path("activationBytes").asDouble(),
                    m.path("bufferBytes").asDouble(), m.path("reservedBytes").asDouble(),
                    m.path("capacityBytes").asDouble()));
        }
        String title = "Memory per GPU by pool";
        return new Page.Chart("memory", title, Charts.memory(title, pools,
                "Per GPU of each pool, as the memory model sizes it (" + results.path("hardware").asText()
                        + "); a bar above the dashed line does not fit."));
    }

    private static final String IDLE = "idle";
    private static final List<String> PHASES = List.of("attention", "router and LM head", "dispatch", "routed experts",
            "shared experts and dense MLP", "combine", "TP all-reduce", IDLE);

    static Page timelinePage(JsonNode results) {
        List<String> lanes = new ArrayList<>();
        List<Charts.Segment> segments = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = results.path("pools").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode pool = e.getValue();
            int micro = pool.path("microBatches").asInt(1);
            for (String kind : List.of("prefillStep", "decodeStep")) {
                JsonNode step = pool.path(kind);
                if (!step.isObject()) {
                    continue;
                }
                String name = e.getKey() + " pool, " + (kind.equals("prefillStep") ? "prefill" : "decode") + " step";
                JsonNode b = step.path("breakdownSeconds");
                double stepSeconds = step.path("stepSeconds").asDouble();
                double[] compute = {
                    b.path("attentionProjections").asDouble() + b.path("attentionCore").asDouble(),
                    b.path("router").asDouble(),
                    b.path("routedExperts").asDouble(),
                    b.path("sharedExperts").asDouble() + b.path("denseMlp").asDouble(),
                    b.path("lmHead").asDouble()};
                double dispatch = b.path("dispatch").asDouble();
                double combine = b.path("combine").asDouble();
                double allReduce = b.path("tpAllReduce").asDouble();
                if (micro == 1) {
                    String lane = name + ": one GPU";
                    lanes.add(lane);
                    double t = 0;
                    String[] order = {"attention", "router and LM head", "dispatch", "routed experts",
                        "shared experts and dense MLP", "combine", "TP all-reduce", "router and LM head"};
                    double[] seconds = {compute[0], compute[1], dispatch, compute[2], compute[3], combine, allReduce,
                        compute[4]};
                    for (int i = 0; i < order.length; i++) {
                        t = add(segments, lane, order[i], t, seconds[i]);
                    }
                    add(segments, lane, IDLE, t, stepSeconds - t);
                } else {
                    String computeLane = name + ": compute";
                    String commLane = name + ": communication";
                    lanes.add(computeLane);
                    lanes.add(commLane);
                    double t = 0;
                    t = add(segments, computeLane, "attention", t, compute[0]);
                    t = add(segments, computeLane, "router and LM head", t, compute[1]);
                    t = add(segments, computeLane, "routed experts", t, compute[2]);
                    t = add(segments, computeLane, "shared experts and dense MLP", t, compute[3]);
                    t = add(segments, computeLane, "router and LM head", t, compute[4]);
                    add(segments, computeLane, IDLE, t, stepSeconds - t);
                    double c = 0;
                    c = add(segments, commLane, "dispatch", c, dispatch);
                    c = add(segments, commLane, "combine", c, combine);
                    c = add(segments, commLane, "TP all-reduce", c, allReduce);
                    add(segments, commLane, IDLE, c, stepSeconds - c);
                }
            }
        }
        String title = "One step on a GPU: compute, dispatch, combine, idle";
        return new Page.Chart("timeline", title, Charts.timeline(title, lanes, PHASES, segments,
                "Analytic model: every GPU is alike (uniform routing), so one GPU stands for all. Each phase is"
                        + " summed over the step's layers (and micro-batches); with two micro-batches one's"
                        + " communication overlaps the other's compute, so the two streams run side by side."));
    }

    private static double add(List<Charts.Segment> segments, String lane, String phase, double start, double seconds) {
        if (seconds > 0) {
            segments.add(new Charts.Segment(lane, phase, start, start + seconds));
            return start + seconds;
        }
        return start;
    }

    /** The pool whose expert loads are drawn: decode, else prefill, else colocated. */
    private static String heatmapPool(JsonNode results) {
        for (String pool : List.of("decode", "prefill", "colocated")) {
            if (results.path("pools").has(pool)) {
                return pool;
            }
        }
        throw new InputException("results: no pool");
    }

    /**
     * The heatmap from measured loads in the results ({@code expertLoads.<pool>.tokensPerGpuPerLayer},
     * a list per MoE layer of token copies per GPU), or null when the results carry none.
     */
    static Page heatmapFromResults(JsonNode results) {
        JsonNode all = results.path("expertLoads");
        if (!all.isObject() || all.isEmpty()) {
            return null;
        }
        String pool = List.of("decode", "prefill", "colocated").stream().filter(all::has).findFirst()
                .orElse(all.fieldNames().next());
        JsonNode rows = all.path(pool).path("tokensPerGpuPerLayer");
        if (!rows.isArray() || rows.isEmpty()) {
            return null;
        }
        double[][] loads = new double[rows.size()][];
        for (int l = 0; l < rows.size(); l++) {
            loads[l] = new double[rows.get(l).size()];
            for (int g = 0; g < loads[l].length; g++) {
                JsonNode v = rows.get(l).get(g);
                loads[l][g] = v.isNumber() ? v.asDouble() : Double.NaN;
            }
        }
        String description = all.path(pool).path("description").asText("Loads from the simulation results.");
        return heatmapChart(pool, new ExpertLoads(loads, description));
    }

    static Page heatmapPage(JsonNode results, Scenario scenario) {
        Page fromResults = heatmapFromResults(results);
        if (fromResults != null) {
            return fromResults;
        }
        String pool = heatmapPool(results);
        JsonNode p = results.path("pools").path(pool);
        int ep = p.path("ep").asInt();
        double perGpu = pool.equals("prefill") ? p.path("prefillTokensPerGpu").asDouble() : p.path("batchPerGpu").asDouble();
        int tokens = (int) Math.max(1, Math.round(perGpu * ep));
        return heatmapChart(pool, ExpertLoads.of(scenario, ep, tokens));
    }

    private static Page heatmapChart(String pool, ExpertLoads loads) {
        String title = "Expert load per GPU per MoE layer (" + pool + " pool)";
        double busiest = loads.maxOverMean();
        return new Page.Chart("expert-load", title, Charts.heatmap(title, loads.loads(), loads.description()
                + (Double.isFinite(busiest) ? String.format(Locale.ROOT, " Busiest GPU-layer: %.2f x the mean.", busiest) : "")));
    }

    // ---- cost across hardware (needs the scenario) ----

    /**
     * The scenario's cost on one hardware profile at a price of $1 per GPU-hour, and the profile's
     * prices. The cost model is linear in the price (GPU-hours over tokens), so the cost at a price of
     * any kind is this times that price.
     *
     * @param hardware       profile id
     * @param prices         the profile's prices by kind
     * @param inputPerUsd    $/M input tokens at $1 per GPU-hour (NaN when no pool prefills)
     * @param outputPerUsd   $/M output tokens at $1 per GPU-hour (NaN when no pool decodes)
     * @param feasible       whether the deployment fits on this hardware
     */
    record HardwareRun(String hardware, HardwareProfile.Price prices, double inputPerUsd, double outputPerUsd,
                       boolean feasible) {
    }

    /** One chart per price kind: the same deployment on every profile, priced with that kind only. */
    static List<Page> costPages(Path file, List<String> sets, ScenarioLoader loader, Function<Scenario, JsonNode> run) {
        List<HardwareRun> runs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String id : HardwareProfiles.ids()) {
            List<String> withHardware = new ArrayList<>(sets);
            withHardware.add("hardware=" + id);
            withHardware.add("price={usdPerGpuHour: 1}");
            try {
                Scenario scenario = loader.load(file, withHardware);
                JsonNode r = run.apply(scenario);
                runs.add(new HardwareRun(id, scenario.hardware().price(),
                        number(r.path("cost").get("usdPerMillionInputTokens")),
                        number(r.path("cost").get("usdPerMillionOutputTokens")), r.path("feasible").asBoolean()));
            } catch (InputException | IllegalArgumentException e) {
                skipped.add(id);
            }
        }
        List<Page> pages = new ArrayList<>();
        for (HardwareProfile.Price.Kind kind : HardwareProfile.Price.Kind.values()) {
            List<Charts.HardwareCost> costs = costsAt(kind, runs);
            String note = "Each profile priced at its " + kind.label() + " per GPU-hour (" + kindNote(kind)
                    + "); no other kind of price is mixed in, and any price in the scenario is dropped. The"
                    + " deployment and workload are the scenario's on every profile (not each one's best layout)."
                    + " Grey bars: the deployment does not fit in that GPU's memory; the figure is what it would"
                    + " cost if it did.";
            List<String> lacking = costs.stream().filter(c -> Double.isNaN(c.usdPerGpuHour()))
                    .map(Charts.HardwareCost::hardware).toList();
            if (!lacking.isEmpty()) {
                note += " No " + kind.label() + " published for: " + String.join(", ", lacking) + ".";
            }
            if (!skipped.isEmpty()) {
                note += " Not applicable (the deployment cannot be laid out there): " + String.join(", ", skipped)
                        + ".";
            }
            String title = "Cost per million tokens across hardware: " + kind.label() + " per GPU-hour";
            String id = kind == HardwareProfile.Price.Kind.OWNER ? "cost-hardware" : "cost-hardware-on-demand";
            pages.add(new Page.Chart(id, title, Charts.costAcrossHardware(title, costs, kind.label(), note)));
        }
        return pages;
    }

    /** The bars of the chart of {@code kind}: each run priced at its profile's price of that kind only. */
    static List<Charts.HardwareCost> costsAt(HardwareProfile.Price.Kind kind, List<HardwareRun> runs) {
        List<Charts.HardwareCost> costs = new ArrayList<>();
        for (HardwareRun r : runs) {
            double price = r.prices().of(kind).map(q -> q.value()).orElse(Double.NaN);
            costs.add(new Charts.HardwareCost(r.hardware(), r.inputPerUsd() * price, r.outputPerUsd() * price,
                    r.feasible(), price));
        }
        return costs;
    }

    private static String kindNote(HardwareProfile.Price.Kind kind) {
        return switch (kind) {
            case OWNER -> "price.usdPerGpuHour: what a GPU-hour costs whoever owns or leases the GPUs, the default"
                    + " of every scenario";
            case ON_DEMAND -> "price.onDemandUsdPerGpuHour: a cloud's on-demand list price, CoreWeave Feb 2026 in"
                    + " the shipped profiles";
        };
    }

    // ---- title page and tables ----

    private static void addValidation(List<Page> pages, List<ValidationRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        List<List<String>> cells = new ArrayList<>();
        for (ValidationRow r : rows) {
            cells.add(List.of(r.quantity(), r.unit(), fmt("%,.4g", r.predicted()), fmt("%,.4g", r.measured()),
                    fmt("%+.1f%%", r.relativeError() * 100), r.source()));
        }
        addTables(pages, "validation", "Validation: predicted against measured",
                List.of("quantity", "unit", "predicted", "measured", "error", "source"), cells,
                "error = predicted / measured - 1.");
    }

    private static void addTables(List<Page> pages, String name, String title, List<String> header,
                                  List<List<String>> rows, String note) {
        int per = Page.Table.ROWS_PER_PAGE;
        int parts = Math.max(1, (rows.size() + per - 1) / per);
        for (int i = 0; i < parts; i++) {
            List<List<String>> slice = rows.subList(i * per, Math.min(rows.size(), (i + 1) * per));
            String t = parts == 1 ? title : title + " (" + (i + 1) + " of " + parts + ")";
            pages.add(new Page.Table(parts == 1 ? name : name + "-" + (i + 1), t, note, header, slice));
        }
    }

    private static Report withTitle(String name, List<String[]> facts, List<Page> pages) {
        List<String[]> all = new ArrayList<>(facts);
        all.add(new String[] {"Contents", ""});
        for (int i = 0; i < pages.size(); i++) {
            all.add(new String[] {"page " + (i + 2), pages.get(i).title()});
        }
        List<Page> withTitle = new ArrayList<>();
        withTitle.add(new Page.Title("title", "moesim report: " + name,
                "Estimated by moesim; units are SI (GB = 10^9 bytes), costs in US dollars.", all));
        withTitle.addAll(pages);
        return new Report("moesim report: " + name, withTitle);
    }

    /** Key facts of a run: model, hardware, deployment, workload (with the scenario), headline results. */
    static List<String[]> facts(JsonNode r, Scenario scenario) {
        List<String[]> facts = new ArrayList<>();
        facts.add(new String[] {"Scenario", ""});
        facts.add(new String[] {"file", r.path("source").asText()});
        facts.add(new String[] {"model", scenario != null
                ? scenario.model().displayName() + " (" + scenario.model().id() + ")" : r.path("model").asText()});
        facts.add(new String[] {"hardware", scenario != null
                ? scenario.hardware().name() + " (" + scenario.hardware().id() + ")" : r.path("hardware").asText()});
        facts.add(new String[] {"price", fmt("$%.2f per GPU-hour", number(r.path("cost").get("usdPerGpuHour")))});
        facts.add(new String[] {"method", r.path("method").asText()});
        facts.add(new String[] {"Deployment", ""});
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("pools").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode p = e.getValue();
            String batch = e.getKey().equals("prefill")
                    ? fmt("%,.0f prompt tokens per GPU per step", p.path("prefillTokensPerGpu").asDouble())
                    : fmt("%.1f sequences per GPU", p.path("batchPerGpu").asDouble());
            facts.add(new String[] {e.getKey() + " pool", String.format(Locale.ROOT,
                    "%d GPUs, attention TP%d x DP%d, experts EP%d, %d micro-batch(es), %s%s", p.path("gpus").asInt(),
                    p.path("attentionTp").asInt(), p.path("attentionDp").asInt(), p.path("ep").asInt(),
                    p.path("microBatches").asInt(), batch, p.path("saturated").asBoolean() ? ", SATURATED" : "")});
        }
        if (scenario != null) {
            facts.add(new String[] {"placement", scenario.placement().strategy() + ", "
                    + scenario.placement().redundantExperts() + " redundant experts"});
            var pr = scenario.precision();
            facts.add(new String[] {"precision", pr.describe()});
            Workload w = scenario.workload();
            facts.add(new String[] {"Workload", ""});
            facts.add(new String[] {"requests", String.format(Locale.ROOT,
                    "%,.0f input tokens, %,.0f output tokens (means), prefix-cache hit rate %.1f%%",
                    w.inputTokens().mean(), w.outputTokens().mean(), w.prefixCacheHitRate() * 100)});
            facts.add(new String[] {"arrival", switch (w.arrival()) {
                case Workload.Arrival.Concurrency c -> fmt("%.0f concurrent requests per GPU", c.perGpu());
                case Workload.Arrival.Poisson p -> fmt("Poisson, %.2f requests/s", p.requestsPerSecond());
                case Workload.Arrival.Trace tr -> "request trace " + tr.path().getFileName();
            }});
        }
        facts.add(new String[] {"Headline results", ""});
        facts.add(new String[] {"fits in memory", r.path("feasible").asBoolean() ? "yes" : "NO"});
        for (JsonNode problem : r.path("problems")) {
            facts.add(new String[] {"problem", problem.asText()});
        }
        JsonNode t = r.path("throughput");
        facts.add(new String[] {"output tokens/s per GPU", fmt("%,.0f", number(t.get("outputTokensPerSecondPerGpu")))});
        facts.add(new String[] {"input tokens/s per GPU", fmt("%,.0f", number(t.get("inputTokensPerSecondPerGpu")))});
        JsonNode l = r.path("latency");
        facts.add(new String[] {"TTFT p50 / p90 / p99", ms(l.path("ttftSeconds"))});
        facts.add(new String[] {"TPOT p50 / p90 / p99", ms(l.path("tpotSeconds"))});
        JsonNode c = r.path("cost");
        facts.add(new String[] {"cost per million tokens", 
                "input " + fmt("$%.3f", number(c.get("usdPerMillionInputTokens")))
                + ", output " + fmt("$%.3f", number(c.get("usdPerMillionOutputTokens")))});
        return facts;
    }

    private static String ms(JsonNode p) {
        return fmt("%.1f", number(p.get("p50")) * 1e3) + " / " + fmt("%.1f", number(p.get("p90")) * 1e3) + " / "
                + fmt("%.1f", number(p.get("p99")) * 1e3) + " ms";
    }

    private static double number(JsonNode node) {
        return node == null || !node.isNumber() ? Double.NaN : node.doubleValue();
    }

    /** Formats {@code value}, or {@code n/a} when it is NaN. */
    static String fmt(String format, double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, format, value);
    }
}
