package io.moesim.simulator.analytic;

/**
 * What a decoding attention rank's step costs per layer, for the KV balancer of the serving
 * simulation: read off {@link StepModel#rankDecodeCost}. Only the ratio matters there.
 *
 * @param secondsPerRequest      projections, router, shared expert and the all-to-all of one token
 * @param secondsPerContextToken the attention core per token in the KV cache
 */
public record RankDecodeCost(double secondsPerRequest, double secondsPerContextToken) {

    /** A rank with {@code requests} requests and {@code contextTokens} KV tokens. */
    public double seconds(double requests, double contextTokens) {
        return secondsPerRequest * requests + secondsPerContextToken * contextTokens;
    }
}
