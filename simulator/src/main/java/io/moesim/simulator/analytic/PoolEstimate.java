package io.moesim.simulator.analytic;

import io.moesim.simulator.memory.PoolMemory;
import io.moesim.simulator.scenario.Pool;

/**
 * The analytic estimate of one pool. Rates count only this pool's GPUs; a rate the pool does not
 * produce is 0 (a decode pool produces no input tokens).
 *
 * @param pool                        the pool
 * @param memory                      HBM of one of its GPUs
 * @param batchPerGpu                 decoding sequences per GPU the estimate runs at (0 if none)
 * @param prefillTokensPerGpu         new prompt tokens per GPU per prefill step (0 if none)
 * @param decodeStep                  one decode step, or null
 * @param prefillStep                 one prefill step, or null
 * @param inputTokensPerSecond        prompt tokens served per second, prefix-cache hits included
 * @param computedInputTokensPerSecond prompt tokens computed per second (cache hits excluded)
 * @param outputTokensPerSecond       generated tokens per second
 * @param ttftSeconds                 time to first token (the prefill step holding the request), or NaN
 * @param tpotSeconds                 time per output token, or NaN
 * @param prefillTimeFraction         share of GPU time spent prefilling (1 prefill pool, 0 decode pool)
 * @param saturated                   an open-loop arrival rate exceeds what the pool can serve
 */
public record PoolEstimate(Pool pool, PoolMemory memory, double batchPerGpu, double prefillTokensPerGpu,
                           StepModel.Step decodeStep, StepModel.Step prefillStep, double inputTokensPerSecond,
                           double computedInputTokensPerSecond, double outputTokensPerSecond, double ttftSeconds,
                           double tpotSeconds, double prefillTimeFraction, boolean saturated) {

    public double inputTokensPerSecondPerGpu() {
        return inputTokensPerSecond / pool.gpus();
    }

    public double outputTokensPerSecondPerGpu() {
        return outputTokensPerSecond / pool.gpus();
    }
}
