package io.moesim.models.spec;

import java.util.List;
import java.util.Objects;

/**
 * Decoder layers that cost the same: same MLP kind (MoE or dense) and same attention span (sliding
 * window or full). A step runs {@code layers} layers of this group, each costing {@code ops}.
 *
 * @param moe           MoE layers (router, routed and shared experts) rather than dense MLP layers
 * @param slidingWindow the layers attend over a sliding window (gpt-oss, Llama 4's chunked layers)
 * @param layers        how many decoder layers are in the group (the MTP modules are not)
 * @param ops           the cost of one layer of the group, op by op
 */
public record LayerGroup(boolean moe, boolean slidingWindow, int layers, List<OpCost> ops) {

    public LayerGroup {
        ModelSpec.requirePositive("layers", layers);
        ops = List.copyOf(Objects.requireNonNull(ops, "ops"));
    }

    /** The cost of {@code op} in one layer of the group, if the layer has it. */
    public java.util.Optional<OpCost> op(OpCost.Op op) {
        return ops.stream().filter(o -> o.op() == op).findFirst();
    }

    /** FLOPs per new token of one layer of the group, all ops (routed experts: the top-k chosen). */
    public double flopsPerToken() {
        return ops.stream().mapToDouble(OpCost::flopsPerToken).sum();
    }
}
