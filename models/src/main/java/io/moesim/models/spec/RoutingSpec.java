package io.moesim.models.spec;

import java.util.Objects;

/**
 * How a router turns its logits into the chosen experts and their weights.
 *
 * <ol>
 *   <li>scores = softmax(logits) or sigmoid(logits), per {@link #scoring()};</li>
 *   <li>with {@code numGroups > 1}, experts are split into that many equal groups and only the
 *       {@code topKGroups} best groups are eligible (DeepSeek-V3 ranks a group by the sum of its two
 *       best biased scores; DeepSeek-V2 by its best score);</li>
 *   <li>the top-k eligible experts are chosen, by score plus the per-expert correction bias when
 *       {@code selectionBias} (DeepSeek-V3's {@code noaux_tc}: the bias only selects, it never weighs);</li>
 *   <li>their weights are the unbiased scores, divided by their sum when {@code normalizeTopK},
 *       then multiplied by {@code routedScalingFactor}.</li>
 * </ol>
 *
 * <p>Mixtral always renormalises (top-k of the logits, then softmax over those k, is the same thing);
 * Qwen-MoE and OLMoE only with {@code norm_topk_prob}.
 *
 * @param scoring             softmax or sigmoid
 * @param numGroups           expert groups for group-limited selection (1 = none)
 * @param topKGroups          groups kept (equal to numGroups when there is no group limit)
 * @param normalizeTopK       renormalise the chosen weights to sum to one
 * @param routedScalingFactor factor on the routed experts' weights (DeepSeek-V3: 2.5)
 * @param selectionBias       a learned per-expert bias is added to the scores for selection only
 */
public record RoutingSpec(
        Scoring scoring,
        int numGroups,
        int topKGroups,
        boolean normalizeTopK,
        double routedScalingFactor,
        boolean selectionBias) {

    /** The function from router logits to scores. */
    public enum Scoring { SOFTMAX, SIGMOID }

    public RoutingSpec {
        Objects.requireNonNull(scoring, "scoring");
        ModelLimits.require("numGroups", numGroups, ModelLimits.MAX_GROUPS);
        ModelLimits.require("topKGroups", topKGroups, ModelLimits.MAX_GROUPS);
        if (topKGroups > numGroups) {
            throw new SpecException("topKGroups", topKGroups + " exceeds numGroups " + numGroups);
        }
        if (!(routedScalingFactor > 0) || Double.isInfinite(routedScalingFactor)) {
            throw new SpecException("routedScalingFactor", "must be a finite number > 0, got " + routedScalingFactor);
        }
    }

    /** Softmax over all experts, top-k, optionally renormalised: Mixtral, Qwen-MoE, OLMoE, DBRX, gpt-oss. */
    public static RoutingSpec softmax(boolean normalizeTopK) {
        return new RoutingSpec(Scoring.SOFTMAX, 1, 1, normalizeTopK, 1.0, false);
    }
}
