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
        ModelSpec.requirePositive("numRoutedExperts", numRoutedExperts);
        ModelSpec.requirePositive("topK", topK);
        ModelSpec.requirePositive("expertIntermediateSize", expertIntermediateSize);
        if (topK > numRoutedExperts) {
            throw new IllegalArgumentException("topK " + topK + " exceeds numRoutedExperts " + numRoutedExperts);
        }
        if (numSharedExperts < 0 || sharedExpertIntermediateSize < 0) {
            throw new IllegalArgumentException("shared expert values must be >= 0");
        }
        if (numSharedExperts > 0 && sharedExpertIntermediateSize == 0) {
            throw new IllegalArgumentException("sharedExpertIntermediateSize must be > 0 with shared experts");
        }
        if (routing.numGroups() > 1 && numRoutedExperts % routing.numGroups() != 0) {
            throw new IllegalArgumentException(
                    "numGroups " + routing.numGroups() + " does not divide numRoutedExperts " + numRoutedExperts);
        }
    }
}
