package io.moesim.simulator.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.trace.RouterTrace;
import io.moesim.simulator.memory.MemoryModel;
import io.moesim.simulator.routing.ExpertPlacement;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Placements whose experts and redundant replicas do not divide evenly over the GPUs: each GPU
 * has ceil((E + R) / G) slots, some left empty (DeepSeek-V3 at EP144: 256 + R over 144 GPUs).
 */
class UnevenSlotsTest {

    private static final int[] REDUNDANT = {0, 8, 16, 32, 64};

    private static void assertValid(LayerPlacement layer, int experts, int redundant, String what) {
        int gpus = layer.numGpus();
        assertEquals(ExpertPlacement.slotsPerGpu(experts + redundant, gpus), layer.slotsPerGpu(), what);
        assertEquals(experts + redundant, layer.numSlots(), what);
        int held = 0;
        for (int g = 0; g < gpus; g++) {
            int n = layer.expertCount(g);
            assertTrue(n >= 1 && n <= layer.slotsPerGpu(), what + ": GPU " + g + " holds " + n);
            held += n;
        }
        assertEquals(experts + redundant, held, what);
        for (int e = 0; e < experts; e++) {
            assertTrue(layer.replicas(e) >= 1, what + ": expert " + e);
        }
    }

    @Test
    void emptySlotsAreValidForEveryStrategyAtEp144() {
        double[][] loads = PlacementMetrics.expertCounts(SkewedTraces.zipf(2, 256, 8, 4000, 1.0, 0, 7));
        for (PlacementStrategy s : new PlacementStrategy[] {PlacementStrategy.CONTIGUOUS, PlacementStrategy.ROUND_ROBIN,
                PlacementStrategy.EPLB_GLOBAL}) {
            for (int r : REDUNDANT) {
                Placement p = Placer.place(s, loads, 144, 8, r, 8);
                for (int l = 0; l < p.numLayers(); l++) {
                    LayerPlacement layer = p.layer(l);
                    assertValid(layer, 256, r, s.id() + " R=" + r);
                    // Per-GPU loads sum to the layer's copies; empty slots receive nothing.
                    double[] perGpu = new double[144];
                    layer.gpuLoads(loads[l], perGpu);
                    assertEquals(java.util.Arrays.stream(loads[l]).sum(), java.util.Arrays.stream(perGpu).sum(), 1e-6);
                    ExpertPlacement step = layer.toExpertPlacement();
                    int[] counts = new int[256];
                    for (int e = 0; e < 256; e++) {
                        counts[e] = (int) loads[l][e];
                    }
                    int[] slots = new int[144 * layer.slotsPerGpu()];
                    step.slotLoads(counts, slots);
                    long sum = 0;
                    for (int slot = 0; slot < slots.length; slot++) {
                        if (step.slotExpert(slot) == ExpertPlacement.EMPTY) {
                            assertEquals(0, slots[slot]);
                        }
                        sum += slots[slot];
                    }
                    assertEquals(java.util.Arrays.stream(counts).asLongStream().sum(), sum);
                }
            }
        }
    }

    @Test
    void contiguousAndRoundRobinLeaveTheLastGpusShort() {
        // 264 slots over 144 GPUs: 2 slots each, the first 120 GPUs full, the last 24 with one expert.
        Placement c = Placer.place(PlacementStrategy.CONTIGUOUS, Placer.uniformLoads(1, 256), 144, 8, 8, 1);
        Placement rr = Placer.place(PlacementStrategy.ROUND_ROBIN, Placer.uniformLoads(1, 256), 144, 8, 8, 1);
        for (Placement p : new Placement[] {c, rr}) {
            for (int g = 0; g < 144; g++) {
                assertEquals(g < 120 ? 2 : 1, p.layer(0).expertCount(g), "GPU " + g);
            }
        }
        assertEquals(0, c.layer(0).expertAt(0, 0));
        assertEquals(1, c.layer(0).expertAt(0, 1));
        assertEquals(239, c.layer(0).expertAt(119, 1));
        assertEquals(255, c.layer(0).expertAt(135, 0));
        assertEquals(7, c.layer(0).expertAt(143, 0));   // the last replica (experts 0..7 replicated)
        // The step model's default placement is the same contiguous layout.
        ExpertPlacement reference = ExpertPlacement.contiguous(256, 144, 8);
        for (int s = 0; s < 288; s++) {
            assertEquals(reference.slotExpert(s), c.layer(0).slotExpert(s), "slot " + s);
        }
    }

    @Test
    void eplbPacksNoGpuOverCapacity() {
        // 12 experts + 2 redundant over 4 GPUs: 4 slots per GPU, 2 left empty where the packing decides.
        double[] loads = {90, 80, 70, 60, 50, 40, 30, 20, 10, 5, 5, 5};
        int[] slots = Eplb.global(loads, 14, 4);
        assertEquals(16, slots.length);
        LayerPlacement layer = new LayerPlacement(4, 12, slots);
        assertValid(layer, 12, 2, "eplb");
        assertThrows(IllegalArgumentException.class, () -> Placer.place(PlacementStrategy.CONTIGUOUS,
                Placer.uniformLoads(1, 4), 8, 8, 2, 1));
    }

    @Test
    void memoryIsTheFullestGpus() {
        Scenario s = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"));
        var pool = s.deployment().decode();
        double r0 = MemoryModel.weightsBytes(s.model(), s.precision(), pool, 0);
        double r8 = MemoryModel.weightsBytes(s.model(), s.precision(), pool, 8);
        double r32 = MemoryModel.weightsBytes(s.model(), s.precision(), pool, 32);
        double r64 = MemoryModel.weightsBytes(s.model(), s.precision(), pool, 64);
        // 256, 264 and 288 slots over 144 GPUs: the fullest GPU holds 2 experts per layer; 320: 3.
        assertEquals(r32, r0, 0.0);
        assertEquals(r32, r8, 0.0);
        double expert = io.moesim.models.spec.ModelAccounting.routedExpertWeights(s.model())
                * s.precision().weights().bytes() * s.model().numMoeLayers();
        assertEquals(expert, r64 - r32, expert * 1e-9);
    }

    private static void assertImbalanceNeverRises(double[][] loads, int gpus, int gpusPerNode, int[] redundant,
                                                  String what) {
        double previous = Double.POSITIVE_INFINITY;
        double first = 0;
        for (int r : redundant) {
            double imbalance = PlacementMetrics.imbalance(Placer.place(PlacementStrategy.EPLB_GLOBAL, loads, gpus,
                    gpusPerNode, r, 1), loads);
            assertTrue(imbalance <= previous * (1 + 1e-12), what + ": " + r + " redundant gives " + imbalance + " > " + previous);
            previous = imbalance;
            if (r == 0) {
                first = imbalance;
            }
        }
        assertTrue(previous < first, what + ": redundant experts do not help");
    }

    @Test
    void imbalanceNeverRisesWithRedundantExpertsAtEp144() {
        for (long seed = 1; seed <= 2; seed++) {
            double[][] loads = PlacementMetrics.expertCounts(SkewedTraces.zipf(2, 256, 8, 6000, 0.8 + 0.2 * seed, 0, seed));
            assertImbalanceNeverRises(loads, 144, 8, REDUNDANT, "zipf seed " + seed);
        }
    }

    @Test
    void imbalanceNeverRisesOnTheDeepSeekTwinsTraces() {
        // The DeepSeek-V3 twin (256 experts, top-8, as the target) at the target's EP144.
        Path dir = Path.of("..", "models", "twins", "deepseek-v3-twin", "traces");
        for (String domain : new String[] {"prose", "code", "mix"}) {
            double[][] loads = PlacementMetrics.expertCounts(RouterTrace.read(dir.resolve(domain + ".moetrace.gz")));
            assertImbalanceNeverRises(loads, 144, 8, new int[] {0, 8, 16, 32}, "deepseek-v3-twin " + domain);
        }
    }
}
