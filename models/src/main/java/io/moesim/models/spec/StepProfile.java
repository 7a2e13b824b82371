package io.moesim.models.spec;

import java.util.List;
import java.util.Objects;

/**
 * The per-operation cost of a forward step over {@code newTokens} new tokens of one sequence that has
 * {@code cachedTokens} tokens in its KV cache already; see {@link ModelAccounting#stepProfile}.
 *
 * <p>Figures are per new token, so that a step over a batch of sequences costs the sum over its
 * sequences of newTokens x figure (FLOPs, KV read), while weights are read once per step
 * ({@link OpCost#weightParams()}, routed experts: only those hit).
 *
 * @param phase        prefill or decode (decides the MLA form)
 * @param cachedTokens tokens already in the sequence's KV cache before the step
 * @param newTokens    tokens the step adds to the sequence (1 for plain decode)
 * @param layerGroups  the decoder layers, grouped by identical cost
 * @param lmHead       the LM head (once per sequence per step in prefill, once per token in decode)
 */
public record StepProfile(Phase phase, long cachedTokens, long newTokens, List<LayerGroup> layerGroups, OpCost lmHead) {

    public StepProfile {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(lmHead, "lmHead");
        layerGroups = List.copyOf(layerGroups);
    }

    /** FLOPs per new token through all decoder layers and the LM head (MTP modules not included). */
    public double flopsPerToken() {
        double flops = lmHead.flopsPerToken();
        for (LayerGroup group : layerGroups) {
            flops += group.layers() * group.flopsPerToken();
        }
        return flops;
    }

    /** KV-cache elements read per new token, all layers. */
    public double kvElementsReadPerToken() {
        double elements = 0;
        for (LayerGroup group : layerGroups) {
            for (OpCost op : group.ops()) {
                elements += group.layers() * op.kvElementsReadPerToken();
            }
        }
        return elements;
    }
}
