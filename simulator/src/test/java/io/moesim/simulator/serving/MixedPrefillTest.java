package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.simulator.analytic.AnalyticModel;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import org.junit.jupiter.api.Test;

/**
 * A colocated pool interleaves prefill with decode (continuous batching with chunked prefill): each
 * step runs every decoding request's token first, then prompt chunks of at most maxTokensPerGpu x tp
 * tokens within a budget of (maxTokensPerGpu + maxBatchPerGpu) x tp new tokens per rank, so a long
 * prompt never stalls the decoders for its whole prefill.
 */
class MixedPrefillTest {

    @Test
    void longPromptsArePrefilledInChunksBesideTheDecoders() {
        // Mixtral on 8 H100 (TP8: one rank of 8 GPUs), 30,000-token prompts, 100 output tokens, 64 requests.
        // Per rank: chunks of 1024 x 8 = 8,192 tokens, budget (1024 + 32) x 8 = 8,448 new tokens per step.
        Scenario s = Scenarios.load(Scenarios.shipped("mixtral-8x7b-h100.yaml"), "workload.inputTokens=30000",
                "workload.outputTokens=100", "workload.arrival.concurrencyPerGpu=8", "simulation.durationSeconds=60",
                "simulation.warmupSeconds=20",
                // 32 sequences x 30,100 tokens per GPU need an FP8 KV cache to fit in 80 GB (moesim run says so)
                "precision.kvCache=fp8");
        SimulationResult r = RunResult.simulate(s).simulation();
        SimulationResult.PoolResult pool = r.pools().getFirst();
        assertTrue(pool.meanBatchTokensPerRank() <= 8448, pool.meanBatchTokensPerRank() + " tokens per step");
        // Prefill and decode share the steps: both advance in the window.
        assertTrue(pool.inputTokensPerSecond() > 0 && pool.outputTokensPerSecond() > 0);

        StepModel model = AnalyticModel.stepModel(s, s.deployment().colocated());
        // The longest mixed step: 64 decoders at full context beside one 8,192-token chunk at the prompt's end.
        StepModel.Batch mixed = new StepModel.Batch(1);
        mixed.addDecode(0, 30100, 64);
        mixed.addPrefill(0, 30000 - 8192, 8192);
        double mixedStep = model.step(mixed).stepSeconds();
        // Without chunking, a step holding a whole prompt beside the decoders.
        StepModel.Batch whole = new StepModel.Batch(1);
        whole.addDecode(0, 30100, 64);
        whole.addPrefill(0, 0, 30000);
        double wholeStep = model.step(whole).stepSeconds();
        assertTrue(mixedStep < 0.5 * wholeStep, mixedStep + " vs " + wholeStep);
        // A decoder's time per output token never exceeds the longest mixed step.
        double p99 = r.tpotSeconds().p99();
        assertTrue(p99 <= mixedStep, "TPOT p99 " + p99 + " > " + mixedStep);
        assertTrue(r.tpotSeconds().count() > 0);
    }
}
