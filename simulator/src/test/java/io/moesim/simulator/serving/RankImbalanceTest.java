package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.simulator.analytic.AnalyticModel;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attention-rank imbalance: with DP attention every step waits for its slowest rank, whose batch and
 * contexts differ from the others'. The step model takes per-rank sums and keeps the slowest rank; the
 * DES fills each rank's batch from its own requests and measures the balance it loses.
 */
class RankImbalanceTest {

    /** DeepSeek-V3 on 8 GB200, colocated, attention DP8 + EP8 (the shape of TensorRT-LLM's tech blog 10). */
    private static final String DP8 = """
            name: DeepSeek-V3 on 8 GB200, DP8 EP8
            model: deepseek-v3
            hardware: gb200-nvl72
            deployment:
              colocated: { gpus: 8, attention: { tp: 1, dp: 8 }, experts: { ep: 8 }, maxBatchPerGpu: 128,
                           maxTokensPerGpu: 2048, microBatches: 1 }
            precision: { weights: fp8, activations: fp8, kvCache: fp8, dispatch: fp8, combine: bf16 }
            workload:
              inputTokens: 1000
              outputTokens: 1000
              arrival: { concurrencyPerGpu: 128 }
            """;

    private static Scenario dp8(Path dir, String... sets) {
        return Scenarios.load(Scenarios.write(dir, "dp8.yaml", DP8), sets);
    }

    private static double part(StepModel.Step step, StepModel.Part part) {
        return step.breakdown().get(part.key());
    }

    @Test
    void theSlowestRankSetsTheStep(@TempDir Path dir) {
        Scenario s = dp8(dir);
        StepModel model = AnalyticModel.stepModel(s, s.deployment().colocated());
        // 64 decoding requests on each of the 8 ranks, 4,000 KV tokens each on average. Balanced: every rank
        // alike. Skewed: rank 0's requests hold 11,000 tokens each, the others' 3,000 (same total).
        StepModel.Batch balanced = new StepModel.Batch(8);
        StepModel.Batch skewed = new StepModel.Batch(8);
        for (int r = 0; r < 8; r++) {
            balanced.addDecodes(r, 64, 64L * 4000);
            skewed.addDecodes(r, 64, 64L * (r == 0 ? 11000 : 3000));
        }
        assertEquals(balanced.totalTokens(), skewed.totalTokens(), 0);
        StepModel.Step b = model.step(balanced);
        StepModel.Step k = model.step(skewed);
        // Same tokens per rank: projections, experts, all-to-all and LM head are unchanged; one micro-batch,
        // so times add up: the step is longer by exactly the slowest rank's extra attention core.
        for (StepModel.Part p : new StepModel.Part[] {StepModel.Part.ATTENTION_PROJECTIONS, StepModel.Part.ROUTED_EXPERTS,
                StepModel.Part.DISPATCH, StepModel.Part.COMBINE, StepModel.Part.LM_HEAD}) {
            assertEquals(part(b, p), part(k, p), 1e-12 * b.stepSeconds(), p.key());
        }
        double extraCore = part(k, StepModel.Part.ATTENTION_CORE) - part(b, StepModel.Part.ATTENTION_CORE);
        assertEquals(extraCore, k.stepSeconds() - b.stepSeconds(), 1e-9 * b.stepSeconds());
        // The attention core grows with the context, at most linearly: the kernel tables
        // (kernel-profiles/) make longer contexts no less efficient per token, so the slowest rank's core is
        // between 2x and 11,000 / 4,000 times the balanced one.
        double ratio = part(k, StepModel.Part.ATTENTION_CORE) / part(b, StepModel.Part.ATTENTION_CORE);
        assertTrue(ratio >= 2 && ratio <= 11000.0 / 4000 + 1e-9, "core ratio " + ratio);
        assertTrue(k.stepSeconds() > 1.1 * b.stepSeconds(), k.stepSeconds() + " vs " + b.stepSeconds());

        // Spread evenly, the skewed batch is the balanced one again (within 0.5%: the kernel tables look the
        // attention efficiency up by each rank's batch and mean context, which the spread keeps only on average).
        StepModel.Batch even = new StepModel.Batch(8);
        even.setBalanced(skewed);
        assertEquals(skewed.totalTokens(), even.totalTokens(), 1e-9);
        assertEquals(b.stepSeconds(), model.step(even).stepSeconds(), 5e-3 * b.stepSeconds());
    }

    @Test
    void theSimulationLosesThroughputToUnevenRanks(@TempDir Path dir) {
        // Fixed lengths: every rank runs the same mix in lockstep, nothing is lost.
        SimulationResult same = RunResult.simulate(dp8(dir, "simulation.durationSeconds=40",
                "simulation.warmupSeconds=20")).simulation();
        double sameBalance = same.pools().getFirst().rankBalance();
        assertTrue(sameBalance > 0.99 && sameBalance <= 1 + 1e-9, "balance " + sameBalance);
        // Lengths spread (lognormal prompts and outputs): ranks hold different contexts, and a prompt's chunks
        // land on one rank while the others decode; every step waits for the slowest.
        SimulationResult spread = RunResult.simulate(dp8(dir, "simulation.durationSeconds=40",
                "simulation.warmupSeconds=20", "workload.inputTokens={distribution: lognormal, median: 1000, sigma: 1}",
                "workload.outputTokens={distribution: lognormal, median: 1000, sigma: 1}")).simulation();
        double spreadBalance = spread.pools().getFirst().rankBalance();
        assertTrue(spreadBalance < 0.85, "balance " + spreadBalance);
        // The ranks wait: idle GPU time grows with the balance lost (by at least a quarter of it: the per-token
        // small kernels and the host term of the kernel tables take part of the slowest rank's time too).
        double idleSame = same.pools().getFirst().idleFraction();
        double idleSpread = spread.pools().getFirst().idleFraction();
        assertTrue(idleSpread - idleSame > 0.25 * (1 - spreadBalance), idleSame + " -> " + idleSpread + ", balance " + spreadBalance);
        // A pool of one rank cannot be unbalanced.
        SimulationResult tp = RunResult.simulate(dp8(dir, "simulation.durationSeconds=10", "simulation.warmupSeconds=2",
                "deployment.colocated.attention={tp: 8, dp: 1}", "deployment.colocated.maxBatchPerGpu=16",
                "workload.arrival.concurrencyPerGpu=16")).simulation();
        assertEquals(1.0, tp.pools().getFirst().rankBalance(), 0);
    }
}
