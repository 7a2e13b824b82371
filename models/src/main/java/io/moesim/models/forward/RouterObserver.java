package io.moesim.models.forward;

/**
 * Receives the router's decisions of every MoE layer as the forward pass makes them: for each of
 * the {@code tokens} tokens of the current batch, {@code topK} experts ordered by descending
 * weight and the weights the model multiplies their outputs by (after renormalisation and the
 * routed scaling factor). Flat arrays: choice j of token t is at {@code t * topK + j}. The arrays
 * belong to the caller only for the duration of the call.
 */
@FunctionalInterface
public interface RouterObserver {

    /** An observer that ignores everything. */
    RouterObserver NONE = (layer, tokens, topK, experts, weights) -> { };

    /**
     * @param decoderLayer the layer index as in the checkpoint's tensor names
     * @param tokens       tokens in the batch (in position order)
     * @param topK         experts per token
     * @param experts      expert ids, {@code tokens * topK}
     * @param weights      gate weights, same layout
     */
    void routed(int decoderLayer, int tokens, int topK, int[] experts, float[] weights);
}
