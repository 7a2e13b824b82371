package io.moesim.models.spec;

/**
 * The parameters of a model by component, computed by {@link ModelAccounting#parameters(ModelSpec)}.
 * Counts are numbers of weights (multiply by bytes per weight for memory).
 *
 * <p>What each component holds:
 * <ul>
 *   <li>{@code embedding}: the input embedding table, vocab x hidden;</li>
 *   <li>{@code attention}: every attention weight of the decoder layers: q/k/v/o projections (and their
 *       biases where the model has them); for MLA q_a, q_b (or q), kv_a (latent + rope key), kv_b and o;</li>
 *   <li>{@code denseMlp}: the SwiGLU MLPs (gate, up, down) of the non-MoE layers;</li>
 *   <li>{@code routedExperts}: all routed experts of all MoE layers (3 matrices each);</li>
 *   <li>{@code sharedExperts}: the shared experts of all MoE layers, with Qwen2-MoE's shared-expert gate;</li>
 *   <li>{@code routers}: the router (gate) matrices, experts x hidden per MoE layer, plus DeepSeek-V3's
 *       selection bias;</li>
 *   <li>{@code norms}: RMSNorm/LayerNorm weights: two per layer, the final norm, MLA's q/kv latent norms,
 *       q/k norms;</li>
 *   <li>{@code lmHead}: the output projection, hidden x vocab; 0 when tied to the embedding;</li>
 *   <li>{@code mtp}: DeepSeek's multi-token-prediction modules (their own projection, norms and one full
 *       MoE decoder layer each; they share the embedding and LM head, which are not counted again);</li>
 *   <li>{@code activeRoutedExperts}: the routed-expert weights one token passes through: top-k experts
 *       in each MoE layer.</li>
 * </ul>
 *
 * <p>Not counted (each below 0.05% of any catalog model): attention sinks and output-projection biases
 * of gpt-oss, expert and router biases of gpt-oss, the extra width of OLMoE's whole-width q/k norms
 * (counted per head as in Qwen3).
 */
public record ParameterCounts(
        long embedding,
        long attention,
        long denseMlp,
        long routedExperts,
        long sharedExperts,
        long routers,
        long norms,
        long lmHead,
        long mtp,
        long activeRoutedExperts) {

    /**
     * All parameters of the model without the MTP modules: the headline figure model makers publish
     * (DeepSeek-V3's 671B excludes its 14B MTP module).
     */
    public long total() {
        return embedding + attention + denseMlp + routedExperts + sharedExperts + routers + norms + lmHead;
    }

    /** All parameters including the MTP modules (what the checkpoint holds: 685B for DeepSeek-V3). */
    public long totalWithMtp() {
        return total() + mtp;
    }

    /**
     * Parameters active per token: everything in {@link #total()} except the routed experts a token
     * does not choose. <em>The embedding table is counted whole</em>, because that is how Mistral,
     * Qwen, AllenAI (OLMoE), DeepSeek (V3) and Moonshot publish their active counts (a token reads only
     * one row of it, so for FLOPs and bytes use {@link ModelAccounting#stepProfile} instead). MTP modules
     * are excluded, as in the headline total.
     */
    public long activePerToken() {
        return total() - routedExperts + activeRoutedExperts;
    }

    /**
     * {@link #activePerToken()} without the embedding table (the LM head stays, and with tied
     * embeddings the shared matrix stays as the head): OpenAI's convention for gpt-oss (5.1B) and
     * DeepSeek's for V2/V2-Lite (2.4B).
     */
    public long activePerTokenExcludingEmbedding() {
        return lmHead == 0 ? activePerToken() : activePerToken() - embedding;
    }
}
