package io.moesim.cli;

import io.moesim.simulator.analytic.PoolEstimate;
import io.moesim.simulator.memory.PoolMemory;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moesim run SCENARIO [--set K=V]... [--json FILE]}: the analytic estimate of a scenario. */
@Command(name = "run", description = "Estimates a scenario: memory per GPU, throughput, latency and cost.")
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

    @Override
    public Integer call() {
        Scenario loaded = new ScenarioLoader().load(scenario, sets);
        RunResult result = RunResult.of(loaded);
        if (json != null) {
            result.writeJson(json);
        }
        print(result, spec.commandLine().getOut());
        return 0;
    }

    static void print(RunResult result, PrintWriter out) {
        Scenario s = result.scenario();
        int perNode = s.hardware().network().gpusPerNodeCount();
        out.printf("%s%n  model %s on %s, %d GPUs, $%.2f per GPU-hour (analytic estimate, uniform routing)%n",
                s.name(), s.model().id(), s.hardware().id(), s.deployment().totalGpus(), s.usdPerGpuHour());
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
        out.flush();
    }

    private static String ms(double seconds) {
        return Double.isNaN(seconds) ? "n/a" : String.format(Locale.ROOT, "%.1f ms", seconds * 1e3);
    }

    private static String usd(double usd) {
        return Double.isNaN(usd) ? "n/a" : String.format(Locale.ROOT, "$%.3f", usd);
    }
}
