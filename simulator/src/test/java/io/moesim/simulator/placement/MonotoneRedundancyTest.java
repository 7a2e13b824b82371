package io.moesim.simulator.placement;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.trace.RouterTrace;
import io.moesim.simulator.routing.ExpertPlacement;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The EPLB strategies' imbalance on the fitted loads never rises as redundant experts go 0, 8, 16,
 * 32, on every shipped twin trace (3 twins x prose, code, mix), fitted on all tokens and on the first
 * half (the default fit window of {@code moesim place}). Each layer's busiest GPU is compared
 * exactly; the all-layer imbalance (busiest over mean, the mean summed in a different order for
 * each placement) is allowed float rounding only (1e-12 relative).
 */
class MonotoneRedundancyTest {

    private static final int[] REDUNDANT = {0, 8, 16, 32};
    private static final PlacementStrategy[] EPLB = {PlacementStrategy.EPLB_GLOBAL, PlacementStrategy.EPLB_HIERARCHICAL};

    /** twin, GPUs, GPUs per node, expert groups for the hierarchical policy. */
    private static final Object[][] CASES = {
        {"deepseek-v3-twin", 144, 144, 8},   // 256 + R slots do not divide over 18 nodes: one node of 144
        {"deepseek-v3-twin", 32, 8, 8},
        {"qwen3-moe-twin", 64, 8, 128},
        {"qwen3-moe-twin", 16, 8, 128},
        {"mixtral-twin", 8, 8, 8},
    };

    private static double busiest(LayerPlacement layer, double[] loads) {
        double[] perGpu = new double[layer.numGpus()];
        layer.gpuLoads(loads, perGpu);
        double max = 0;
        for (double x : perGpu) {
            max = Math.max(max, x);
        }
        return max;
    }

    private static void assertNeverRises(double[][] loads, PlacementStrategy s, int gpus, int perNode, int groups,
                                         String what) {
        Placement previous = null;
        double previousImbalance = Double.POSITIVE_INFINITY;
        for (int r : REDUNDANT) {
            Placement p = Placer.place(s, loads, gpus, perNode, r, groups);
            double imbalance = PlacementMetrics.imbalance(p, loads);
            String at = what + " " + s.id() + " R=" + r;
            assertTrue(imbalance <= previousImbalance * (1 + 1e-12), at + ": " + imbalance + " > " + previousImbalance);
            for (int l = 0; l < p.numLayers(); l++) {
                LayerPlacement layer = p.layer(l);
                // At most E + R replicas (a replica that would make the busiest GPU heavier is left out), at least E.
                assertTrue(layer.numSlots() <= loads[l].length + r && layer.numSlots() >= loads[l].length, at);
                assertEquals(ExpertPlacement.slotsPerGpu(loads[l].length + r, gpus), layer.slotsPerGpu(), at);
                if (previous != null) {
                    assertTrue(busiest(layer, loads[l]) <= busiest(previous.layer(l), loads[l]), at + " layer " + l);
                }
            }
            previous = p;
            previousImbalance = imbalance;
        }
    }

    @Test
    void eplbImbalanceNeverRisesOnEveryTwinTrace() {
        for (Object[] c : CASES) {
            Path dir = Path.of("..", "models", "twins", (String) c[0], "traces");
            for (String domain : new String[] {"prose", "code", "mix"}) {
                RouterTrace trace = RouterTrace.read(dir.resolve(domain + ".moetrace.gz"));
                double[][] all = PlacementMetrics.expertCounts(trace);
                double[][] firstHalf = PlacementMetrics.expertCounts(trace, 0, trace.numTokens() / 2);
                for (PlacementStrategy s : EPLB) {
                    String what = c[0] + " " + domain + " EP" + c[1];
                    assertNeverRises(all, s, (int) c[1], (int) c[2], (int) c[3], what + " (all tokens)");
                    assertNeverRises(firstHalf, s, (int) c[1], (int) c[2], (int) c[3], what + " (first half)");
                }
            }
        }
    }

    @Test
    void qwen3ProseAtEp64NoLongerRisesAt16() {
        // The case greedy packing alone got wrong: 1.063 at R = 8, 1.076 at R = 16 (eplb-global).
        RouterTrace trace = RouterTrace.read(Path.of("..", "models", "twins", "qwen3-moe-twin", "traces",
                "prose.moetrace.gz"));
        double[][] loads = PlacementMetrics.expertCounts(trace);
        double r8 = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.EPLB_GLOBAL, loads, 64, 8, 8, 128), loads);
        double r16 = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.EPLB_GLOBAL, loads, 64, 8, 16, 128), loads);
        assertTrue(r16 < r8, r16 + " vs " + r8);
    }

    @Test
    void refinementSwapsWhatGreedyPackingLeavesUneven() {
        // Loads 12, 12 with 5 physical slots on 2 GPUs (3 slots each): replication gives A 3 replicas
        // of 4, B 2 of 6; greedy packing puts B, A, A (14) and B, A (10). One swap (B for an A) gives
        // A, A, A and B, B: 12 and 12.
        int[] slots = Eplb.global(new double[] {12, 12}, 5, 2);
        LayerPlacement layer = new LayerPlacement(2, 2, slots);
        double[] perGpu = new double[2];
        layer.gpuLoads(new double[] {12, 12}, perGpu);
        assertArrayEquals(new double[] {12, 12}, perGpu, 1e-12);
        assertEquals(5, layer.numSlots());
    }

    @Test
    void contiguousIsALayoutNotABalancer() {
        // Contiguous keeps the step model's layout, which can get worse with a replica: 16 equal experts
        // on 4 GPUs hold 4 each (imbalance 1); with 1 replica GPU 0 holds experts 0 (half), 1, 2, 3, 4.
        double[][] loads = Placer.uniformLoads(1, 16);
        double r0 = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.CONTIGUOUS, loads, 4, 4, 0, 1), loads);
        double r1 = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.CONTIGUOUS, loads, 4, 4, 1, 1), loads);
        assertEquals(1.0, r0, 1e-12);
        assertEquals(4.5 / 4.0, r1, 1e-12);
        double eplb = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.EPLB_GLOBAL, loads, 4, 4, 1, 1), loads);
        assertEquals(1.0, eplb, 1e-12);
    }
}
