package io.moesim.simulator.serving;

import java.util.List;

/**
 * What a serving simulation measured, over the window after warm-up.
 *
 * @param simulatedSeconds      simulated time (warm-up included)
 * @param measuredSeconds       simulated time after warm-up, the denominator of the rates
 * @param requestsArrived       requests that arrived during the whole run
 * @param requestsCompleted     requests that finished during the whole run
 * @param requestsInFlight      requests arrived but not finished at the end (arrived = completed + in flight)
 * @param ttftSeconds           time to first token of requests that arrived after warm-up and got one
 * @param tpotSeconds           time per output token after the first, of requests that finished after warm-up
 * @param preemptions           KV-cache pre-emptions (recompute) during the whole run
 * @param pools                 one entry per pool
 * @param events                events fired
 * @param steps                 instance steps simulated
 */
public record SimulationResult(double simulatedSeconds, double measuredSeconds, long requestsArrived,
                               long requestsCompleted, long requestsInFlight, Percentiles ttftSeconds,
                               Percentiles tpotSeconds, long preemptions, List<PoolResult> pools, long events,
                               long steps) {

    /** p50, p90, p99 and mean of a sample (NaN when empty), and its size. */
    public record Percentiles(long count, double mean, double p50, double p90, double p99) {

        /** Nearest-rank percentiles of {@code values} (sorted in place). */
        public static Percentiles of(double[] values) {
            java.util.Arrays.sort(values);
            if (values.length == 0) {
                return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            return new Percentiles(values.length, sum / values.length, rank(values, 0.50), rank(values, 0.90),
                    rank(values, 0.99));
        }

        private static double rank(double[] sorted, double q) {
            int index = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }
    }

    /**
     * One pool's figures after warm-up.
     *
     * @param name                       pool name
     * @param role                       colocated, prefill or decode
     * @param gpus                       GPUs in the pool
     * @param nodes                      nodes (GPUs / GPUs per node)
     * @param inputTokensPerSecond       prompt tokens whose prefill finished, cache hits included
     * @param computedInputTokensPerSecond prompt tokens prefilled by compute (cache hits excluded, recompute included)
     * @param outputTokensPerSecond      output tokens produced (for a prefill pool: the first tokens)
     * @param utilisation                fraction of instance time spent in steps
     * @param computeFraction            fraction of GPU time computing
     * @param communicationFraction      fraction of GPU time in communication not hidden behind compute
     * @param idleFraction               the rest: waiting for the slowest GPU, or no work
     * @param meanBatchTokensPerRank     mean new tokens per rank per step
     * @param meanStepSeconds            mean step duration
     * @param steps                      steps after warm-up
     */
    public record PoolResult(String name, PoolSpec.Role role, int gpus, double nodes, double inputTokensPerSecond,
                             double computedInputTokensPerSecond, double outputTokensPerSecond, double utilisation,
                             double computeFraction, double communicationFraction, double idleFraction,
                             double meanBatchTokensPerRank, double meanStepSeconds, long steps) {

        public double inputTokensPerSecondPerNode() {
            return inputTokensPerSecond / nodes;
        }

        public double outputTokensPerSecondPerNode() {
            return outputTokensPerSecond / nodes;
        }

        public double outputTokensPerSecondPerGpu() {
            return outputTokensPerSecond / gpus;
        }

        public double inputTokensPerSecondPerGpu() {
            return inputTokensPerSecond / gpus;
        }
    }
}
