package io.moesim.models.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceStatsTest {

    private static final double EPS = 1e-12;

    @TempDir
    Path dir;

    /*
     * Layer 0: tokens chose {0,1} {0,2} {1,0} {3,0}: counts 4,2,1,1 of N*K = 8, mean 2.
     *   token shares 1, .5, .25, .25; max/mean 4/2 = 2;
     *   CV = sqrt(((4-2)^2 + 0 + 1 + 1) / 4) / 2 = sqrt(1.5) / 2;
     *   p = .5 .25 .125 .125: H = .5 + .5 + .375 + .375 = 1.75 bits, / log2(4) = .875;
     *   pairs: (0,1) twice, (0,2) and (0,3) once.
     * Layer 2: {0,1} {2,3} {0,2} {1,3}: counts 2,2,2,2: max/mean 1, CV 0, H 2 bits, normalised 1;
     *   four pairs once each, (0,1) first by the id tie-break.
     */
    @Test
    void handComputedValues() {
        TraceStats stats = TraceStats.of(HandTrace.build());
        check(stats);
    }

    @Test
    void streamingFromFileGivesTheSame() {
        Path file = dir.resolve("hand.moetrace");
        HandTrace.build().write(file);
        check(TraceStats.of(file, TraceStats.DEFAULT_TOP));
    }

    private static void check(TraceStats stats) {
        assertEquals(4, stats.tokens());
        TraceStats.LayerStats l0 = stats.layer(0);
        assertArrayEquals(new long[] {4, 2, 1, 1}, l0.expertCounts());
        assertArrayEquals(new double[] {1.0, 0.5, 0.25, 0.25}, l0.tokenShares(), EPS);
        assertEquals(2.0, l0.maxOverMeanLoad(), EPS);
        assertEquals(Math.sqrt(1.5) / 2, l0.coefficientOfVariation(), EPS);
        assertEquals(1.75, l0.entropyBits(), EPS);
        assertEquals(0.875, l0.normalizedEntropy(), EPS);
        assertEquals(List.of(new TraceStats.ExpertShare(0, 4, 1.0), new TraceStats.ExpertShare(1, 2, 0.5),
                new TraceStats.ExpertShare(2, 1, 0.25), new TraceStats.ExpertShare(3, 1, 0.25)), l0.topExperts());
        assertEquals(List.of(new TraceStats.ExpertPair(0, 1, 2, 0.5), new TraceStats.ExpertPair(0, 2, 1, 0.25),
                new TraceStats.ExpertPair(0, 3, 1, 0.25)), l0.topPairs());

        TraceStats.LayerStats l2 = stats.layer(2);
        assertArrayEquals(new long[] {2, 2, 2, 2}, l2.expertCounts());
        assertEquals(1.0, l2.maxOverMeanLoad(), EPS);
        assertEquals(0.0, l2.coefficientOfVariation(), EPS);
        assertEquals(2.0, l2.entropyBits(), EPS);
        assertEquals(1.0, l2.normalizedEntropy(), EPS);
        assertEquals(new TraceStats.ExpertPair(0, 1, 1, 0.25), l2.topPairs().get(0));
        assertEquals(4, l2.topPairs().size());

        TraceStats.Summary s = stats.summary();
        assertEquals(1.5, s.meanMaxOverMeanLoad(), EPS);
        assertEquals(2.0, s.maxMaxOverMeanLoad(), EPS);
        assertEquals(0, s.maxLoadLayer());
        assertEquals(Math.sqrt(1.5) / 4, s.meanCoefficientOfVariation(), EPS);
        assertEquals(0.9375, s.meanNormalizedEntropy(), EPS);
        assertEquals(0.875, s.minNormalizedEntropy(), EPS);
        assertEquals(0, s.minEntropyLayer());
    }

    @Test
    void manyExpertsUseTheSparsePairTableAndAgree() {
        // 600 experts (> 512): pairs counted in a map; a token choosing {599, 3, 100} three times.
        TraceHeader h = new TraceHeader("big", "", 1, List.of(0), 600, 3, null);
        RouterTrace.Builder b = RouterTrace.builder(h);
        for (int t = 0; t < 3; t++) {
            b.add(0, t, t, new int[][] {{599, 3, 100}}, new float[][] {{0.5f, 0.3f, 0.2f}});
        }
        b.add(0, 3, 3, new int[][] {{1, 2, 3}}, new float[][] {{0.5f, 0.3f, 0.2f}});
        TraceStats stats = TraceStats.of(b.build(), 2);
        TraceStats.LayerStats l = stats.layer(0);
        assertEquals(List.of(new TraceStats.ExpertPair(3, 100, 3, 0.75), new TraceStats.ExpertPair(3, 599, 3, 0.75)),
                l.topPairs());
        assertEquals(new TraceStats.ExpertShare(3, 4, 1.0), l.topExperts().get(0));
        // counts: 3 -> 4, 100 -> 3, 599 -> 3, 1 -> 1, 2 -> 1; N*K = 12, mean 12/600 = 0.02.
        assertEquals(4 / 0.02, l.maxOverMeanLoad(), 1e-9);
    }
}
