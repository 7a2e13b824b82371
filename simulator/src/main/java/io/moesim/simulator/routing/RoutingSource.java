package io.moesim.simulator.routing;

/**
 * Where per-layer expert loads come from: a synthetic distribution now, a replayed router trace
 * later. Each call describes one batch of tokens passing one MoE layer.
 */
public interface RoutingSource {

    /** Routed experts per MoE layer. */
    int numExperts();

    /** Experts chosen per token. */
    int topK();

    /**
     * Fills {@code tokensPerExpert[e]} with how many of {@code numTokens} tokens chose expert
     * {@code e} at MoE layer {@code moeLayer} (0-based among MoE layers). The counts sum to
     * {@code numTokens * topK()} and none exceeds {@code numTokens} (a token picks distinct experts).
     */
    void expertLoads(int moeLayer, int numTokens, int[] tokensPerExpert);
}
