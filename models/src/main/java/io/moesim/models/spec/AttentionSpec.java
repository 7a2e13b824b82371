package io.moesim.models.spec;

/** The attention of every decoder layer: grouped-query attention or multi-head latent attention. */
public sealed interface AttentionSpec permits AttentionSpec.Gqa, AttentionSpec.Mla {

    /** Query heads. */
    int numHeads();

    /**
     * Grouped-query attention (multi-head when {@code numKvHeads == numHeads}, multi-query when 1).
     *
     * @param numHeads            query heads
     * @param numKvHeads          key/value heads; the KV cache holds K and V for each
     * @param headDim             dimension of one head
     * @param qkvBias             biases on the q, k, v projections (Qwen2-MoE)
     * @param qkNorm              RMSNorm on q and k per head (Qwen3, OLMoE)
     * @param slidingWindowTokens window of the sliding-window layers (0 = none)
     * @param slidingWindowLayers how many layers use the sliding window (gpt-oss: every other)
     */
    record Gqa(int numHeads, int numKvHeads, int headDim, boolean qkvBias, boolean qkNorm,
               int slidingWindowTokens, int slidingWindowLayers) implements AttentionSpec {
        public Gqa {
            ModelLimits.require("numHeads", numHeads, ModelLimits.MAX_HEADS);
            ModelLimits.require("numKvHeads", numKvHeads, ModelLimits.MAX_HEADS);
            ModelLimits.require("headDim", headDim, ModelLimits.MAX_WIDTH);
            if (numHeads % numKvHeads != 0) {
                throw new SpecException("numKvHeads", numKvHeads + " does not divide numHeads " + numHeads);
            }
            if (slidingWindowTokens < 0) {
                throw new SpecException("slidingWindowTokens", "must be >= 0, got " + slidingWindowTokens);
            }
            if (slidingWindowLayers < 0) {
                throw new SpecException("slidingWindowLayers", "must be >= 0, got " + slidingWindowLayers);
            }
        }
    }

    /**
     * Multi-head latent attention (DeepSeek-V2/V3, Kimi K2). The KV cache holds the compressed
     * latent ({@code kvLoraRank}) and the shared rope key ({@code qkRopeHeadDim}) per token and layer.
     *
     * @param numHeads       query heads
     * @param qLoraRank      rank of the query compression (0 = queries projected directly, V2-Lite)
     * @param kvLoraRank     rank of the key/value latent
     * @param qkNopeHeadDim  per-head query/key dimension without rope
     * @param qkRopeHeadDim  per-head query/key dimension with rope (the key part is shared by heads)
     * @param vHeadDim       per-head value dimension
     */
    record Mla(int numHeads, int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim)
            implements AttentionSpec {
        public Mla {
            ModelLimits.require("numHeads", numHeads, ModelLimits.MAX_HEADS);
            ModelLimits.require("kvLoraRank", kvLoraRank, ModelLimits.MAX_WIDTH);
            ModelLimits.require("qkNopeHeadDim", qkNopeHeadDim, ModelLimits.MAX_WIDTH);
            ModelLimits.require("qkRopeHeadDim", qkRopeHeadDim, ModelLimits.MAX_WIDTH);
            ModelLimits.require("vHeadDim", vHeadDim, ModelLimits.MAX_WIDTH);
            if (qLoraRank < 0) {
                throw new SpecException("qLoraRank", "must be >= 0, got " + qLoraRank);
            }
            ModelLimits.requireAtMost("qLoraRank", qLoraRank, ModelLimits.MAX_WIDTH);
        }
    }
}
