package io.moesim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.InputException;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.ModelSpecs;
import io.moesim.models.trace.RouterTrace;
import io.moesim.simulator.placement.LayerPlacement;
import io.moesim.simulator.placement.Placement;
import io.moesim.simulator.placement.PlacementFile;
import io.moesim.simulator.placement.PlacementStrategy;
import io.moesim.simulator.placement.Placer;
import io.moesim.simulator.routing.TraceRouting;
import io.moesim.simulator.routing.TraceRoutingWindow;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moesim place}: computes an expert placement from the expert loads of one part of a router
 * trace and evaluates it on another part: per MoE layer and overall, the load imbalance (the
 * busiest GPU's token copies over the mean GPU's) and the share of dispatch copies that leave
 * their node.
 */
@Command(name = "place", mixinStandardHelpOptions = true,
        description = "Places experts on GPUs (contiguous, round-robin, EPLB) from a router trace and reports "
                + "load imbalance and cross-node dispatch on tokens the balancer did not see.")
public final class PlaceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "ID", description = "A catalog id, config.json or model YAML.")
    String model;

    @Option(names = "--trace", required = true, paramLabel = "FILE", description = "A router trace (.moetrace[.gz]).")
    Path trace;

    @Option(names = "--gpus", required = true, paramLabel = "N", description = "GPUs of the expert-parallel group.")
    int gpus;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "1", description = "Nodes the GPUs form (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--strategy", paramLabel = "S", defaultValue = "eplb-global",
            description = "contiguous, round-robin, eplb-hierarchical or eplb-global (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--redundant", paramLabel = "R", defaultValue = "0", description = "Redundant expert slots per layer (default: ${DEFAULT-VALUE}).")
    int redundant;

    @Option(names = "--fit-tokens", paramLabel = "A:B", description = "Trace tokens the loads are measured on (default: the first half).")
    String fitTokens;

    @Option(names = "--eval-tokens", paramLabel = "C:D", description = "Trace tokens the placement is evaluated on (default: the second half).")
    String evalTokens;

    @Option(names = "--batch-tokens", paramLabel = "N", defaultValue = "0",
            description = "Evaluate batches of N consecutive tokens (one step each) instead of the whole window at once (default: whole window).")
    int batchTokens;

    @Option(names = "--placement", paramLabel = "FILE",
            description = "Evaluate this placement file (YAML/JSON) instead of computing one; --strategy and --redundant are then ignored.")
    Path placementFile;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the placement to FILE (.json: JSON, else YAML).")
    Path out;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    /** One layer's evaluation. */
    record LayerResult(int layer, int traceLayer, double fitImbalance, double imbalance, double crossNodeShare,
                       double maxCopies, double meanCopies, double sends, double copies) {
    }

    @Override
    public void run() {
        ModelSpec m = ModelSpecs.resolve(model, Path.of("").toAbsolutePath());
        if (gpus <= 0) {
            throw new InputException("--gpus: must be > 0, got " + gpus);
        }
        if (nodes <= 0 || gpus % nodes != 0) {
            throw new InputException("--nodes: " + nodes + " nodes do not divide " + gpus + " GPUs");
        }
        if (batchTokens < 0) {
            throw new InputException("--batch-tokens: must be >= 0, got " + batchTokens);
        }
        if (out != null) {
            io.moesim.simulator.config.WriteErrors.checkWritable("--out", out);
        }
        PlacementStrategy s;
        try {
            s = PlacementStrategy.parse(strategy);
        } catch (IllegalArgumentException e) {
            throw new InputException("--strategy: " + e.getMessage());
        }
        int experts = m.moe().numRoutedExperts();
        Placement given = null;
        if (placementFile != null) {
            given = PlacementFile.read(placementFile, experts, m.numMoeLayers());
            if (given.numGpus() != gpus) {
                throw InputException.at(placementFile, "layers", "places experts on " + given.numGpus()
                        + " GPUs, but --gpus is " + gpus);
            }
            redundant = given.layer(0).numSlots() - experts;
            given = new Placement(gpus, gpus / nodes, given.layers());
        }
        // At most one replica of every expert, as placement.redundantExperts of a scenario: the balancers'
        // time grows with the cube of the slots (8 experts + 256 redundant on 4 GPUs: 11 s; + 512: over 60 s).
        if (redundant > experts) {
            throw new InputException("--redundant: " + redundant + " is more than the model's " + experts
                    + " routed experts, the most redundant slots per layer");
        }
        // Each GPU gets ceil((experts + redundant) / gpus) slots, some left empty; every GPU needs an expert.
        if (redundant < 0 || experts + redundant < gpus) {
            throw new InputException("--redundant: " + experts + " experts + " + redundant
                    + " redundant leave some of " + gpus + " GPUs without an expert");
        }
        RouterTrace t = RouterTrace.read(trace);
        int half = t.numTokens() / 2;
        if (half == 0 && (fitTokens == null || evalTokens == null)) {
            throw InputException.at(trace, "tokens", "the trace has " + t.numTokens()
                    + " token(s); give --fit-tokens and --eval-tokens");
        }
        TraceRoutingWindow fit = fitTokens == null ? new TraceRoutingWindow(0, half)
                : TraceRoutingWindow.parse(fitTokens, t.numTokens(), trace, "--fit-tokens");
        TraceRoutingWindow eval = evalTokens == null ? new TraceRoutingWindow(half, t.numTokens())
                : TraceRoutingWindow.parse(evalTokens, t.numTokens(), trace, "--eval-tokens");
        TraceRouting fitReplay = TraceRouting.forModel(t, trace, m, fit, TraceRouting.Mode.WINDOWED);
        TraceRouting evalReplay = TraceRouting.forModel(t, trace, m, eval, TraceRouting.Mode.WINDOWED);
        double[][] fitLoads = fitReplay.totalCounts();
        int groups = m.moe().routing().numGroups() > 1 ? m.moe().routing().numGroups() : experts;
        int gpusPerNode = gpus / nodes;
        Placement placement;
        try {
            placement = given != null ? given : Placer.place(s, fitLoads, gpus, gpusPerNode, redundant, groups);
        } catch (IllegalArgumentException e) {
            throw new InputException("--strategy: " + s.id() + ": " + e.getMessage()
                    + (s == PlacementStrategy.EPLB_HIERARCHICAL ? " (eplb-global places without groups)" : ""));
        }
        LayerResult[] results = evaluate(placement, fitLoads, evalReplay, m.moe().topK());
        if (out != null) {
            PlacementFile.write(placement, out);
        }
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(toJson(m, s, fit, eval, results));
        } else {
            printText(w, m, s, placement, fit, eval, evalReplay, results);
        }
        w.flush();
    }

    private LayerResult[] evaluate(Placement placement, double[][] fitLoads, TraceRouting evalReplay, int topK) {
        int layers = placement.numLayers();
        LayerResult[] results = new LayerResult[layers];
        int window = evalReplay.windowTokens();
        int batch = batchTokens == 0 || batchTokens > window ? window : batchTokens;
        int steps = window / batch;
        int[] counts = new int[placement.numExperts()];
        double[] perGpu = new double[placement.numGpus()];
        double[] fitGpu = new double[placement.numGpus()];
        for (int l = 0; l < layers; l++) {
            LayerPlacement p = placement.layer(l);
            p.gpuLoads(fitLoads[l], fitGpu);
            double fitImbalance = max(fitGpu) / mean(fitGpu);
            double maxSum = 0;
            double meanSum = 0;
            double sends = 0;
            for (int step = 0; step < steps; step++) {
                long start = (long) step * batch;
                evalReplay.windowCounts(l, start, batch, counts);
                p.gpuLoads(counts, perGpu);
                maxSum += max(perGpu);
                meanSum += mean(perGpu);
                sends += evalReplay.remoteNodeSends(l, start, batch, p, placement.gpusPerNode());
            }
            double copies = (double) steps * batch * topK;
            results[l] = new LayerResult(l, evalReplay.traceLayer(l), fitImbalance, maxSum / meanSum,
                    sends / copies, maxSum / steps, meanSum / steps, sends, copies);
        }
        return results;
    }

    private static double max(double[] xs) {
        double m = 0;
        for (double x : xs) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    /** Σ max / Σ mean over layers. */
    static double overallImbalance(LayerResult[] results) {
        double max = 0;
        double mean = 0;
        for (LayerResult r : results) {
            max += r.maxCopies();
            mean += r.meanCopies();
        }
        return max / mean;
    }

    static double overallCrossNode(LayerResult[] results) {
        double sends = 0;
        double copies = 0;
        for (LayerResult r : results) {
            sends += r.sends();
            copies += r.copies();
        }
        return sends / copies;
    }

    private void printText(PrintWriter w, ModelSpec m, PlacementStrategy s, Placement placement, TraceRoutingWindow fit,
                           TraceRoutingWindow eval, TraceRouting evalReplay, LayerResult[] results) {
        w.printf(Locale.ROOT, "%s: %s, %d routed experts + %d redundant on %d GPUs in %d node(s), %d slots per GPU%n",
                placementFile != null ? placementFile.toString() : s.id(), m.id(), placement.numExperts(), redundant, gpus, nodes, placement.layer(0).slotsPerGpu());
        w.printf(Locale.ROOT, "trace %s: fitted on tokens %s, evaluated on tokens %s%s%n", trace, fit, eval,
                batchTokens > 0 ? " in batches of " + Math.min(batchTokens, eval.tokens()) + " tokens" : " as one batch");
        w.println("imbalance = busiest GPU's token copies / mean GPU's; cross-node = node-to-node sends per routed copy");
        w.printf("%-6s %-6s %10s %10s %10s%n", "layer", "trace", "fit", "imbalance", "cross-node");
        for (LayerResult r : results) {
            w.printf(Locale.ROOT, "%-6d %-6d %10.3f %10.3f %10.3f%n", r.layer(), r.traceLayer(), r.fitImbalance(),
                    r.imbalance(), r.crossNodeShare());
        }
        w.printf(Locale.ROOT, "%-13s %10s %10.3f %10.3f%n", "overall", "", overallImbalance(results), overallCrossNode(results));
    }

    private String toJson(ModelSpec m, PlacementStrategy s, TraceRoutingWindow fit, TraceRoutingWindow eval,
                          LayerResult[] results) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("model", m.id());
        root.put("trace", trace.toString());
        root.put("strategy", placementFile != null ? "file" : s.id());
        if (placementFile != null) {
            root.put("placement", placementFile.toString());
        }
        root.put("gpus", gpus);
        root.put("nodes", nodes);
        root.put("redundantExperts", redundant);
        root.put("fitTokens", fit.toString());
        root.put("evalTokens", eval.toString());
        root.put("batchTokens", batchTokens);
        root.put("imbalance", overallImbalance(results));
        root.put("crossNodeShare", overallCrossNode(results));
        ArrayNode layers = root.putArray("layers");
        for (LayerResult r : results) {
            ObjectNode o = layers.addObject();
            o.put("layer", r.layer());
            o.put("traceLayer", r.traceLayer());
            o.put("fitImbalance", r.fitImbalance());
            o.put("imbalance", r.imbalance());
            o.put("crossNodeShare", r.crossNodeShare());
        }
        try {
            return mapper.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
