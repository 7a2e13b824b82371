package io.moesim.simulator.routing;

import java.util.Arrays;

/**
 * Which logical expert each physical expert slot of each GPU holds. Every GPU has the same
 * number of slots, {@code ceil((experts + redundant) / gpus)}, some of which may be empty
 * ({@link #EMPTY}: no expert, no weights, no tokens) when the experts do not divide evenly; a
 * logical expert may have several replicas (redundant experts), and its tokens are split evenly
 * among them.
 */
public final class ExpertPlacement {

    /** The expert id of an empty slot. */
    public static final int EMPTY = -1;

    private final int numGpus;
    private final int slotsPerGpu;
    private final int numExperts;
    private final int[] slotExpert;
    private final int[][] replicaSlots;

    /**
     * @param numGpus    GPUs of the expert-parallel group
     * @param numExperts logical routed experts
     * @param slotExpert logical expert of physical slot s ({@link #EMPTY} for none); slot s sits on
     *                   GPU {@code s / slotsPerGpu}
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
            if (e == EMPTY) {
                continue;
            }
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
            if (e != EMPTY) {
                replicaSlots[e][filled[e]++] = s;
            }
        }
    }

    /**
     * Contiguous placement: experts 0..E-1 in order over the GPUs, followed by
     * {@code redundantExperts} extra copies of experts 0, 1, ...; each GPU has
     * {@code ceil((E + R) / G)} slots and, when E + R does not divide by the GPUs, the last GPUs
     * hold one expert fewer (an empty slot). Needs E + R >= G.
     */
    public static ExpertPlacement contiguous(int numExperts, int numGpus, int redundantExperts) {
        int slots = numExperts + redundantExperts;
        if (redundantExperts < 0 || (slots < numGpus && numExperts > 0)) {
            throw new IllegalArgumentException(numExperts + " experts + " + redundantExperts
                    + " redundant leave some of " + numGpus + " GPUs without an expert");
        }
        int[] sequence = new int[slots];
        for (int s = 0; s < slots; s++) {
            sequence[s] = s % numExperts;
        }
        return new ExpertPlacement(numGpus, numExperts, fillGpuAfterGpu(sequence, numGpus));
    }

    /** Physical slots per GPU for {@code slots} occupied slots over {@code gpus} GPUs: the ceiling. */
    public static int slotsPerGpu(int slots, int gpus) {
        return (slots + gpus - 1) / gpus;
    }

    /**
     * Lays {@code sequence} GPU after GPU, the first {@code slots mod G} GPUs taking one entry more
     * than the others when the slots do not divide evenly; the rest of each GPU's slots are empty.
     */
    public static int[] fillGpuAfterGpu(int[] sequence, int gpus) {
        int per = slotsPerGpu(sequence.length, gpus);
        int base = sequence.length / gpus;
        int extra = sequence.length % gpus;
        int[] slotExpert = new int[per * gpus];
        Arrays.fill(slotExpert, EMPTY);
        int i = 0;
        for (int g = 0; g < gpus; g++) {
            int n = base + (g < extra ? 1 : 0);
            for (int k = 0; k < n; k++) {
                slotExpert[g * per + k] = sequence[i++];
            }
        }
        return slotExpert;
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
