package io.moesim.simulator.placement;

import java.util.List;
import java.util.Objects;

/**
 * An expert placement for every MoE layer of a model over one expert-parallel group: GPUs
 * {@code 0..numGpus-1}, grouped into nodes of {@code gpusPerNode} consecutive GPUs.
 *
 * @param numGpus     GPUs of the expert-parallel group
 * @param gpusPerNode GPUs per node (NVLink domain); divides {@code numGpus}
 * @param layers      one placement per MoE layer (0-based among MoE layers), all over {@code numGpus} GPUs
 *                    with the same expert count
 */
public record Placement(int numGpus, int gpusPerNode, List<LayerPlacement> layers) {

    public Placement {
        Objects.requireNonNull(layers, "layers");
        layers = List.copyOf(layers);
        if (numGpus <= 0 || gpusPerNode <= 0 || numGpus % gpusPerNode != 0) {
            throw new IllegalArgumentException(gpusPerNode + " GPUs per node do not divide " + numGpus + " GPUs");
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a placement needs at least one layer");
        }
        for (LayerPlacement layer : layers) {
            if (layer.numGpus() != numGpus) {
                throw new IllegalArgumentException("a layer is placed over " + layer.numGpus() + " GPUs, not " + numGpus);
            }
            if (layer.numExperts() != layers.get(0).numExperts()) {
                throw new IllegalArgumentException("layers differ in expert count");
            }
        }
    }

    /** Nodes of the group. */
    public int numNodes() {
        return numGpus / gpusPerNode;
    }

    /** MoE layers placed. */
    public int numLayers() {
        return layers.size();
    }

    /** Logical experts per layer. */
    public int numExperts() {
        return layers.get(0).numExperts();
    }

    /** The placement of MoE layer {@code moeLayer}. */
    public LayerPlacement layer(int moeLayer) {
        return layers.get(moeLayer);
    }
}
