package io.moesim.cli;

import io.moesim.simulator.analytic.PoolEstimate;
import io.moesim.simulator.memory.PoolMemory;
import io.moesim.simulator.results.ErrorBands;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import io.moesim.simulator.scenario.Workload;
import io.moesim.simulator.serving.PoolSpec;
import io.moesim.simulator.serving.SimulationResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moesim run SCENARIO [--set K=V]... [--json FILE] [--analytic-only]}: the discrete-event
 * simulation of a scenario, with the analytic estimate printed beside it.
 */
@Command(name = "run", description = "Simulates a scenario (discrete-event) and prints the analytic estimate beside it:"
        + " memory per GPU, throughput, latency and cost. A deployment that does not fit in memory is not simulated:"
        + " run prints what does not fit, by how much and which single changes would fit, and exits 3"
        + " (docs/exit-codes.md).",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the deployment fits; results printed", "1:moesim failed (a bug)",
            "2:bad input (one line names the file and field)", "3:the deployment does not fit in memory (answer printed)"})
public final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "scenario YAML file")
    Path scenario;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a scenario key by dotted path (repeatable), e.g. --set hardware=h200 (brings"
                    + " that profile's price unless --set price... gives one) or --set deployment.decode.gpus=72 (attention"
                    + " dp and experts ep follow); docs/scenarios.md")
    List<String> sets = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON to FILE (- for standard output; the table then goes to standard error)")
    Path json;

    @Option(names = "--analytic-only", description = "skip the simulation; print the analytic estimate only")
    boolean analyticOnly;

    @Override
    public Integer call() {
        Scenario loaded = new ScenarioLoader().load(scenario, sets);
        RunResult result;
        if (analyticOnly) {
            result = RunResult.of(loaded);
        } else {
            long durationMs = Math.round(loaded.simulation().durationSeconds() * 1000);
            try (Progress progress = Progress.start(spec.commandLine().getErr(), "simulating", durationMs,
                    "simulated s", 1000)) {
                result = RunResult.simulate(loaded, seconds -> progress.stepTo(Math.round(seconds * 1000)));
            }
        }
        if (json != null) {
            result.writeJson(json);
        }
        // With --json - the JSON owns standard output; the table goes to standard error.
        PrintWriter table = json != null && io.moesim.models.io.OutputFiles.isStandardOutput(json)
                ? spec.commandLine().getErr() : spec.commandLine().getOut();
        print(result, table, !analyticOnly, sets);
        table.flush();
        return result.feasible() ? Moesim.EXIT_OK : Moesim.EXIT_INFEASIBLE;
    }

    static void print(RunResult result, PrintWriter out) {
        print(result, out, result.simulation() != null, List.of());
    }

    /**
     * The text report; {@code simulationAsked}: the user wanted the simulation (not --analytic-only);
     * {@code sets}: the overrides, shown under the title (the file's name, only its hardware renamed).
     */
    static void print(RunResult result, PrintWriter out, boolean simulationAsked, List<String> sets) {
        Scenario s = result.scenario();
        int perNode = s.hardware().network().gpusPerNodeCount();
        out.printf(Locale.ROOT, "%s%n", s.name());
        if (!sets.isEmpty()) {
            out.println("  what-if: --set " + String.join(" --set ", sets));
        }
        out.printf(Locale.ROOT, "  model %s on %s, %d GPUs, $%.2f per GPU-hour (price from %s)%n",
                s.model().id(), s.hardware().id(), s.deployment().totalGpus(), s.usdPerGpuHour(),
                s.priceSource());
        var kernels = s.hardware().kernels();
        out.printf("  kernels %s: %s%n", kernels.id(), kernels.software());
        if (!kernels.uncalibrated().isEmpty()) {
            out.printf("  uncalibrated (no kernel figure on this GPU, fallback used): %s%n",
                    String.join(", ", kernels.uncalibrated()));
        }
        if (!result.feasible()) {
            printInfeasible(result, out, simulationAsked);
        }
        for (String note : notes(result)) {
            out.println("  note: " + note);
        }
        if (result.simulation() != null) {
            printSimulation(result, out);
        }
        out.printf(Locale.ROOT, "%n  ANALYTIC ESTIMATE (steady state, uniform routing, full batches, every rank alike)%n");
        for (PoolEstimate p : result.pools()) {
            PoolMemory m = p.memory();
            out.printf(Locale.ROOT, "%n  %s pool: %d GPUs, attention TP%d x DP%d, EP%d, %d micro-batch(es)%n",
                    p.pool().role().key(), p.pool().gpus(), p.pool().attentionTp(), p.pool().attentionDp(),
                    p.pool().ep(), p.pool().microBatches());
            out.printf(Locale.ROOT, "    memory per GPU: %.1f of %.1f GB (weights %.1f, KV cache %.1f, activations %.1f,"
                            + " buffers %.1f, reserved %.1f); KV room %.0f tokens, needs %.0f%s%n",
                    m.totalBytes() / 1e9, m.capacityBytes() / 1e9, m.weightsBytes() / 1e9, m.kvCacheBytes() / 1e9,
                    m.activationBytes() / 1e9, m.bufferBytes() / 1e9, m.reservedBytes() / 1e9,
                    m.kvCacheCapacityTokens(), m.kvCacheTokensNeeded(), m.fits() ? "" : "  DOES NOT FIT");
            if (p.prefillStep() != null) {
                out.printf(Locale.ROOT, "    prefill step: %.1f ms for %.0f tokens/GPU (compute %.1f ms, communication %.1f ms)%n",
                        p.prefillStep().stepSeconds() * 1e3, p.prefillTokensPerGpu(),
                        p.prefillStep().computeSeconds() * 1e3, p.prefillStep().communicationSeconds() * 1e3);
            }
            if (p.decodeStep() != null) {
                out.printf(Locale.ROOT, "    decode step: %.1f ms for %.1f sequences/GPU (compute %.1f ms, communication %.1f ms)%n",
                        p.decodeStep().stepSeconds() * 1e3, p.batchPerGpu(),
                        p.decodeStep().computeSeconds() * 1e3, p.decodeStep().communicationSeconds() * 1e3);
            }
            if (p.pool().role().prefills()) {
                out.printf(Locale.ROOT, "    input: %.0f tokens/s per GPU, %.0f per node (cache hits included; %.0f per node computed)%n",
                        p.inputTokensPerSecondPerGpu(), p.inputTokensPerSecondPerGpu() * perNode,
                        p.computedInputTokensPerSecond() / p.pool().gpus() * perNode);
            }
            if (p.pool().role().decodes()) {
                out.printf(Locale.ROOT, "    output: %.0f tokens/s per GPU, %.0f per node%n",
                        p.outputTokensPerSecondPerGpu(), p.outputTokensPerSecondPerGpu() * perNode);
            }
            if (p.saturated()) {
                out.println("    SATURATED: the arrival rate exceeds what this pool serves");
            }
        }
        out.printf(Locale.ROOT, "%n  latency: TTFT %s, TPOT %s (analytic: p50 = p90 = p99)%n",
                ms(result.ttftSeconds()), ms(result.tpotSeconds()));
        out.printf(Locale.ROOT, "  cost: $%.2f per hour, %s per million input tokens, %s per million output tokens%n",
                result.cost().usdPerHour(), usd(result.cost().usdPerMillionInputTokens()),
                usd(result.cost().usdPerMillionOutputTokens()));
        if (result.simulation() == null) {
            out.println("  total: " + totals(result, result.inputTokensPerSecond(), result.outputTokensPerSecond())
                    + " tokens/s per user");
        }
        out.println(result.feasible() ? "  feasible: true" : "  feasible: false (see DOES NOT FIT above)");
        printBands(result, ErrorBands.shipped(), out);
        out.flush();
    }

    /**
     * What does not fit, by how much, and the single changes that would fit, first of all (the
     * answer to "does it fit?").
     */
    private static void printInfeasible(RunResult result, PrintWriter out, boolean simulationAsked) {
        out.printf(Locale.ROOT, "%n  DOES NOT FIT%s%n", simulationAsked ? " (not simulated: there is nothing to run)" : "");
        for (PoolEstimate p : result.pools()) {
            PoolMemory m = p.memory();
            if (!m.fits()) {
                out.printf(Locale.ROOT, "    %s pool: needs %.1f GB per GPU, has %.1f GB: %.1f GB (%.0f%%) too much"
                                + " (weights %.1f, KV cache %.1f for %.0f tokens, activations %.1f, buffers %.1f,"
                                + " reserved %.1f)%n",
                        p.pool().role().key(), m.totalBytes() / 1e9, m.capacityBytes() / 1e9,
                        (m.totalBytes() - m.capacityBytes()) / 1e9, 100 * (m.totalBytes() / m.capacityBytes() - 1),
                        m.weightsBytes() / 1e9, m.kvCacheBytes() / 1e9, m.kvCacheTokensNeeded(),
                        m.activationBytes() / 1e9, m.bufferBytes() / 1e9, m.reservedBytes() / 1e9);
            }
        }
        var fixes = result.fixes();
        if (fixes.isEmpty()) {
            out.println("    no single change found that fits (more GPUs up to 64x, narrower weights or KV cache,"
                    + " a smaller batch, bigger GPUs); combine several");
        } else {
            out.println("    each of these alone would fit:");
            for (var fix : fixes) {
                out.println("      " + fix.describe());
            }
        }
    }

    /** Notes on what the figures hide: requests queueing beyond the batch. */
    static List<String> notes(RunResult result) {
        List<String> notes = new ArrayList<>();
        Scenario s = result.scenario();
        if (s.workload().arrival() instanceof Workload.Arrival.Concurrency c) {
            for (PoolEstimate p : result.pools()) {
                int max = p.pool().maxBatchPerGpu();
                if (p.pool().role().decodes() && c.perGpu() > max) {
                    notes.add(String.format(Locale.ROOT, "concurrencyPerGpu %s is above the %s pool's maxBatchPerGpu %d:"
                                    + " %s requests per GPU (%s in all) wait in a queue for a batch slot; throughput is that"
                                    + " of %d per GPU, and the wait adds to TTFT",
                            num(c.perGpu()), p.pool().role().key(), max, num(c.perGpu() - max),
                            num((c.perGpu() - max) * p.pool().gpus()), max));
                }
            }
        }
        return notes;
    }

    /**
     * The headline figures (the simulation's, or the estimate's without one), each with its error band
     * from the validation cases of the scenario's hardware, or {@code uncalibrated}.
     */
    static void printBands(RunResult result, ErrorBands bands, PrintWriter out) {
        String hw = result.scenario().hardware().id();
        Map<String, Object> json = result.toJson();
        out.printf(Locale.ROOT, "%n  HEADLINE WITH ERROR BANDS (%s; from validation/error-bands.yaml, docs/validation.md)%n",
                result.simulation() == null ? "analytic estimate" : "simulation");
        for (String key : ErrorBands.HEADLINE_KEYS) {
            Object value = lookup(json, key);
            if (!(value instanceof Number n)) {
                continue;
            }
            out.printf(Locale.ROOT, "    %-40s %s (%s)%n", key, headline(key, n.doubleValue()), bands.band(hw, key).text(hw));
        }
    }

    private static Object lookup(Map<String, Object> json, String key) {
        Object node = json;
        for (String part : key.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(part);
        }
        return node;
    }

    private static String headline(String key, double value) {
        if (key.startsWith("throughput.")) {
            return String.format(Locale.ROOT, "%,.0f tok/s/GPU", value);
        }
        if (key.startsWith("latency.")) {
            return ms(value);
        }
        return usd(value) + "/Mtok";
    }

    private static void printSimulation(RunResult result, PrintWriter out) {
        SimulationResult sim = result.simulation();
        Scenario s = result.scenario();
        int perNode = s.hardware().network().gpusPerNodeCount();
        out.printf(Locale.ROOT, "%n  SIMULATION (seed %d, %s routing, %.0f s simulated, first %.0f s warm-up)%n", s.seed(),
                routing(s.routing()), sim.simulatedSeconds(), sim.simulatedSeconds() - sim.measuredSeconds());
        printMeasurement(sim.measurement(), out);
        for (SimulationResult.PoolResult p : sim.pools()) {
            out.printf(Locale.ROOT, "    %s pool: %d GPUs, busy %.0f%%, time compute %.0f%% / communication %.0f%% / idle %.0f%%,"
                            + " %.1f tokens per rank per step, step %.1f ms, rank balance %.0f%%%n",
                    p.name(), p.gpus(), 100 * p.utilisation(), 100 * p.computeFraction(), 100 * p.communicationFraction(),
                    100 * p.idleFraction(), p.meanBatchTokensPerRank(), p.meanStepSeconds() * 1e3, 100 * p.rankBalance());
            String idle = idleReasons(p);
            if (!idle.isEmpty()) {
                out.println("      idle: " + idle);
            }
            if (p.role() != PoolSpec.Role.DECODE) {
                out.printf(Locale.ROOT, "      input: %.0f tokens/s per node (cache hits included; %.0f computed)%n",
                        p.inputTokensPerSecond() / p.gpus() * perNode, p.computedInputTokensPerSecond() / p.gpus() * perNode);
            }
            if (p.role() != PoolSpec.Role.PREFILL) {
                out.printf(Locale.ROOT, "      output: %.0f tokens/s per node%n", p.outputTokensPerSecond() / p.gpus() * perNode);
            }
        }
        out.println("    total: " + totals(result, result.simulatedInputTokensPerSecond(),
                result.simulatedOutputTokensPerSecond()) + " tokens/s per user (1 / TPOT p50)");
        out.printf(Locale.ROOT, "    latency: TTFT p50 %s p90 %s p99 %s; TPOT p50 %s p90 %s p99 %s%n",
                ms(sim.ttftSeconds().p50()), ms(sim.ttftSeconds().p90()), ms(sim.ttftSeconds().p99()),
                ms(sim.tpotSeconds().p50()), ms(sim.tpotSeconds().p90()), ms(sim.tpotSeconds().p99()));
        var cost = result.simulatedCost();
        out.printf(Locale.ROOT, "    requests: %d completed, %d in flight, %d pre-emptions; cost %s per million input, %s per million output tokens%n",
                sim.requestsCompleted(), sim.requestsInFlight(), sim.preemptions(), usd(cost.usdPerMillionInputTokens()),
                usd(cost.usdPerMillionOutputTokens()));
    }

    /**
     * Why a pool's GPUs were idle: between steps (no work: nothing arrived, or the next step waited
     * for requests) and inside steps (a GPU that finished its share waits for the slowest GPU of its
     * instance, whose compute and exposed communication set the step time); empty when neither is
     * as much as half a percent.
     */
    static String idleReasons(SimulationResult.PoolResult p) {
        double between = Math.max(0, 1 - p.utilisation());
        double inside = Math.max(0, p.idleFraction() - between);
        List<String> parts = new ArrayList<>();
        if (inside >= 0.005) {
            parts.add(String.format(Locale.ROOT, "%.0f%% waiting inside steps for the slowest GPU of the instance"
                    + " (uneven expert or attention load)", 100 * inside));
        }
        if (between >= 0.005) {
            parts.add(String.format(Locale.ROOT, "%.0f%% between steps with no work (no request ready)", 100 * between));
        }
        if (parts.isEmpty()) {
            return "";
        }
        if (p.communicationFraction() >= 0.005) {
            parts.add(String.format(Locale.ROOT, "time waiting for communication not hidden behind compute is counted"
                    + " as communication (%.0f%%), not idle", 100 * p.communicationFraction()));
        }
        return String.join("; ", parts);
    }

    /** {@code N input tokens/s, M output tokens/s; U} for the roles the deployment has. */
    private static String totals(RunResult result, double input, double output) {
        List<String> parts = new ArrayList<>();
        if (result.prefillGpus() > 0) {
            parts.add(String.format(Locale.ROOT, "%.0f input tokens/s", input));
        }
        if (result.decodeGpus() > 0) {
            parts.add(String.format(Locale.ROOT, "%.0f output tokens/s", output));
        }
        return String.join(", ", parts) + "; " + perUser(result.tokensPerSecondPerUser());
    }

    private static String perUser(double tokensPerSecond) {
        return Double.isNaN(tokensPerSecond) ? "n/a" : String.format(Locale.ROOT, "%.1f", tokensPerSecond);
    }

    private static String num(double value) {
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
    }

    private static void printMeasurement(SimulationResult.Measurement m, PrintWriter out) {
        SimulationResult.Interval ci = m.throughput();
        String stop = switch (m.stop()) {
            case DURATION -> "a fixed duration (simulation.durationSeconds, or a trace's last arrival + a lifetime)";
            case SETTLED -> String.format(Locale.ROOT, "settled: 95%% CI half-width within %.1f%%",
                    100 * m.targetRelativeHalfWidth());
            case CAP -> String.format(Locale.ROOT, "at the cap, NOT settled (target %.1f%%)",
                    100 * m.targetRelativeHalfWidth());
        };
        out.printf(Locale.ROOT, "    measured: %.0f s window, %d requests completed in it (%d in the system at the end);"
                        + " headline throughput +-%s (95%% CI, %d batches of %.1f s); stop: %s%n",
                m.windowSeconds(), m.completedRequests(), m.requestsInSystem(),
                Double.isNaN(ci.relativeHalfWidth()) ? "n/a" : String.format(Locale.ROOT, "%.1f%%",
                        100 * ci.relativeHalfWidth()), ci.batches(), m.batchSeconds(), stop);
        if (!m.enoughCompleted()) {
            out.printf(Locale.ROOT, "    WARNING: TRANSIENT, not a steady state: only %d requests completed in the measured"
                            + " window (it needs %d: one per request in the system, at least %d); lengthen"
                            + " simulation.durationSeconds or leave it out%n", m.completedRequests(),
                    Math.max(SimulationResult.MIN_COMPLETED_REQUESTS, m.requestsInSystem()),
                    SimulationResult.MIN_COMPLETED_REQUESTS);
        }
    }

    private static String routing(Scenario.Routing routing) {
        return switch (routing) {
            case Scenario.Routing.Uniform u -> "uniform";
            case Scenario.Routing.Zipf z -> "Zipf " + z.exponent();
            case Scenario.Routing.Trace t -> "trace";
        };
    }

    private static String ms(double seconds) {
        return Double.isNaN(seconds) ? "n/a" : String.format(Locale.ROOT, "%.1f ms", seconds * 1e3);
    }

    private static String usd(double usd) {
        return Double.isNaN(usd) ? "n/a" : String.format(Locale.ROOT, "$%.3f", usd);
    }
}
