package io.moesim.simulator.placement;

import java.util.Arrays;

/**
 * DeepSeek's Expert Parallelism Load Balancer (EPLB), re-implemented from the description in
 * the README of github.com/deepseek-ai/EPLB, for one MoE layer given the measured load of each
 * logical expert.
 *
 * <p>Three heuristics make it up:
 * <ul>
 *   <li><b>balanced packing</b>: items go, heaviest first (ties: lower index first), into the
 *       lightest pack that still has room (ties: lower pack first); every pack has room for
 *       {@code ceil(items / packs)} items (the same number when they divide evenly; otherwise the
 *       packing decides which packs are left one or more short), and an item's rank in its pack is
 *       the order it arrived in;</li>
 *   <li><b>replication</b>: starting from one replica per expert, each further replica goes to the
 *       expert whose load per replica is largest (ties: lower expert first); the physical experts
 *       are the E originals in order followed by the added replicas in the order they were added;</li>
 *   <li><b>hierarchical policy</b>: the E experts form {@code groups} consecutive groups; group loads
 *       are packed onto nodes (groups/nodes each); each node's experts (its groups in pack-rank order)
 *       are replicated to (physical slots)/nodes; each node's replicas, carrying load/replicas, are
 *       packed onto its GPUs. The <b>global policy</b> is the same with one group and one node.</li>
 * </ul>
 *
 * <p>Two additions of moesim's (see {@link MonotonePacking} and {@code docs/placement.md}) make the
 * busiest GPU never heavier with more physical slots on the fitted loads: each node's packing is
 * refined by local search (a packing no move or swap improves is left as it was), and a node's
 * placement for p slots is taken from p - 1's with one replica added (or, failing that, one
 * replica left out) whenever the fresh placement would be heavier.
 *
 * <p>Slot {@code s} of the result lies on GPU {@code s / slotsPerGpu}, with {@code slotsPerGpu =
 * ceil(physical / gpus)} and the slots the packing leaves unused {@code ExpertPlacement.EMPTY};
 * GPUs of node {@code n} being
 * {@code n*gpusPerNode .. (n+1)*gpusPerNode-1}; within a GPU, slots are in pack-rank order.
 * On the README's example (2 layers, 12 experts, 16 replicas, 4 groups, 2 nodes, 8 GPUs) this
 * reproduces the published {@code phy2log} exactly (see {@code EplbTest}).
 */
public final class Eplb {

    private Eplb() {
    }

    /**
     * Balanced packing of {@code weights.length} items into {@code numPacks} packs of room
     * {@code ceil(items / packs)} each (equal item counts when they divide evenly).
     *
     * @return {@code [0][i]} the pack of item i, {@code [1][i]} its rank in the pack
     */
    public static int[][] balancedPacking(double[] weights, int numPacks) {
        int n = weights.length;
        if (numPacks <= 0 || n < numPacks) {
            throw new IllegalArgumentException(n + " items cannot fill " + numPacks + " packs");
        }
        int perPack = (n + numPacks - 1) / numPacks;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(weights[b], weights[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        double[] packWeight = new double[numPacks];
        int[] packItems = new int[numPacks];
        int[] pack = new int[n];
        int[] rank = new int[n];
        for (int item : order) {
            int best = -1;
            for (int p = 0; p < numPacks; p++) {
                if (packItems[p] < perPack && (best < 0 || packWeight[p] < packWeight[best])) {
                    best = p;
                }
            }
            pack[item] = best;
            rank[item] = packItems[best]++;
            packWeight[best] += weights[item];
        }
        return new int[][] {pack, rank};
    }

    /**
     * Replicates {@code loads.length} logical experts into {@code numPhysical} physical ones.
     *
     * @return the logical expert of each physical expert: {@code 0..E-1}, then the added replicas
     */
    public static int[] replicate(double[] loads, int numPhysical) {
        int e = loads.length;
        if (numPhysical < e) {
            throw new IllegalArgumentException(numPhysical + " physical experts cannot hold " + e + " logical ones");
        }
        int[] physical = new int[numPhysical];
        int[] count = new int[e];
        for (int i = 0; i < e; i++) {
            physical[i] = i;
            count[i] = 1;
        }
        for (int i = e; i < numPhysical; i++) {
            int best = 0;
            for (int j = 1; j < e; j++) {
                if (loads[j] / count[j] > loads[best] / count[best]) {
                    best = j;
                }
            }
            physical[i] = best;
            count[best]++;
        }
        return physical;
    }

    /**
     * The hierarchical policy for one layer.
     *
     * @param loads       measured load of each logical expert
     * @param numPhysical physical expert slots in all (experts + redundant)
     * @param groups      expert groups (consecutive experts); divides the expert count, and the
     *                    node count divides it
     * @param nodes       nodes; divides the GPUs and the physical slots
     * @param gpus        GPUs; divides the physical slots
     * @return the logical expert of each physical slot, GPU by GPU
     */
    public static int[] hierarchical(double[] loads, int numPhysical, int groups, int nodes, int gpus) {
        int e = loads.length;
        if (groups <= 0 || e % groups != 0) {
            throw new IllegalArgumentException(groups + " expert groups do not divide " + e + " experts");
        }
        if (nodes <= 0 || groups % nodes != 0) {
            throw new IllegalArgumentException(nodes + " nodes do not divide " + groups + " expert groups");
        }
        if (gpus % nodes != 0 || numPhysical % nodes != 0) {
            throw new IllegalArgumentException(numPhysical + " physical experts do not divide over " + nodes
                    + " nodes of " + gpus + " GPUs");
        }
        if (numPhysical < gpus) {
            throw new IllegalArgumentException(numPhysical + " physical experts leave some of " + gpus
                    + " GPUs without an expert");
        }
        if (numPhysical < e) {
            throw new IllegalArgumentException(numPhysical + " physical experts cannot hold " + e + " logical ones");
        }
        int groupSize = e / groups;
        int groupsPerNode = groups / nodes;
        int expertsPerNode = e / nodes;
        int physicalPerNode = numPhysical / nodes;
        int gpusPerNode = gpus / nodes;
        int slotsPerGpu = (numPhysical + gpus - 1) / gpus;

        // Step 1: groups onto nodes, balancing node load.
        double[] groupLoads = new double[groups];
        for (int x = 0; x < e; x++) {
            groupLoads[x / groupSize] += loads[x];
        }
        int[][] groupPack = balancedPacking(groupLoads, nodes);
        // Node-local order of logical experts: the node's groups in pack-rank order, experts in group order.
        int[][] nodeExperts = new int[nodes][expertsPerNode];
        for (int g = 0; g < groups; g++) {
            int node = groupPack[0][g];
            int base = groupPack[1][g] * groupSize;
            for (int j = 0; j < groupSize; j++) {
                nodeExperts[node][base + j] = g * groupSize + j;
            }
        }

        int[] slotExpert = new int[slotsPerGpu * gpus];
        Arrays.fill(slotExpert, io.moesim.simulator.routing.ExpertPlacement.EMPTY);
        for (int node = 0; node < nodes; node++) {
            // Steps 2 and 3 (replicate within the node, pack onto its GPUs, refine), made monotone in the slots.
            double[] local = new double[expertsPerNode];
            for (int j = 0; j < expertsPerNode; j++) {
                local[j] = loads[nodeExperts[node][j]];
            }
            int[] nodeTable = MonotonePacking.chain(local, Math.max(expertsPerNode, gpusPerNode), physicalPerNode,
                    gpusPerNode, p -> replicateAndPack(local, p, gpusPerNode), true);
            for (int s = 0; s < nodeTable.length; s++) {
                if (nodeTable[s] != io.moesim.simulator.routing.ExpertPlacement.EMPTY) {
                    slotExpert[node * gpusPerNode * slotsPerGpu + s] = nodeExperts[node][nodeTable[s]];
                }
            }
        }
        return slotExpert;
    }

    /**
     * EPLB's steps 2 and 3 for one node: replicate {@code local} to {@code physical} replicas, pack
     * them (each carrying its expert's load over its replica count) onto {@code gpus} GPUs of
     * {@code ceil(physical / gpus)} slots, then {@link MonotonePacking#refine refine} the packing.
     *
     * @return the node-local expert of each of the node's slots, GPU by GPU (rank order within a GPU)
     */
    static int[] replicateAndPack(double[] local, int physical, int gpus) {
        int[] replicaOf = replicate(local, physical);
        int[] count = new int[local.length];
        for (int x : replicaOf) {
            count[x]++;
        }
        double[] replicaLoads = new double[physical];
        for (int p = 0; p < physical; p++) {
            replicaLoads[p] = local[replicaOf[p]] / count[replicaOf[p]];
        }
        int[][] gpuPack = balancedPacking(replicaLoads, gpus);
        int cap = (physical + gpus - 1) / gpus;
        int[] table = new int[cap * gpus];
        Arrays.fill(table, io.moesim.simulator.routing.ExpertPlacement.EMPTY);
        for (int p = 0; p < physical; p++) {
            table[gpuPack[0][p] * cap + gpuPack[1][p]] = replicaOf[p];
        }
        return MonotonePacking.refine(table, gpus, local);
    }

    /** The global policy for one layer: replicate over all GPUs, then pack (one group, one node). */
    public static int[] global(double[] loads, int numPhysical, int gpus) {
        return hierarchical(loads, numPhysical, 1, 1, gpus);
    }
}
