package io.moesim.simulator.placement;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EplbTest {

    /** The weight matrix of the example in the README of github.com/deepseek-ai/EPLB. */
    static final double[][] README_WEIGHT = {
        {90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86},
        {20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27},
    };

    /** The phy2log the README prints for 16 replicas, 4 groups, 2 nodes, 8 GPUs. */
    static final int[][] README_PHY2LOG = {
        {5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1},
        {7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1},
    };

    @Test
    void hierarchicalReproducesTheReadmeExample() {
        for (int l = 0; l < 2; l++) {
            int[] slots = Eplb.hierarchical(README_WEIGHT[l], 16, 4, 2, 8);
            assertArrayEquals(README_PHY2LOG[l], slots, "layer " + l);
        }
    }

    @Test
    void readmeExampleIsAValidPlacement() {
        Placement p = Placer.place(PlacementStrategy.EPLB_HIERARCHICAL, README_WEIGHT, 8, 4, 4, 4);
        for (LayerPlacement layer : p.layers()) {
            assertEquals(2, layer.slotsPerGpu());
            int replicas = 0;
            for (int e = 0; e < 12; e++) {
                assertTrue(layer.replicas(e) >= 1, "expert " + e + " placed");
                replicas += layer.replicas(e);
            }
            assertEquals(16, replicas);
            // Hierarchical: an expert's replicas stay in the node its group was packed onto.
            for (int e = 0; e < 12; e++) {
                double[] share = layer.nodeShares(e, 4);
                assertTrue(share[0] == 1.0 || share[1] == 1.0, "expert " + e + " split over nodes");
            }
        }
        // Layer 0 by hand: node loads 446 (groups 1, 2) and 587 (groups 3, 0); node 0 copies expert 5 and 4.
        assertEquals(2, p.layer(0).replicas(5));
        assertEquals(2, p.layer(0).replicas(4));
        assertEquals(2, p.layer(0).replicas(10));
        assertEquals(2, p.layer(0).replicas(1));
    }

    @Test
    void balancedPackingFillsTheLightestOpenPack() {
        // Sorted 330, 325, 262, 116: 330 -> 0, 325 -> 1, 262 -> 1 (lighter), 116 -> 0 (pack 1 full).
        int[][] packed = Eplb.balancedPacking(new double[] {262, 330, 116, 325}, 2);
        assertArrayEquals(new int[] {1, 0, 0, 1}, packed[0]);
        assertArrayEquals(new int[] {1, 0, 1, 0}, packed[1]);
    }

    @Test
    void replicationSplitsTheHottestLoadPerReplica() {
        // 100 -> 2 replicas (50 each), then 60 beats 50: 60 -> 2 replicas, then 50 (expert 0) again.
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 0}, Eplb.replicate(new double[] {100, 60, 10}, 6));
    }

    @Test
    void globalPolicyBalancesBetterThanContiguousOnSkewedLoads() {
        double[][] loads = PlacementMetrics.expertCounts(SkewedTraces.zipf(2, 64, 6, 4000, 1.2, 0, 7));
        double contiguous = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.CONTIGUOUS, loads, 8, 8, 0, 64), loads);
        double global = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.EPLB_GLOBAL, loads, 8, 8, 0, 64), loads);
        assertTrue(global < contiguous, global + " vs " + contiguous);
        // Without replicas, with 8 experts per GPU, the hottest expert's GPU carries at least it and
        // the 7 coldest; EPLB comes within 2% of max(that, mean GPU load).
        for (int l = 0; l < loads.length; l++) {
            double total = java.util.Arrays.stream(loads[l]).sum();
            double[] sorted = loads[l].clone();
            java.util.Arrays.sort(sorted);
            double hotGpu = sorted[63];
            for (int i = 0; i < 7; i++) {
                hotGpu += sorted[i];
            }
            double bound = Math.max(1.0, hotGpu / (total / 8));
            LayerPlacement layer = Placer.place(PlacementStrategy.EPLB_GLOBAL, loads, 8, 8, 0, 64).layer(l);
            double achieved = PlacementMetrics.imbalance(layer, loads[l]);
            assertTrue(achieved >= bound - 1e-9 && achieved <= bound * 1.02, achieved + " vs bound " + bound);
        }
    }

    /**
     * Imbalance never rises as redundant experts go 0, 8, 16, 32 (float rounding of the mean only:
     * the busiest GPUs are compared exactly by the construction, see MonotonePacking); 32 must beat 0.
     */
    @Test
    void imbalanceNeverRisesWithRedundantExperts() {
        for (long seed = 1; seed <= 3; seed++) {
            double[][] loads = PlacementMetrics.expertCounts(SkewedTraces.zipf(3, 64, 6, 3000, 1.0 + 0.2 * seed, 0, seed));
            for (PlacementStrategy s : new PlacementStrategy[] {PlacementStrategy.EPLB_GLOBAL,
                    PlacementStrategy.EPLB_HIERARCHICAL}) {
                double previous = Double.POSITIVE_INFINITY;
                double first = 0;
                for (int r : new int[] {0, 8, 16, 32}) {
                    double imbalance = PlacementMetrics.imbalance(Placer.place(s, loads, 8, 4, r, 8), loads);
                    assertTrue(imbalance <= previous * (1 + 1e-12),
                            s.id() + " seed " + seed + ": " + r + " redundant gives " + imbalance + " > " + previous);
                    previous = imbalance;
                    if (r == 0) {
                        first = imbalance;
                    }
                }
                assertTrue(previous < first, s.id() + " seed " + seed + ": 32 redundant experts do not help");
            }
        }
    }

    @Test
    void contiguousWithoutLoadsMatchesTheStepModelsPlacement() {
        Placement p = Placer.place(PlacementStrategy.CONTIGUOUS, Placer.uniformLoads(1, 16), 4, 4, 4, 1);
        var reference = io.moesim.simulator.routing.ExpertPlacement.contiguous(16, 4, 4);
        for (int s = 0; s < 20; s++) {
            assertEquals(reference.slotExpert(s), p.layer(0).slotExpert(s));
        }
        Placement rr = Placer.place(PlacementStrategy.ROUND_ROBIN, Placer.uniformLoads(1, 8), 4, 4, 0, 1);
        assertArrayEquals(new int[] {0, 4}, rr.layer(0).expertsOnGpu(0));
        assertArrayEquals(new int[] {3, 7}, rr.layer(0).expertsOnGpu(3));
    }

    @Test
    void badShapesAndUnknownStrategiesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> PlacementStrategy.parse("eplb"));
        assertTrue(e.getMessage().contains("eplb-hierarchical"), e.getMessage());
        // 12 experts on 16 GPUs would leave GPUs without an expert; hierarchical needs slots divisible by nodes.
        assertThrows(IllegalArgumentException.class,
                () -> Placer.place(PlacementStrategy.EPLB_GLOBAL, README_WEIGHT, 16, 4, 0, 4));
        assertThrows(IllegalArgumentException.class,
                () -> Placer.place(PlacementStrategy.EPLB_HIERARCHICAL, README_WEIGHT, 8, 4, 3, 4));
        // 3 groups cannot be split over 2 nodes.
        assertThrows(IllegalArgumentException.class,
                () -> Placer.place(PlacementStrategy.EPLB_HIERARCHICAL, README_WEIGHT, 8, 4, 4, 3));
    }
}
