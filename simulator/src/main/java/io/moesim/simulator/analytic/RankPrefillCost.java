package io.moesim.simulator.analytic;

/**
 * What a prefill chunk costs one data-parallel attention rank, per layer, for the prefill load
 * balancer ({@code io.moesim.simulator.serving.PrefillBalancer}); only the ratios matter there.
 * Read off {@link StepModel#rankPrefillCost}: compute-bound rates of the same operations the step
 * model times per rank.
 *
 * @param secondsPerToken         projections, router, shared expert or dense MLP per new token
 * @param secondsPerAttendedToken attention core per (query, key) pair
 * @param secondsPerCachedToken   per chunk and token already in the KV cache (MLA decompresses them)
 */
public record RankPrefillCost(double secondsPerToken, double secondsPerAttendedToken, double secondsPerCachedToken) {
    public RankPrefillCost {
        if (!(secondsPerToken > 0) || !(secondsPerAttendedToken >= 0) || !(secondsPerCachedToken >= 0)) {
            throw new IllegalArgumentException("need secondsPerToken > 0 and the others >= 0");
        }
    }

    /** A chunk of {@code chunk} new tokens after {@code context} tokens in the KV cache (causal within the chunk). */
    public double chunkSeconds(long context, int chunk) {
        if (chunk <= 0) {
            return 0;
        }
        return secondsPerToken * chunk + secondsPerAttendedToken * (chunk * (double) context + chunk * (chunk + 1.0) / 2.0)
                + secondsPerCachedToken * context;
    }

    /** The longest chunk after {@code context} tokens that costs at most {@code seconds} (0 if none does). */
    public int longestChunkWithin(long context, double seconds) {
        double fixed = secondsPerCachedToken * context;
        if (seconds <= fixed) {
            return 0;
        }
        // b/2 c^2 + (a + b (context + 1/2)) c + fixed - seconds <= 0
        double a = secondsPerAttendedToken / 2;
        double b = secondsPerToken + secondsPerAttendedToken * (context + 0.5);
        double c = fixed - seconds;
        double root = a == 0 ? -c / b : (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
        int chunk = (int) Math.min(Integer.MAX_VALUE, Math.floor(root));
        // Guard the floating-point edge: step down while over.
        while (chunk > 0 && chunkSeconds(context, chunk) > seconds) {
            chunk--;
        }
        return Math.max(0, chunk);
    }
}
