package io.moesim.simulator.placement;

import io.moesim.simulator.routing.ExpertPlacement;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes a {@link Placement} with a {@link PlacementStrategy} from per-layer expert loads.
 *
 * <p>Redundant replicas always go to the hottest experts by the EPLB rule (the expert with the
 * largest load per replica gets the next one), so {@code contiguous} and {@code round-robin} with
 * redundant experts differ from EPLB only in where the slots go. With equal loads (no trace) the
 * rule picks experts 0, 1, 2, ..., as {@code ExpertPlacement.contiguous} does.
 */
public final class Placer {

    private Placer() {
    }

    /**
     * @param strategy    the layout
     * @param loads       {@code [moe layer][expert]} measured loads (token copies); one row per MoE layer
     * @param numGpus     GPUs of the expert-parallel group
     * @param gpusPerNode GPUs per node (divides numGpus)
     * @param redundant   redundant expert slots per layer; each GPU gets ceil((experts + redundant) / GPUs)
     *                    slots, some left empty when they do not divide evenly (at least one expert per GPU)
     * @param groups      expert groups for {@code eplb-hierarchical} (a model's router groups, or
     *                    the expert count when it has none); must be a multiple of the node count
     * @throws IllegalArgumentException when the shape does not fit (the message says why)
     */
    public static Placement place(PlacementStrategy strategy, double[][] loads, int numGpus, int gpusPerNode,
                                  int redundant, int groups) {
        if (loads.length == 0) {
            throw new IllegalArgumentException("no MoE layers to place");
        }
        int experts = loads[0].length;
        int slots = experts + redundant;
        if (redundant < 0 || numGpus <= 0 || slots < numGpus) {
            throw new IllegalArgumentException(experts + " experts + " + redundant
                    + " redundant leave some of " + numGpus + " GPUs without an expert");
        }
        if (gpusPerNode <= 0 || numGpus % gpusPerNode != 0) {
            throw new IllegalArgumentException(gpusPerNode + " GPUs per node do not divide " + numGpus + " GPUs");
        }
        int nodes = numGpus / gpusPerNode;
        List<LayerPlacement> layers = new ArrayList<>(loads.length);
        // Layers with identical loads (a trace with fewer recorded layers than the model) share one placement.
        java.util.Map<java.util.List<Double>, LayerPlacement> placed = new java.util.HashMap<>();
        for (double[] layerLoads : loads) {
            java.util.List<Double> key = java.util.Arrays.stream(layerLoads).boxed().toList();
            LayerPlacement same = placed.get(key);
            if (same != null) {
                layers.add(same);
                continue;
            }
            if (layerLoads.length != experts) {
                throw new IllegalArgumentException("layers differ in expert count");
            }
            int[] slotExpert = switch (strategy) {
                case CONTIGUOUS -> ExpertPlacement.fillGpuAfterGpu(Eplb.replicate(layerLoads, slots), numGpus);
                case ROUND_ROBIN -> roundRobin(Eplb.replicate(layerLoads, slots), numGpus);
                case EPLB_HIERARCHICAL -> Eplb.hierarchical(layerLoads, slots, groups, nodes, numGpus);
                case EPLB_GLOBAL -> Eplb.global(layerLoads, slots, numGpus);
            };
            LayerPlacement layer = new LayerPlacement(numGpus, experts, slotExpert);
            placed.put(key, layer);
            layers.add(layer);
        }
        return new Placement(numGpus, gpusPerNode, layers);
    }

    /** Loads of {@code layers} layers where every expert weighs the same. */
    public static double[][] uniformLoads(int layers, int experts) {
        double[][] loads = new double[layers][experts];
        for (double[] row : loads) {
            java.util.Arrays.fill(row, 1.0);
        }
        return loads;
    }

    /** Entry i of {@code sequence} goes to GPU i mod G, in local slot i / G (the last GPUs may get one fewer). */
    private static int[] roundRobin(int[] sequence, int gpus) {
        int slotsPerGpu = ExpertPlacement.slotsPerGpu(sequence.length, gpus);
        int[] slotExpert = new int[slotsPerGpu * gpus];
        java.util.Arrays.fill(slotExpert, ExpertPlacement.EMPTY);
        for (int i = 0; i < sequence.length; i++) {
            slotExpert[(i % gpus) * slotsPerGpu + i / gpus] = sequence[i];
        }
        return slotExpert;
    }
}
