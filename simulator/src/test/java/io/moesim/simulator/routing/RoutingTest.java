package io.moesim.simulator.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.simulator.engine.RandomStreams;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoutingTest {

    private static SyntheticRouting routing(SyntheticRouting.Distribution d, long seed) {
        return new SyntheticRouting(256, 8, 58, d, new RandomStreams(seed).stream("routing"));
    }

    @Test
    void loadsConserveTokenCopiesAndRespectDistinctChoice() {
        for (SyntheticRouting.Distribution d : new SyntheticRouting.Distribution[] {
                new SyntheticRouting.Uniform(), new SyntheticRouting.Zipf(1.2), new SyntheticRouting.Zipf(3.0)}) {
            SyntheticRouting r = routing(d, 1);
            int[] loads = new int[256];
            for (int n : new int[] {1, 7, 128, 5000, 100_000}) {
                r.expertLoads(3, n, loads);
                assertEquals((long) n * 8, Arrays.stream(loads).asLongStream().sum(), d + " n=" + n);
                assertTrue(Arrays.stream(loads).allMatch(x -> x >= 0 && x <= n), d + " n=" + n);
            }
        }
    }

    @Test
    void uniformIsBalancedOnAverageAndZipfIsSkewed() {
        int[] loads = new int[256];
        SyntheticRouting uniform = routing(new SyntheticRouting.Uniform(), 2);
        uniform.expertLoads(0, 128_000, loads);
        int max = Arrays.stream(loads).max().orElseThrow();
        // Mean 4000 copies per expert; sd ~63; the max of 256 stays within 5 sd.
        assertTrue(max < 4000 + 5 * 63, "max " + max);
        SyntheticRouting zipf = routing(new SyntheticRouting.Zipf(1.2), 2);
        zipf.expertLoads(0, 128_000, loads);
        double[] p = zipf.copyProbabilities(0);
        assertEquals(1.0, Arrays.stream(p).sum(), 1e-9);
        assertTrue(Arrays.stream(p).max().orElseThrow() <= 1.0 / 8 + 1e-12);
        assertTrue(Arrays.stream(loads).max().orElseThrow() > 3 * 4000);
        // Hot experts differ between layers.
        double[] p1 = zipf.copyProbabilities(1);
        int hot0 = argmax(p), hot1 = argmax(p1);
        assertTrue(hot0 != hot1 || !Arrays.equals(p, p1));
    }

    @Test
    void sameSeedSameLoads() {
        int[] a = new int[256], b = new int[256];
        SyntheticRouting r1 = routing(new SyntheticRouting.Zipf(1.2), 9);
        SyntheticRouting r2 = routing(new SyntheticRouting.Zipf(1.2), 9);
        for (int layer = 0; layer < 58; layer++) {
            r1.expertLoads(layer, 1000, a);
            r2.expertLoads(layer, 1000, b);
            assertArrayEquals(a, b);
        }
    }

    @Test
    void binomialDrawsHaveTheRightMean() {
        SplittableRandom rng = new SplittableRandom(5);
        for (double q : new double[] {0.001, 0.03, 0.4, 0.9}) {
            for (int n : new int[] {10, 1000, 100_000}) {
                long sum = 0;
                int draws = 2000;
                for (int i = 0; i < draws; i++) {
                    sum += Multinomial.binomial(rng, n, q);
                }
                double mean = (double) sum / draws;
                double sd = Math.sqrt(n * q * (1 - q) / draws);
                assertEquals(n * q, mean, 5 * sd + 1e-9, "n=" + n + " q=" + q);
            }
        }
    }

    @Test
    void contiguousPlacementWithRedundantExperts() {
        // DeepSeek decode: 256 experts + 32 redundant over 144 GPUs = 2 slots per GPU.
        ExpertPlacement p = ExpertPlacement.contiguous(256, 144, 32);
        assertEquals(2, p.slotsPerGpu());
        assertEquals(0, p.slotExpert(256)); // first redundant copy holds expert 0
        assertEquals(128, p.slotGpu(256));
        int[] loads = new int[256];
        loads[0] = 101;
        loads[5] = 7;
        int[] slots = new int[288];
        p.slotLoads(loads, slots);
        assertEquals(51, slots[0]);
        assertEquals(50, slots[256]);
        double[] gpu = new double[144];
        p.gpuLoads(slots, gpu);
        assertEquals(108, Arrays.stream(gpu).sum(), 1e-9);
        assertEquals(51, gpu[0]);
        assertEquals(50, gpu[128]);
        assertEquals(4, gpu[2]);   // expert 5 has a redundant copy in slot 261 on GPU 130
        assertEquals(3, gpu[130]);
        // 256 experts on 144 GPUs: 2 slots each, the last 32 GPUs with one empty slot.
        ExpertPlacement uneven = ExpertPlacement.contiguous(256, 144, 0);
        assertEquals(2, uneven.slotsPerGpu());
        assertEquals(ExpertPlacement.EMPTY, uneven.slotExpert(2 * 143 + 1));
        assertEquals(255, uneven.slotExpert(2 * 143));
        // 256 experts on 288 GPUs would leave GPUs without any.
        assertThrows(IllegalArgumentException.class, () -> ExpertPlacement.contiguous(256, 288, 0));
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
