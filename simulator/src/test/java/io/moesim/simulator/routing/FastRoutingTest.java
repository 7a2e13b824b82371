package io.moesim.simulator.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pooled normal routing draw against the exact multinomial draw, in distribution. */
class FastRoutingTest {

    private static double[] stats(boolean fast, SyntheticRouting.Distribution d, int tokens) {
        SyntheticRouting r = new SyntheticRouting(256, 8, 4, d, new SplittableRandom(11));
        ExpertPlacement placement = ExpertPlacement.contiguous(256, 128, 0);
        int[] loads = new int[256];
        int[] slots = new int[256];
        double[] gpu = new double[128];
        int draws = 3000;
        double sum = 0, sumSq = 0, maxGpu = 0;
        for (int i = 0; i < draws; i++) {
            if (fast) {
                r.expertLoads(1, tokens, loads);
            } else {
                r.exactExpertLoads(1, tokens, loads);
            }
            int total = 0;
            for (int l : loads) {
                total += l;
            }
            assertEquals(tokens * 8, total, "copies dispatched = tokens x topK");
            placement.slotLoads(loads, slots);
            placement.gpuLoads(slots, gpu);
            double max = 0;
            for (double g : gpu) {
                max = Math.max(max, g);
            }
            maxGpu += max;
            // Statistics of the hottest expert of this layer (index 0 after the seeded permutation differs; use all).
            for (int l : loads) {
                sum += l;
                sumSq += (double) l * l;
            }
        }
        double n = draws * 256.0;
        double mean = sum / n;
        return new double[] {mean, sumSq / n - mean * mean, maxGpu / draws};
    }

    @Test
    void fastDrawMatchesTheExactOneInDistribution() {
        for (SyntheticRouting.Distribution d : new SyntheticRouting.Distribution[] {new SyntheticRouting.Uniform(),
                new SyntheticRouting.Zipf(0.8)}) {
            int tokens = 128 * 88;
            double[] exact = stats(false, d, tokens);
            double[] fast = stats(true, d, tokens);
            assertEquals(exact[0], fast[0], 1e-9, "mean load");
            assertEquals(exact[1], fast[1], 0.03 * exact[1], "variance of the per-expert load");
            assertEquals(exact[2], fast[2], 0.01 * exact[2], "mean of the busiest GPU's copies");
        }
    }
}
