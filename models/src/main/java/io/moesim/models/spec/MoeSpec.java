package io.moesim.models.spec;

import java.util.Objects;

/**
 * The experts of an MoE layer and how tokens are routed to them. All MoE layers of a model share it.
 *
 * @param numRoutedExperts             routed experts per MoE layer
 * @param topK                         routed experts chosen per token
 * @param expertIntermediateSize       width of one routed expert's SwiGLU MLP ({@code intermediate_size}
 *                                     in Mixtral/OLMoE, {@code moe_intermediate_size} in Qwen-MoE/DeepSeek)
 * @param numSharedExperts             shared experts every token passes through
 * @param sharedExpertIntermediateSize width of one shared expert's MLP (Qwen2-MoE's
 *                                     {@code shared_expert_intermediate_size}; DeepSeek's equal the routed width)
 * @param sharedExpertGate             a sigmoid gate scales the shared expert's output (Qwen2-MoE)
 * @param routing                      the router
 */
public record MoeSpec(
        int numRoutedExperts,
        int topK,
        int expertIntermediateSize,
        int numSharedExperts,
        int sharedExpertIntermediateSize,
        boolean sharedExpertGate,
        RoutingSpec routing) {

    public MoeSpec {
        Objects.requireNonNull(routing, "routing");
        ModelLimits.require("numRoutedExperts", numRoutedExperts, ModelLimits.MAX_EXPERTS);
        ModelLimits.require("topK", topK, ModelLimits.MAX_TOP_K);
        ModelLimits.require("expertIntermediateSize", expertIntermediateSize, ModelLimits.MAX_INTERMEDIATE);
        if (topK > numRoutedExperts) {
            throw new SpecException("topK", topK + " exceeds numRoutedExperts " + numRoutedExperts);
        }
        if (numSharedExperts < 0) {
            throw new SpecException("numSharedExperts", "must be >= 0, got " + numSharedExperts);
        }
        ModelLimits.requireAtMost("numSharedExperts", numSharedExperts, ModelLimits.MAX_SHARED_EXPERTS);
        if (sharedExpertIntermediateSize < 0) {
            throw new SpecException("sharedExpertIntermediateSize", "must be >= 0, got " + sharedExpertIntermediateSize);
        }
        ModelLimits.requireAtMost("sharedExpertIntermediateSize", sharedExpertIntermediateSize,
                ModelLimits.MAX_INTERMEDIATE);
        if (numSharedExperts > 0 && sharedExpertIntermediateSize == 0) {
            throw new SpecException("sharedExpertIntermediateSize", "must be > 0 with numSharedExperts "
                    + numSharedExperts);
        }
        if (routing.numGroups() > 1 && numRoutedExperts % routing.numGroups() != 0) {
            throw new SpecException("numGroups",
                    routing.numGroups() + " does not divide numRoutedExperts " + numRoutedExperts);
        }
        if (routing.numGroups() > 1 && topK > routing.topKGroups() * (numRoutedExperts / routing.numGroups())) {
            throw new SpecException("topK", topK + " exceeds the experts of topKGroups " + routing.topKGroups()
                    + " groups of " + numRoutedExperts / routing.numGroups());
        }
    }
}
