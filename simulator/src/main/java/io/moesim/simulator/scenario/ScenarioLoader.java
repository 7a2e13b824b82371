package io.moesim.simulator.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.InputException;
import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.ModelSpec;
import io.moesim.simulator.config.Node;
import io.moesim.simulator.config.Yaml;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Reads a scenario YAML: applies {@code --set KEY=VALUE} overrides to the tree, then binds and
 * validates it. Every mistake is one {@link InputException} naming the file and the field.
 * The format is documented in {@code docs/scenarios.md}.
 */
public final class ScenarioLoader {

    /** Resolves the {@code model:} value (catalog id, or a path relative to {@code baseDir}). */
    @FunctionalInterface
    public interface ModelResolver {
        ModelSpec resolve(String idOrPath, Path baseDir);
    }

    private final ModelResolver models;

    /** A loader that resolves models through the catalog and the Hugging Face importer. */
    public ScenarioLoader() {
        this(io.moesim.models.spec.ModelSpecs::resolve);
    }

    public ScenarioLoader(ModelResolver models) {
        this.models = Objects.requireNonNull(models, "models");
    }

    /** Loads {@code file} with the overrides {@code sets} ({@code KEY=VALUE}, dotted keys), in order. */
    public Scenario load(Path file, List<String> sets) {
        JsonNode tree = Yaml.read(file);
        if (!tree.isObject()) {
            throw new InputException(file + ": expected a map of keys at the top level");
        }
        ObjectNode original = ((ObjectNode) tree).deepCopy();
        for (String set : sets) {
            applySet((ObjectNode) tree, set);
        }
        Path dir = file.toAbsolutePath().getParent();
        Overrides.follow(file.toString(), original, (ObjectNode) tree, sets, dir);
        Scenario scenario = bind(file.toString(), tree, dir, Overrides.priceSet(sets));
        // One validation path for the analytic estimate and the simulation: everything the simulation
        // reads (placement file against each pool, the router trace and its windows, the arrival trace)
        // is checked here, whether or not the scenario is then simulated.
        try {
            io.moesim.simulator.serving.ServingSpecs.from(scenario);
        } catch (IllegalArgumentException e) {
            throw new InputException(file + ": " + e.getMessage());
        }
        return scenario;
    }

    /**
     * Applies one {@code KEY=VALUE} override. The value is read as YAML ({@code 72} is a number,
     * {@code {tp: 1, dp: 8}} a map). Missing maps along the path are created; a path through a value
     * that is not a map is an error.
     */
    public static void applySet(ObjectNode tree, String set) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            throw new InputException("--set " + set + ": expected KEY=VALUE with a dotted KEY");
        }
        String key = set.substring(0, eq).strip();
        String text = set.substring(eq + 1);
        String[] parts = key.split("\\.", -1);
        ObjectNode map = tree;
        StringBuilder walked = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty() || !part.matches("[A-Za-z0-9_-]+")) {
                throw new InputException("--set " + set + ": '" + key + "' is not a dotted path of keys");
            }
            if (i == parts.length - 1) {
                break;
            }
            walked.append(walked.isEmpty() ? "" : ".").append(part);
            JsonNode next = map.get(part);
            if (next == null || next.isNull()) {
                map = map.putObject(part);
            } else if (next.isObject()) {
                map = (ObjectNode) next;
            } else {
                throw new InputException("--set " + set + ": " + walked + " is a value, not a map of keys");
            }
        }
        JsonNode value;
        try {
            value = Yaml.readValue(text);
        } catch (IOException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            throw new InputException("--set " + set + ": " + (message.startsWith("Malformed numeric value")
                    ? "'" + text.strip() + "' is not a finite number" : "the value is not valid YAML"));
        }
        map.set(parts[parts.length - 1], value);
    }

    private Scenario bind(String source, JsonNode tree, Path dir, boolean priceFromCommandLine) {
        Node root = Node.root(source, tree);
        String name = root.string("name");

        String modelRef = root.string("model");
        ModelSpec model;
        try {
            model = models.resolve(modelRef, dir);
        } catch (InputException e) {
            throw root.error("model", e.getMessage());
        }
        String hardwareRef = root.string("hardware");
        HardwareProfile hardware;
        try {
            hardware = HardwareProfiles.resolve(hardwareRef, dir);
        } catch (InputException e) {
            throw root.error("hardware", e.getMessage());
        }
        if (root.has("kernels")) {
            // What kernels achieve: the hardware's own kernel profile unless the scenario names another.
            try {
                hardware = hardware.withKernels(io.moesim.simulator.kernels.KernelProfiles.resolve(root.string("kernels"), dir));
            } catch (InputException e) {
                throw root.error("kernels", e.getMessage());
            }
        }

        Scenario.Placement placement = placement(root, model, dir);
        Deployment deployment = deployment(root.map("deployment"), model, placement, hardware);
        Precision precision = precision(root);
        Workload workload = workload(root.map("workload"), dir);

        double price = hardware.price().usdPerGpuHour().value();
        String priceSource = "profile " + hardware.id() + ": " + hardware.price().usdPerGpuHour().source();
        Node priceNode = root.optionalMap("price");
        if (priceNode != null) {
            price = priceNode.number("usdPerGpuHour", 0, 1e4);
            priceNode.finish();
            priceSource = priceFromCommandLine ? "command line (--set price...)" : "scenario (price.usdPerGpuHour)";
        }
        Scenario.Routing routing = routing(root.optionalMap("routing"), dir);
        long seed = root.integer("seed", 0, Integer.MAX_VALUE, 0);
        Scenario.Simulation simulation = simulation(root.optionalMap("simulation"));
        root.finish();
        return new Scenario(source, name, modelRef, model, hardwareRef, hardware, deployment, placement, precision,
                workload, price, priceSource, routing, seed, simulation);
    }

    private static Scenario.Simulation simulation(Node node) {
        if (node == null) {
            return Scenario.Simulation.DEFAULT;
        }
        boolean fixed = node.has("durationSeconds");
        double duration = fixed ? node.number("durationSeconds", 1e-3, 1e7) : Double.NaN;
        double warmup = node.has("warmupSeconds") ? node.number("warmupSeconds", 0, 1e7)
                : fixed ? Math.min(20, duration / 3) : Double.NaN;
        if (fixed && warmup >= duration) {
            throw node.error("warmupSeconds", Node.format(warmup) + " is not below durationSeconds "
                    + Node.format(duration));
        }
        double halfWidth = node.number("relativeHalfWidth", 0.001, 0.5, Scenario.Simulation.DEFAULT.relativeHalfWidth());
        double max = Double.NaN;
        if (node.has("maxSeconds")) {
            if (fixed) {
                throw node.error("maxSeconds", "caps the simulated time only without durationSeconds (which fixes it)");
            }
            max = node.number("maxSeconds", 1e-3, 1e7);
            if (!Double.isNaN(warmup) && warmup >= max) {
                throw node.error("warmupSeconds", Node.format(warmup) + " is not below maxSeconds " + Node.format(max));
            }
        }
        node.finish();
        return new Scenario.Simulation(duration, warmup, halfWidth, max);
    }

    private static Scenario.Placement placement(Node root, ModelSpec model, Path dir) {
        Node node = root.optionalMap("placement");
        if (node == null) {
            return new Scenario.Placement("contiguous", 0);
        }
        String strategy = node.choice("strategy", "contiguous", "contiguous", "round-robin", "eplb-hierarchical",
                "eplb-global");
        String fitTokens = node.has("fitTokens") ? node.string("fitTokens") : null;
        if (node.has("file")) {
            if (node.has("redundantExperts") || node.has("strategy")) {
                throw node.error("file", "a placement file fixes the layout: leave out strategy and redundantExperts");
            }
            Path file = existing(node, "file", dir.resolve(node.string("file")), "placement file");
            io.moesim.simulator.placement.Placement read = io.moesim.simulator.placement.PlacementFile.read(file,
                    model.moe().numRoutedExperts(), model.numMoeLayers());
            node.finish();
            return new Scenario.Placement("file", read.layer(0).numSlots() - model.moe().numRoutedExperts(), file,
                    fitTokens);
        }
        int redundant = node.integer("redundantExperts", 0, model.moe().numRoutedExperts(), 0);
        node.finish();
        return new Scenario.Placement(strategy, redundant, null, fitTokens);
    }

    private static Deployment deployment(Node node, ModelSpec model, Scenario.Placement placement,
                                         HardwareProfile hardware) {
        Pool prefill = pool(node.optionalMap("prefill"), Pool.Role.PREFILL, model, placement, hardware);
        Pool decode = pool(node.optionalMap("decode"), Pool.Role.DECODE, model, placement, hardware);
        Pool colocated = pool(node.optionalMap("colocated"), Pool.Role.COLOCATED, model, placement, hardware);
        node.finish();
        if (colocated != null && (prefill != null || decode != null)) {
            throw node.error("colocated", "a colocated pool excludes separate prefill and decode pools");
        }
        if (colocated == null && prefill == null && decode == null) {
            throw node.error("needs a pool: prefill, decode or colocated");
        }
        return new Deployment(prefill, decode, colocated);
    }

    private static Pool pool(Node node, Pool.Role role, ModelSpec model, Scenario.Placement placement,
                             HardwareProfile hardware) {
        if (node == null) {
            return null;
        }
        int gpus = node.integer("gpus", 1, 1_000_000);
        Node attention = node.map("attention");
        int tp = attention.integer("tp", 1, 1_000_000);
        int dp = attention.integer("dp", 1, 1_000_000);
        attention.finish();
        int heads = model.attention().numHeads();
        if (heads % tp != 0) {
            throw attention.error("tp", tp + " does not divide the " + heads + " attention heads");
        }
        if (model.attention() instanceof AttentionSpec.Gqa gqa
                && gqa.numKvHeads() % tp != 0 && tp % gqa.numKvHeads() != 0) {
            throw attention.error("tp", tp + " neither divides nor is a multiple of the " + gqa.numKvHeads()
                    + " key/value heads");
        }
        if ((long) tp * dp != gpus) {
            throw attention.error("tp * dp = " + tp + " * " + dp + " = " + ((long) tp * dp) + " is not the pool's "
                    + gpus + " gpus");
        }
        Node experts = node.map("experts");
        int ep = experts.integer("ep", 1, 1_000_000);
        experts.finish();
        int routed = model.moe().numRoutedExperts();
        int slots = routed + placement.redundantExperts();
        // Each GPU holds ceil(slots / ep) expert slots, some GPUs one fewer when they do not divide;
        // every GPU of the group must hold at least one expert.
        if (routed > 0 && slots < ep) {
            throw experts.error("ep", ep + " GPUs for " + routed + " routed + " + placement.redundantExperts()
                    + " redundant experts would leave " + (ep - slots) + " GPUs without an expert");
        }
        if (gpus % ep != 0) {
            throw experts.error("ep", ep + " does not divide the pool's " + gpus + " gpus");
        }
        if (ep % tp != 0) {
            throw experts.error("ep", "attention tp " + tp + " does not divide ep " + ep
                    + " (an expert-parallel group must hold whole attention ranks)");
        }
        int maxBatch = role.decodes() ? node.integer("maxBatchPerGpu", 1, 1_000_000) : 0;
        int maxTokens = role == Pool.Role.COLOCATED
                ? node.integer("maxTokensPerGpu", 1, 100_000_000, Pool.defaultColocatedTokensPerGpu(hardware, tp))
                : role.prefills() ? node.integer("maxTokensPerGpu", 1, 100_000_000) : 0;
        int microBatches = node.integer("microBatches", 1, 2, 1);
        Pool.Balancer balancer = Pool.Balancer.valueOf(node.choice("balancer", Pool.Balancer.defaultFor(role == Pool.Role.PREFILL).key(),
                "requests", "attention", "kv").toUpperCase(java.util.Locale.ROOT));
        if (!balancer.fits(role == Pool.Role.PREFILL)) {
            throw node.error("balancer", role == Pool.Role.PREFILL
                    ? "kv balances decoding pools only; a prefill pool uses attention or requests"
                    : "attention balances prefill pools only; a " + role.key()
                            + " pool spreads requests by count (requests) or by KV cache (kv)");
        }
        boolean cudaGraphs = node.bool("cudaGraphs", true);
        node.finish();
        return new Pool(role, gpus, tp, dp, ep, maxBatch, maxTokens, microBatches, balancer, cudaGraphs);
    }

    private static Precision precision(Node root) {
        JsonNode raw = root.raw("precision");
        if (raw == null) {
            return new Precision(DataType.BF16, DataType.BF16, DataType.BF16, DataType.BF16, DataType.BF16);
        }
        if (raw.isTextual()) {
            // One value for every module: weights, activations, KV cache, dispatch and combine.
            DataType all = DataType.parse(raw.asText().strip());
            if (all == null) {
                throw root.error("precision", "'" + raw.asText() + "' is not one of fp32, bf16, fp16, fp8, fp4"
                        + " (or give a map: weights, activations, kvCache, dispatch, combine, attention, router, experts, dense)");
            }
            return new Precision(all, all, all, all, all, all, all, all, all);
        }
        Node node = root.map("precision");
        DataType weights = dtype(node, "weights", DataType.BF16);
        DataType activations = dtype(node, "activations", DataType.BF16);
        DataType kvCache = dtype(node, "kvCache", DataType.BF16);
        DataType dispatch = dtype(node, "dispatch", activations);
        DataType combine = dtype(node, "combine", DataType.BF16);
        DataType attention = optionalDtype(node, "attention");
        DataType router = optionalDtype(node, "router");
        DataType experts = optionalDtype(node, "experts");
        DataType dense = optionalDtype(node, "dense");
        node.finish();
        return new Precision(weights, activations, kvCache, dispatch, combine, attention, router, experts, dense);
    }

    private static DataType optionalDtype(Node node, String key) {
        return node.has(key) ? dtype(node, key, null) : null;
    }

    private static DataType dtype(Node node, String key, DataType defaultValue) {
        String text = defaultValue == null ? node.string(key) : node.string(key, defaultValue.key());
        DataType type = DataType.parse(text);
        if (type == null) {
            throw node.error(key, "'" + text + "' is not one of fp32, bf16, fp16, fp8, fp4");
        }
        return type;
    }

    private static Workload workload(Node node, Path dir) {
        TokenCount input = tokens(node, "inputTokens");
        TokenCount output = tokens(node, "outputTokens");
        double hit = node.has("prefixCacheHitRate") ? node.number("prefixCacheHitRate", 0, 0.999) : 0;
        node.allow("prefixCacheHitRate");
        Node arrivalNode = node.map("arrival");
        Workload.Arrival arrival;
        boolean concurrency = arrivalNode.has("concurrencyPerGpu");
        boolean poisson = arrivalNode.has("poissonRequestsPerSecond");
        boolean trace = arrivalNode.has("trace");
        if ((concurrency ? 1 : 0) + (poisson ? 1 : 0) + (trace ? 1 : 0) != 1) {
            throw arrivalNode.error("needs exactly one of concurrencyPerGpu, poissonRequestsPerSecond, trace");
        }
        if (trace) {
            Path file = existing(arrivalNode, "trace", dir.resolve(arrivalNode.string("trace")), "arrival trace (CSV)");
            java.util.List<io.moesim.simulator.serving.Workload.TraceEntry> entries =
                    io.moesim.simulator.serving.Workload.Trace.read(file).entries();
            double span = Math.max(1e-9, entries.getLast().arrivalSeconds());
            arrival = new Workload.Arrival.Trace(file, entries.size() / span);
        } else {
            arrival = concurrency
                    ? new Workload.Arrival.Concurrency(arrivalNode.number("concurrencyPerGpu", 1e-9, 1e7))
                    : new Workload.Arrival.Poisson(arrivalNode.number("poissonRequestsPerSecond", 1e-9, 1e9));
        }
        arrivalNode.finish();
        node.finish();
        return new Workload(input, output, hit, arrival);
    }

    private static TokenCount tokens(Node node, String key) {
        JsonNode raw = node.raw(key);
        if (raw == null) {
            throw node.error(key, "missing");
        }
        if (!raw.isObject()) {
            return new TokenCount.Fixed(node.number(key, 1, 1e9));
        }
        Node d = node.map(key);
        String kind = d.choice("distribution", null, "fixed", "uniform", "normal", "lognormal", "exponential");
        TokenCount count = switch (kind) {
            case "fixed" -> new TokenCount.Fixed(d.number("tokens", 1, 1e9));
            case "uniform" -> {
                double min = d.number("min", 1, 1e9);
                double max = d.number("max", 1, 1e9);
                if (max < min) {
                    throw d.error("max", Node.format(max) + " is below min " + Node.format(min));
                }
                yield new TokenCount.Uniform(min, max);
            }
            case "normal" -> new TokenCount.Normal(d.number("mean", 1, 1e9), d.number("stddev", 0, 1e9));
            case "lognormal" -> new TokenCount.LogNormal(d.number("median", 1, 1e9), d.number("sigma", 0, 5));
            default -> new TokenCount.Exponential(d.number("mean", 1, 1e9));
        };
        d.finish();
        return count;
    }

    /** {@code file}, the value of {@code key}, when it is a readable file; else an error naming the scenario and the key. */
    private static Path existing(Node node, String key, Path file, String what) {
        if (java.nio.file.Files.isDirectory(file)) {
            throw node.error(key, file + " is a folder, expected a " + what);
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw node.error(key, "no such " + what + " " + file);
        }
        if (!java.nio.file.Files.isReadable(file)) {
            throw node.error(key, file + ": permission denied");
        }
        return file;
    }

    private static Scenario.Routing routing(Node node, Path dir) {
        if (node == null) {
            return new Scenario.Routing.Uniform();
        }
        Scenario.Routing routing;
        if (node.has("trace")) {
            routing = new Scenario.Routing.Trace(existing(node, "trace", dir.resolve(node.string("trace")),
                    "router trace"), node.has("tokens") ? node.string("tokens") : null);
        } else {
            String kind = node.choice("synthetic", null, "uniform", "zipf");
            routing = kind.equals("uniform")
                    ? new Scenario.Routing.Uniform()
                    : new Scenario.Routing.Zipf(node.number("exponent", 0, 10, 1.0));
        }
        node.finish();
        return routing;
    }
}
