package io.moesim.simulator.routing;

import java.util.Arrays;

/**
 * Which logical expert each physical expert slot of each GPU holds. Every GPU has the same
 * number of slots; a logical expert may have several replicas (redundant experts), and its tokens
 * are split evenly among them.
 */
public final class ExpertPlacement {

    private final int numGpus;
    private final int slotsPerGpu;
    private final int numExperts;
    private final int[] slotExpert;
    private final int[][] replicaSlots;

    /**
     * @param numGpus    GPUs of the expert-parallel group
     * @param numExperts logical routed experts
     * @param slotExpert logical expert of physical slot s; slot s sits on GPU {@code s / slotsPerGpu}
     */
    public ExpertPlacement(int numGpus, int numExperts, int[] slotExpert) {
        if (numGpus <= 0 || slotExpert.length % numGpus != 0) {
            throw new IllegalArgumentException(slotExpert.length + " expert slots do not divide over " + numGpus + " GPUs");
        }
        this.numGpus = numGpus;
        this.numExperts = numExperts;
        this.slotsPerGpu = slotExpert.length / numGpus;
        this.slotExpert = slotExpert.clone();
        int[] replicaCount = new int[numExperts];
        for (int e : slotExpert) {
            if (e < 0 || e >= numExperts) {
                throw new IllegalArgumentException("slot holds expert " + e + " outside [0, " + numExperts + ")");
            }
            replicaCount[e]++;
        }
        replicaSlots = new int[numExperts][];
        for (int e = 0; e < numExperts; e++) {
            if (replicaCount[e] == 0) {
                throw new IllegalArgumentException("expert " + e + " is placed on no GPU");
            }
            replicaSlots[e] = new int[replicaCount[e]];
        }
        int[] filled = new int[numExperts];
        for (int s = 0; s < slotExpert.length; s++) {
            int e = slotExpert[s];
            replicaSlots[e][filled[e]++] = s;
        }
    }

    /**
     * Contiguous placement: experts 0..E-1 in order over the GPUs, followed by
     * {@code redundantExperts} extra copies of experts 0, 1, ... (E + R must divide by the GPUs).
     */
    public static ExpertPlacement contiguous(int numExperts, int numGpus, int redundantExperts) {
        int slots = numExperts + redundantExperts;
        if (redundantExperts < 0 || slots % numGpus != 0) {
            throw new IllegalArgumentException(numExperts + " experts + " + redundantExperts
                    + " redundant do not divide evenly over " + numGpus + " GPUs");
        }
        int[] slotExpert = new int[slots];
        for (int s = 0; s < slots; s++) {
            slotExpert[s] = s % numExperts;
        }
        return new ExpertPlacement(numGpus, numExperts, slotExpert);
    }

    public int numGpus() { return numGpus; }
    public int slotsPerGpu() { return slotsPerGpu; }
    public int numExperts() { return numExperts; }

    /** Logical expert held by physical slot {@code slot}. */
    public int slotExpert(int slot) {
        return slotExpert[slot];
    }

    /** GPU of physical slot {@code slot}. */
    public int slotGpu(int slot) {
        return slot / slotsPerGpu;
    }

    /**
     * Splits logical expert loads over physical slots: each expert's tokens divided evenly over
     * its replicas, the remainder to the first replicas.
     */
    public void slotLoads(int[] tokensPerExpert, int[] tokensPerSlot) {
        Arrays.fill(tokensPerSlot, 0);
        for (int e = 0; e < numExperts; e++) {
            int[] replicas = replicaSlots[e];
            int share = tokensPerExpert[e] / replicas.length;
            int rest = tokensPerExpert[e] % replicas.length;
            for (int r = 0; r < replicas.length; r++) {
                tokensPerSlot[replicas[r]] = share + (r < rest ? 1 : 0);
            }
        }
    }

    /** Token copies received by each GPU (sum of its slots' loads). */
    public void gpuLoads(int[] tokensPerSlot, double[] copiesPerGpu) {
        for (int g = 0; g < numGpus; g++) {
            int sum = 0;
            for (int s = g * slotsPerGpu; s < (g + 1) * slotsPerGpu; s++) {
                sum += tokensPerSlot[s];
            }
            copiesPerGpu[g] = sum;
        }
    }
}
