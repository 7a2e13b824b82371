package io.moesim.simulator.serving;

import io.moesim.simulator.routing.SyntheticRouting;

/** Prints the DeepSeek production predictions: {@code java ... DeepSeekRunMain [seconds] [concurrency] [prefillInstances]}. */
public final class DeepSeekRunMain {
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 120;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 144 * 100;
        int prefill = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        long t0 = System.nanoTime();
        ServingSimulation sim = new ServingSimulation(DeepSeekScenarios.production(prefill, concurrency, 128,
                new SyntheticRouting.Uniform(), seconds, Math.min(60, seconds / 3), 1));
        SimulationResult r = sim.run();
        System.out.println(sim.queueSummary());
        System.out.printf("KV capacity per rank: prefill %d, decode %d tokens%n", sim.kvCapacityTokensPerRank(0),
                sim.kvCapacityTokensPerRank(1));
        double wall = (System.nanoTime() - t0) / 1e9;
        for (SimulationResult.PoolResult p : r.pools()) {
            System.out.printf("%s: in %.0f tok/s/node (computed %.0f), out %.0f tok/s/node, util %.2f, compute %.2f comm %.2f idle %.2f, batch/rank %.1f, step %.2f ms%n",
                    p.name(), p.inputTokensPerSecondPerNode(), p.computedInputTokensPerSecond() / p.nodes(),
                    p.outputTokensPerSecondPerNode(), p.utilisation(), p.computeFraction(), p.communicationFraction(),
                    p.idleFraction(), p.meanBatchTokensPerRank(), p.meanStepSeconds() * 1e3);
        }
        System.out.printf("requests %d arrived %d completed, preemptions %d, TTFT p50 %.3f p99 %.3f s, TPOT p50 %.1f p99 %.1f ms%n",
                r.requestsArrived(), r.requestsCompleted(), r.preemptions(), r.ttftSeconds().p50(), r.ttftSeconds().p99(),
                r.tpotSeconds().p50() * 1e3, r.tpotSeconds().p99() * 1e3);
        System.out.printf("simulated %.0f s in %.1f s wall (%.1f sim s / wall s), %d events, %d steps%n",
                seconds, wall, seconds / wall, r.events(), r.steps());
    }
}
