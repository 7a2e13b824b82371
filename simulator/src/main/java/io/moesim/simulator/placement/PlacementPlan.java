package io.moesim.simulator.placement;

import io.moesim.models.spec.ModelSpec;
import io.moesim.simulator.routing.ExpertPlacement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a simulation places the experts of each instance: a {@link PlacementStrategy} applied to the
 * expert loads the instance's routing is expected to produce, or a fixed {@link Placement} read
 * from a file.
 *
 * @param strategy the strategy (ignored with a fixed placement)
 * @param fixed    a placement to use as is, or null
 */
public record PlacementPlan(PlacementStrategy strategy, Placement fixed) {

    /** Contiguous placement, the default. */
    public static final PlacementPlan CONTIGUOUS = new PlacementPlan(PlacementStrategy.CONTIGUOUS, null);

    public PlacementPlan {
        Objects.requireNonNull(strategy, "strategy");
    }

    /**
     * The per-layer placements of an instance of {@code gpus} GPUs in nodes of {@code gpusPerNode}.
     *
     * @param loads {@code [moe layer][expert]} expected or measured loads (fitting the strategy)
     * @throws IllegalArgumentException when the strategy cannot place this shape, or the fixed
     *                                  placement is for another GPU count
     */
    public List<ExpertPlacement> layers(ModelSpec model, double[][] loads, int gpus, int gpusPerNode, int redundant) {
        Placement placement = fixed;
        if (placement == null) {
            int experts = model.moe().numRoutedExperts();
            int groups = model.moe().routing().numGroups() > 1 ? model.moe().routing().numGroups() : experts;
            placement = Placer.place(strategy, loads, gpus, gpusPerNode, redundant, groups);
        } else if (placement.numGpus() != gpus) {
            throw new IllegalArgumentException("the placement file places experts on " + placement.numGpus()
                    + " GPUs, the expert-parallel group has " + gpus);
        }
        List<ExpertPlacement> out = new ArrayList<>(placement.numLayers());
        for (LayerPlacement layer : placement.layers()) {
            out.add(layer.toExpertPlacement());
        }
        return out;
    }

    /** GPUs per node for an instance of {@code gpus} GPUs on a system with NVLink domains of {@code domain} GPUs. */
    public static int gpusPerNode(int gpus, int domain) {
        int per = Math.min(gpus, Math.max(1, domain));
        return gpus % per == 0 ? per : gpus;
    }
}
