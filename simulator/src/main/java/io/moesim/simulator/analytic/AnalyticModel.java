package io.moesim.simulator.analytic;

import io.moesim.simulator.memory.MemoryModel;
import io.moesim.simulator.memory.PoolMemory;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * The analytic (steady-state, uniform-routing) estimate of a scenario, pool by pool: memory, a
 * roofline step time ({@link StepModel}), throughput and latency. It has no queues, so a latency's
 * percentiles are all equal; the discrete-event simulator refines them.
 *
 * <ul>
 *   <li>Decode: each GPU runs {@code b} sequences, one new token each per step, at the mean context
 *       input + output / 2; TPOT is the step time. Closed loop: {@code b = min(maxBatchPerGpu,
 *       concurrencyPerGpu)}. Open loop (Poisson): the smallest {@code b} whose throughput meets
 *       the arrival rate times the output length.</li>
 *   <li>Prefill: each GPU runs {@code maxTokensPerGpu} new (uncached) prompt tokens per step, as
 *       whole prompts of (1 - hit rate) x L tokens after a cached prefix of hit rate x L, with L the
 *       length-weighted mean prompt E[L^2] / E[L] (the mean when all prompts are alike: a prompt
 *       token's attention context depends on the length of the prompt it is in);
 *       TTFT is one step, or as many steps as a longer prompt needs. Open loop: the smallest step that
 *       meets the arrival rate.</li>
 *   <li>Colocated: the GPUs alternate prefill steps and decode steps; per request a GPU spends
 *       {@code newTokens x prefillStep / maxTokensPerGpu + output x decodeStep / b}; TPOT is the decode
 *       step divided by the share of time spent decoding.</li>
 * </ul>
 */
public final class AnalyticModel {

    private AnalyticModel() {
    }

    /** Estimates every pool of {@code scenario}. */
    public static List<PoolEstimate> estimate(Scenario scenario) {
        List<PoolEstimate> estimates = new ArrayList<>();
        for (Pool pool : scenario.deployment().pools()) {
            estimates.add(estimate(scenario, pool));
        }
        return List.copyOf(estimates);
    }

    /** Estimates one pool. */
    public static PoolEstimate estimate(Scenario scenario, Pool pool) {
        StepModel model = stepModel(scenario, pool);
        PoolMemory memory = MemoryModel.of(scenario, pool);
        Workload workload = scenario.workload();
        double hit = workload.prefixCacheHitRate();
        double input = workload.inputTokens().mean();
        double output = workload.outputTokens().mean();
        double newTokens = Math.max(1, (1 - hit) * input);
        double context = MemoryModel.meanDecodeContext(scenario);
        java.util.function.DoubleFunction<StepModel.Step> decodeStep = b -> model.step(model.decodeBatch(b, context));
        // Prompt tokens sit in prompts of the length-weighted mean length: with spread lengths, longer
        // prompts carry more of the tokens, and each of their tokens attends to a longer context.
        double attendedInput = workload.inputTokens().lengthWeightedMean();
        java.util.function.DoubleFunction<StepModel.Step> prefillStep = t -> model.step(
                model.prefillBatch(t, hit * attendedInput, Math.max(1, (1 - hit) * attendedInput)));
        double gpus = pool.gpus();
        Double poisson = switch (workload.arrival()) {
            case Workload.Arrival.Poisson p -> p.requestsPerSecond();
            case Workload.Arrival.Trace t -> t.requestsPerSecond();
            case Workload.Arrival.Concurrency c -> null;
        };
        double concurrency = workload.arrival() instanceof Workload.Arrival.Concurrency c ? c.perGpu() : 0;

        return switch (pool.role()) {
            case DECODE -> {
                double b;
                boolean saturated = false;
                if (poisson == null) {
                    b = Math.min(pool.maxBatchPerGpu(), concurrency);
                } else {
                    double demand = poisson * output / gpus;
                    b = solve(x -> x / decodeStep.apply(x).stepSeconds(), demand, pool.maxBatchPerGpu());
                    saturated = b >= pool.maxBatchPerGpu() && pool.maxBatchPerGpu()
                            / decodeStep.apply(pool.maxBatchPerGpu()).stepSeconds() < demand;
                }
                StepModel.Step step = decodeStep.apply(b);
                yield new PoolEstimate(pool, memory, b, 0, step, null, 0, 0, gpus * b / step.stepSeconds(),
                        Double.NaN, step.stepSeconds(), 0, saturated);
            }
            case PREFILL -> {
                double tokens = pool.maxTokensPerGpu();
                boolean saturated = false;
                if (poisson != null) {
                    double demand = poisson * newTokens / gpus;
                    tokens = solve(x -> x / prefillStep.apply(x).stepSeconds(), demand, pool.maxTokensPerGpu());
                    saturated = tokens >= pool.maxTokensPerGpu() && pool.maxTokensPerGpu()
                            / prefillStep.apply(pool.maxTokensPerGpu()).stepSeconds() < demand;
                }
                StepModel.Step step = prefillStep.apply(tokens);
                double computed = gpus * tokens / step.stepSeconds();
                double ttft = step.stepSeconds() * Math.max(1, newTokens / tokens);
                yield new PoolEstimate(pool, memory, 0, tokens, null, step, computed / (1 - hit), computed, 0,
                        ttft, Double.NaN, 1, saturated);
            }
            case COLOCATED -> colocated(scenario, pool, memory, decodeStep, prefillStep, newTokens, output, poisson,
                    concurrency);
        };
    }

    private static PoolEstimate colocated(Scenario scenario, Pool pool, PoolMemory memory,
                                          java.util.function.DoubleFunction<StepModel.Step> decodeStep,
                                          java.util.function.DoubleFunction<StepModel.Step> prefillStep,
                                          double newTokens, double output, Double poisson, double concurrency) {
        double hit = scenario.workload().prefixCacheHitRate();
        double gpus = pool.gpus();
        double tokens = pool.maxTokensPerGpu();
        StepModel.Step prefill = prefillStep.apply(tokens);
        double prefillPerRequest = newTokens * prefill.stepSeconds() / tokens;
        double b = poisson == null ? Math.min(pool.maxBatchPerGpu(), concurrency) : pool.maxBatchPerGpu();
        boolean saturated = false;
        double requestsPerGpu;
        StepModel.Step decode = decodeStep.apply(b);
        double capacity = 1 / (prefillPerRequest + output * decode.stepSeconds() / b);
        if (poisson == null) {
            requestsPerGpu = capacity;
        } else {
            double demand = poisson / gpus;
            saturated = demand > capacity;
            requestsPerGpu = Math.min(demand, capacity);
            if (!saturated) {
                // Little's law: sequences decoding per GPU = request rate x output x TPOT(b); iterate to a fixed point.
                for (int i = 0; i < 50; i++) {
                    StepModel.Step step = decodeStep.apply(b);
                    double decodeShare = 1 - requestsPerGpu * prefillPerRequest;
                    double tpot = step.stepSeconds() / Math.max(1e-9, decodeShare);
                    b = Math.max(1e-3, Math.min(pool.maxBatchPerGpu(), requestsPerGpu * output * tpot));
                }
                decode = decodeStep.apply(b);
            }
        }
        double prefillShare = requestsPerGpu * prefillPerRequest;
        double tpot = decode.stepSeconds() / Math.max(1e-9, 1 - prefillShare);
        double ttft = prefill.stepSeconds() * Math.max(1, newTokens / tokens);
        double input = scenario.workload().inputTokens().mean();
        return new PoolEstimate(pool, memory, b, tokens, decode, prefill, gpus * requestsPerGpu * input,
                gpus * requestsPerGpu * input * (1 - hit), gpus * requestsPerGpu * output, ttft, tpot,
                Math.min(1, prefillShare), saturated);
    }

    /** The step model of one expert-parallel group (instance) of {@code pool}. */
    public static StepModel stepModel(Scenario scenario, Pool pool) {
        return new StepModel(scenario.model(), scenario.hardware(), scenario.precision(),
                new StepModel.Shape(pool.ep(), pool.attentionTp(), pool.microBatches(),
                        scenario.placement().redundantExperts(), pool.cudaGraphs()));
    }

    /**
     * The smallest x in (0, max] with rate(x) >= demand, by bisection (rate grows with x), or max
     * when even max falls short.
     */
    static double solve(java.util.function.DoubleUnaryOperator rate, double demand, double max) {
        if (rate.applyAsDouble(max) <= demand) {
            return max;
        }
        double lo = 0;
        double hi = max;
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (mid > 0 && rate.applyAsDouble(mid) >= demand) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }
}
