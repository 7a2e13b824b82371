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
 * @param measurement           the measured window: its length, completions, batches and confidence interval
 */
public record SimulationResult(double simulatedSeconds, double measuredSeconds, long requestsArrived,
                               long requestsCompleted, long requestsInFlight, Percentiles ttftSeconds,
                               Percentiles tpotSeconds, long preemptions, List<PoolResult> pools, long events,
                               long steps, Measurement measurement) {

    /** Completed requests a measured window needs at least (beside one per request in the system). */
    public static final long MIN_COMPLETED_REQUESTS = 100;

    /** Why the run ended. */
    public enum Stop {
        /** The scenario's fixed duration. */
        DURATION,
        /** The stopping criterion was met. */
        SETTLED,
        /** The cap on simulated time, before the criterion was met. */
        CAP;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A 95% confidence interval of a mean from independent batch means: {@code mean +- halfWidth}
     * with {@code halfWidth = t(0.975, n - 1) x s / sqrt(n)} (NaN half-width with fewer than 2 batches).
     */
    public record Interval(double mean, double halfWidth, int batches) {

        public static Interval of(List<Double> values) {
            int n = values.size();
            if (n == 0) {
                return new Interval(Double.NaN, Double.NaN, 0);
            }
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            double mean = sum / n;
            if (n < 2) {
                return new Interval(mean, Double.NaN, n);
            }
            double squares = 0;
            for (double v : values) {
                squares += (v - mean) * (v - mean);
            }
            double sd = Math.sqrt(squares / (n - 1));
            double t = new org.apache.commons.math3.distribution.TDistribution(null, n - 1)
                    .inverseCumulativeProbability(0.975);
            return new Interval(mean, t * sd / Math.sqrt(n), n);
        }

        /** Half-width over the mean (NaN when either is not a number or the mean is 0). */
        public double relativeHalfWidth() {
            return mean > 0 ? halfWidth / mean : Double.NaN;
        }
    }

    /**
     * The measured window.
     *
     * @param warmupSeconds           leading simulated time left out
     * @param windowSeconds           simulated time measured (after warm-up)
     * @param completedRequests       requests that finished inside the window
     * @param requestsInSystem        requests arrived but not finished at the end
     * @param stop                    why the run ended
     * @param batchSeconds            length of one batch of the window
     * @param batchThroughputs        the headline throughput (tokens/s: output of the decoding pools, or input of a
     *                                prefill pool alone) of each batch, in order
     * @param throughput              their mean and its 95% confidence interval
     * @param targetRelativeHalfWidth the stopping criterion (NaN with a fixed duration)
     */
    public record Measurement(double warmupSeconds, double windowSeconds, long completedRequests,
                              long requestsInSystem, Stop stop, double batchSeconds, List<Double> batchThroughputs,
                              Interval throughput, double targetRelativeHalfWidth) {

        /**
         * Whether the window saw enough requests finish to be a steady state: at least one per request
         * in the system at the end (on average every one turned over), and at least
         * {@link #MIN_COMPLETED_REQUESTS}.
         */
        public boolean enoughCompleted() {
            return completedRequests >= Math.max(MIN_COMPLETED_REQUESTS, requestsInSystem);
        }
    }

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
     * @param rankBalance                attention-rank balance: the steps' total time were every step's batch spread
     *                                   evenly over the data-parallel ranks, over their actual total (both with expected
     *                                   expert loads); 1 with one rank. Its complement is the throughput lost to
     *                                   waiting for the slowest rank (TensorRT-LLM's actual / speed-of-light TPS)
     */
    public record PoolResult(String name, PoolSpec.Role role, int gpus, double nodes, double inputTokensPerSecond,
                             double computedInputTokensPerSecond, double outputTokensPerSecond, double utilisation,
                             double computeFraction, double communicationFraction, double idleFraction,
                             double meanBatchTokensPerRank, double meanStepSeconds, long steps, double rankBalance) {

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
