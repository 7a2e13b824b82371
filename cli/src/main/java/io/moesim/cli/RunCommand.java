package io.moesim.cli;

import io.moesim.simulator.analytic.PoolEstimate;
import io.moesim.simulator.memory.PoolMemory;
import io.moesim.simulator.results.ErrorBands;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
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
        + " memory per GPU, throughput, latency and cost.")
public final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "scenario YAML file")
    Path scenario;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a scenario key by dotted path (repeatable), e.g. --set hardware=h200")
    List<String> sets = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON to FILE")
    Path json;

    @Option(names = "--analytic-only", description = "skip the simulation; print the analytic estimate only")
    boolean analyticOnly;

    @Override
    public Integer call() {
        Scenario loaded = new ScenarioLoader().load(scenario, sets);
        RunResult result = analyticOnly ? RunResult.of(loaded) : RunResult.simulate(loaded);
        if (json != null) {
            result.writeJson(json);
        }
        print(result, spec.commandLine().getOut());
        return 0;
    }

    static void print(RunResult result, PrintWriter out) {
        Scenario s = result.scenario();
        int perNode = s.hardware().network().gpusPerNodeCount();
        out.printf("%s%n  model %s on %s, %d GPUs, $%.2f per GPU-hour%n",
                s.name(), s.model().id(), s.hardware().id(), s.deployment().totalGpus(), s.usdPerGpuHour());
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
        out.println(result.feasible() ? "  feasible" : "  INFEASIBLE:");
        for (String problem : result.problems()) {
            out.println("    " + problem);
        }
        printBands(result, ErrorBands.shipped(), out);
        out.flush();
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
        for (SimulationResult.PoolResult p : sim.pools()) {
            out.printf(Locale.ROOT, "    %s pool: %d GPUs, busy %.0f%%, time compute %.0f%% / communication %.0f%% / idle %.0f%%,"
                            + " %.1f tokens per rank per step, step %.1f ms%n",
                    p.name(), p.gpus(), 100 * p.utilisation(), 100 * p.computeFraction(), 100 * p.communicationFraction(),
                    100 * p.idleFraction(), p.meanBatchTokensPerRank(), p.meanStepSeconds() * 1e3);
            if (p.role() != PoolSpec.Role.DECODE) {
                out.printf(Locale.ROOT, "      input: %.0f tokens/s per node (cache hits included; %.0f computed)%n",
                        p.inputTokensPerSecond() / p.gpus() * perNode, p.computedInputTokensPerSecond() / p.gpus() * perNode);
            }
            if (p.role() != PoolSpec.Role.PREFILL) {
                out.printf(Locale.ROOT, "      output: %.0f tokens/s per node%n", p.outputTokensPerSecond() / p.gpus() * perNode);
            }
        }
        out.printf(Locale.ROOT, "    latency: TTFT p50 %s p90 %s p99 %s; TPOT p50 %s p90 %s p99 %s%n",
                ms(sim.ttftSeconds().p50()), ms(sim.ttftSeconds().p90()), ms(sim.ttftSeconds().p99()),
                ms(sim.tpotSeconds().p50()), ms(sim.tpotSeconds().p90()), ms(sim.tpotSeconds().p99()));
        var cost = result.simulatedCost();
        out.printf(Locale.ROOT, "    requests: %d completed, %d in flight, %d pre-emptions; cost %s per million input, %s per million output tokens%n",
                sim.requestsCompleted(), sim.requestsInFlight(), sim.preemptions(), usd(cost.usdPerMillionInputTokens()),
                usd(cost.usdPerMillionOutputTokens()));
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
