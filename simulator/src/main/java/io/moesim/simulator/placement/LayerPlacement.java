package io.moesim.simulator.placement;

import io.moesim.simulator.routing.ExpertPlacement;
import java.util.Arrays;

/**
 * Where the experts of one MoE layer sit: every GPU has the same number of physical expert slots,
 * slot {@code s} lies on GPU {@code s / slotsPerGpu} and holds logical expert {@code slotExpert(s)},
 * or nothing ({@link ExpertPlacement#EMPTY}) when the experts and their replicas do not fill every
 * GPU's slots. A logical expert may have several replicas; its tokens are split evenly among them.
 *
 * <p>Immutable. Validated at construction: every expert in {@code [0, numExperts)} has at least
 * one replica, the slot table has the same length on every GPU, and every GPU holds an expert.
 */
public final class LayerPlacement {

    private final int numGpus;
    private final int slotsPerGpu;
    private final int numExperts;
    private final int[] slotExpert;
    private final int[] replicaCount;
    private final int occupied;

    /**
     * @param numGpus    GPUs of the expert-parallel group
     * @param numExperts logical routed experts of the layer
     * @param slotExpert logical expert of each physical slot, GPU by GPU
     */
    public LayerPlacement(int numGpus, int numExperts, int[] slotExpert) {
        if (numGpus <= 0 || slotExpert.length == 0 || slotExpert.length % numGpus != 0) {
            throw new IllegalArgumentException(slotExpert.length + " expert slots do not divide evenly over "
                    + numGpus + " GPUs");
        }
        this.numGpus = numGpus;
        this.numExperts = numExperts;
        this.slotsPerGpu = slotExpert.length / numGpus;
        this.slotExpert = slotExpert.clone();
        this.replicaCount = new int[numExperts];
        int filled = 0;
        for (int e : slotExpert) {
            if (e == ExpertPlacement.EMPTY) {
                continue;
            }
            filled++;
            if (e < 0 || e >= numExperts) {
                throw new IllegalArgumentException("a slot holds expert " + e + ", outside [0, " + numExperts + ")");
            }
            replicaCount[e]++;
        }
        for (int e = 0; e < numExperts; e++) {
            if (replicaCount[e] == 0) {
                throw new IllegalArgumentException("expert " + e + " is placed on no GPU");
            }
        }
        this.occupied = filled;
        for (int g = 0; g < numGpus; g++) {
            if (expertCount(g) == 0) {
                throw new IllegalArgumentException("GPU " + g + " holds no expert");
            }
        }
    }

    public int numGpus() {
        return numGpus;
    }

    public int slotsPerGpu() {
        return slotsPerGpu;
    }

    public int numExperts() {
        return numExperts;
    }

    /** Occupied physical slots: experts plus redundant replicas (empty slots not counted). */
    public int numSlots() {
        return occupied;
    }

    /** Experts (replicas included) GPU {@code gpu} holds: its slots that are not empty. */
    public int expertCount(int gpu) {
        int n = 0;
        for (int s = gpu * slotsPerGpu; s < (gpu + 1) * slotsPerGpu; s++) {
            if (slotExpert[s] != ExpertPlacement.EMPTY) {
                n++;
            }
        }
        return n;
    }

    /** Logical expert held by physical slot {@code slot}. */
    public int slotExpert(int slot) {
        return slotExpert[slot];
    }

    /** The logical expert in local slot {@code rank} of GPU {@code gpu} ({@link ExpertPlacement#EMPTY} for none). */
    public int expertAt(int gpu, int rank) {
        return slotExpert[gpu * slotsPerGpu + rank];
    }

    /** How many physical replicas expert {@code expert} has. */
    public int replicas(int expert) {
        return replicaCount[expert];
    }

    /** The logical experts held by GPU {@code gpu}, in slot order, empty slots left out (a fresh array). */
    public int[] expertsOnGpu(int gpu) {
        return Arrays.stream(slotExpert, gpu * slotsPerGpu, (gpu + 1) * slotsPerGpu)
                .filter(e -> e != ExpertPlacement.EMPTY).toArray();
    }

    /** A copy of the slot-to-expert table ({@link ExpertPlacement#EMPTY} for an empty slot). */
    public int[] slotExperts() {
        return slotExpert.clone();
    }

    /**
     * Token copies each GPU receives when expert {@code e} receives {@code expertLoads[e]} copies,
     * split evenly (fractionally) over its replicas.
     */
    public void gpuLoads(double[] expertLoads, double[] copiesPerGpu) {
        Arrays.fill(copiesPerGpu, 0, numGpus, 0.0);
        for (int s = 0; s < slotExpert.length; s++) {
            int e = slotExpert[s];
            if (e == ExpertPlacement.EMPTY) {
                continue;
            }
            copiesPerGpu[s / slotsPerGpu] += expertLoads[e] / replicaCount[e];
        }
    }

    /** {@link #gpuLoads(double[], double[])} for integer counts. */
    public void gpuLoads(int[] expertLoads, double[] copiesPerGpu) {
        Arrays.fill(copiesPerGpu, 0, numGpus, 0.0);
        for (int s = 0; s < slotExpert.length; s++) {
            int e = slotExpert[s];
            if (e == ExpertPlacement.EMPTY) {
                continue;
            }
            copiesPerGpu[s / slotsPerGpu] += (double) expertLoads[e] / replicaCount[e];
        }
    }

    /**
     * The share of expert {@code expert}'s copies that land on each node, {@code [node]}, when its
     * replicas split them evenly; nodes are consecutive blocks of {@code gpusPerNode} GPUs.
     */
    public double[] nodeShares(int expert, int gpusPerNode) {
        double[] share = new double[numGpus / gpusPerNode];
        for (int s = 0; s < slotExpert.length; s++) {
            if (slotExpert[s] == expert) {
                share[(s / slotsPerGpu) / gpusPerNode] += 1.0 / replicaCount[expert];
            }
        }
        return share;
    }

    /** The same placement as the step model's {@link ExpertPlacement} (integer split of loads over replicas). */
    public ExpertPlacement toExpertPlacement() {
        return new ExpertPlacement(numGpus, numExperts, slotExpert);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerPlacement p && p.numGpus == numGpus && p.numExperts == numExperts
                && Arrays.equals(p.slotExpert, slotExpert);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(slotExpert) + numGpus;
    }

    @Override
    public String toString() {
        return "LayerPlacement[gpus=" + numGpus + ", slots=" + Arrays.toString(slotExpert) + "]";
    }
}
