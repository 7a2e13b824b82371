package io.moesim.simulator.serving;

import io.moesim.simulator.analytic.PoolEstimate;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * Prints the four DeepSeek calibration points (docs/calibration.md), analytic and simulated:
 * {@code java ... CalibrationMain [analytic|des|both] [simulatedSeconds]}.
 */
public final class CalibrationMain {

    record Point(String name, String file, double published, boolean decode, List<String> sets) {
    }

    static final List<Point> POINTS = List.of(
            new Point("production decode (14.8k out/node)", "deepseek-v3-h800-decode.yaml", 14_800, true, List.of()),
            new Point("production prefill (73.7k in/node incl. hits)", "deepseek-v3-h800-prefill.yaml", 73_700, false,
                    List.of()),
            new Point("profile decode EP128 b128 KV4096 (18,598)", "deepseek-v3-h800-decode.yaml", 18_598, true,
                    List.of("deployment.decode.gpus=128", "deployment.decode.attention.dp=128",
                            "deployment.decode.experts.ep=128", "placement.redundantExperts=0",
                            "workload.inputTokens=3596", "workload.outputTokens=1000",
                            "workload.arrival.concurrencyPerGpu=128", "workload.prefixCacheHitRate=0")),
            new Point("profile prefill EP32 16K/GPU 4096 in (62,713)", "deepseek-v3-h800-prefill.yaml", 62_713, false,
                    List.of("workload.inputTokens=4096", "workload.prefixCacheHitRate=0", "placement.redundantExperts=0")));

    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "both";
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 0;
        for (Point p : POINTS) {
            List<String> sets = new java.util.ArrayList<>(p.sets());
            if (seconds > 0) {
                sets.add("simulation.durationSeconds=" + seconds);
                sets.add("simulation.warmupSeconds=" + seconds / 3);
            }
            Scenario s = new ScenarioLoader().load(Path.of("scenarios", p.file()), sets);
            PoolEstimate e = RunResult.of(s).pools().getFirst();
            double analytic = (p.decode() ? e.outputTokensPerSecondPerGpu() : e.inputTokensPerSecondPerGpu()) * 8;
            StringBuilder line = new StringBuilder(String.format("%-50s published %7.0f | analytic %7.0f (%+.1f%%)",
                    p.name(), p.published(), analytic, 100 * (analytic / p.published() - 1)));
            if (p.decode()) {
                line.append(String.format(" step %.1f ms", e.decodeStep().stepSeconds() * 1e3));
            } else {
                line.append(String.format(" step %.0f ms", e.prefillStep().stepSeconds() * 1e3));
            }
            if (!mode.equals("analytic")) {
                long t0 = System.nanoTime();
                SimulationResult r = new ServingSimulation(ServingSpecs.from(s)).run();
                SimulationResult.PoolResult pool = r.pools().getFirst();
                double des = p.decode() ? pool.outputTokensPerSecondPerNode() : pool.inputTokensPerSecondPerNode();
                line.append(String.format(" | DES %7.0f (%+.1f%%) step %.1f ms batch %.1f [%.1f s wall]", des,
                        100 * (des / p.published() - 1), pool.meanStepSeconds() * 1e3, pool.meanBatchTokensPerRank(),
                        (System.nanoTime() - t0) / 1e9));
            }
            System.out.println(line);
        }
    }
}
