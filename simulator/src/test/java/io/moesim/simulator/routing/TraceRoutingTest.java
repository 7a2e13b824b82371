package io.moesim.simulator.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.models.trace.RouterTrace;
import io.moesim.simulator.placement.LayerPlacement;
import io.moesim.simulator.placement.Placement;
import io.moesim.simulator.placement.PlacementStrategy;
import io.moesim.simulator.placement.Placer;
import io.moesim.simulator.placement.SkewedTraces;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TraceRoutingTest {

    private static final RouterTrace TRACE = SkewedTraces.zipf(3, 64, 6, 5000, 1.1, 400, 11);
    private static final Path FILE = Path.of("twin.moetrace");

    private static TraceRouting replay(int layers, TraceRouting.Mode mode) {
        return new TraceRouting(TRACE, FILE, layers, 64, 6, TraceRoutingWindow.all(TRACE.numTokens()), mode);
    }

    /** Counts by hand: window tokens (start + shift + i) mod R, i < n, of the mapped recorded layer. */
    private static int[] manual(TraceRouting r, int layer, long start, int n) {
        int[] c = new int[64];
        int R = TRACE.numTokens();
        for (int i = 0; i < n; i++) {
            int t = (int) ((start + r.layerOffset(layer) + i) % R);
            for (int k = 0; k < 6; k++) {
                c[TRACE.expert(t, r.traceLayer(layer), k)]++;
            }
        }
        return c;
    }

    @Test
    void stepsTakeConsecutiveTokensAndLayersMapOntoTheTrace() {
        TraceRouting r = replay(7, TraceRouting.Mode.WINDOWED);
        // 7 target layers on 3 recorded: floor(i*3/7) = 0,0,0,1,1,2,2; copies shifted by R/copies.
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 2, 2},
                java.util.stream.IntStream.range(0, 7).map(r::traceLayer).toArray());
        assertArrayEquals(new int[] {0, 1666, 3332, 0, 2500, 0, 2500},
                java.util.stream.IntStream.range(0, 7).map(r::layerOffset).toArray());
        int[] loads = new int[64];
        long start = 0;
        for (int n : new int[] {300, 1, 4999, 777, 12000}) {
            for (int layer = 0; layer < 7; layer++) {
                r.expertLoads(layer, n, loads);
                assertArrayEquals(manual(r, layer, start, n), loads, "step of " + n + " at layer " + layer);
                assertEquals((long) n * 6, java.util.Arrays.stream(loads).sum());
            }
            start += n;
        }
    }

    @Test
    void windowedReplayMatchesTokenExactReplay() {
        TraceRouting exact = replay(6, TraceRouting.Mode.TOKEN_EXACT);
        TraceRouting windowed = replay(6, TraceRouting.Mode.WINDOWED);
        Placement placement = Placer.place(PlacementStrategy.EPLB_GLOBAL, exact.totalCounts(), 16, 4, 16, 64);
        int[] a = new int[64];
        int[] b = new int[64];
        double[] gpuA = new double[16];
        double[] gpuB = new double[16];
        double sendsExact = 0;
        double sendsWindowed = 0;
        long start = 0;
        for (int step = 0; step < 12; step++) {
            int n = 1024 + 333 * step;
            for (int layer = 0; layer < 6; layer++) {
                exact.expertLoads(layer, n, a);
                windowed.expertLoads(layer, n, b);
                assertArrayEquals(a, b);
                LayerPlacement p = placement.layer(layer);
                p.gpuLoads(a, gpuA);
                p.gpuLoads(b, gpuB);
                assertEquals(max(gpuA), max(gpuB), 1e-9);
                double se = exact.remoteNodeSends(layer, start, n, p, 4);
                double sw = windowed.remoteNodeSends(layer, start, n, p, 4);
                assertEquals(se, sw, 0.02 * se, "cross-node sends, step " + step + " layer " + layer);
                sendsExact += se;
                sendsWindowed += sw;
            }
            start += n;
        }
        assertEquals(sendsExact, sendsWindowed, 0.005 * sendsExact);
    }

    @Test
    void hierarchicalPlacementSendsLessAcrossNodesThanRoundRobin() {
        TraceRouting r = replay(3, TraceRouting.Mode.WINDOWED);
        double[][] loads = r.totalCounts();
        Placement rr = Placer.place(PlacementStrategy.ROUND_ROBIN, loads, 16, 4, 0, 64);
        Placement flat = Placer.place(PlacementStrategy.CONTIGUOUS, loads, 16, 4, 0, 64);
        int tokens = r.windowTokens();
        for (int layer = 0; layer < 3; layer++) {
            double a = r.remoteNodeSends(layer, 0, tokens, rr.layer(layer), 4) / (tokens * 6.0);
            double b = r.remoteNodeSends(layer, 0, tokens, flat.layer(layer), 4) / (tokens * 6.0);
            // Never more than one send per copy, never more than 3 of 4 nodes per token.
            assertTrue(a > 0 && a <= 3.0 / 6 && b > 0 && b <= 3.0 / 6, a + " " + b);
        }
        // One node: nothing leaves it.
        Placement oneNode = Placer.place(PlacementStrategy.CONTIGUOUS, loads, 4, 4, 0, 64);
        assertEquals(0, r.remoteNodeSends(0, 0, tokens, oneNode.layer(0), 4));
    }

    @Test
    void sendsOfATokenWhoseExpertsShareANodeByHand() {
        // Two GPUs per node, two nodes, 4 experts one per GPU; top-2.
        var header = new io.moesim.models.trace.TraceHeader("t", "", 1, java.util.List.of(0), 4, 2, java.util.Map.of());
        RouterTrace trace = RouterTrace.builder(header)
                .add(0, 0, 1, new int[][] {{0, 1}}, new float[][] {{0.6f, 0.4f}})   // both on node 0
                .add(0, 1, 2, new int[][] {{0, 2}}, new float[][] {{0.6f, 0.4f}})   // one per node
                .build();
        TraceRouting exact = new TraceRouting(trace, FILE, 1, 4, 2, TraceRoutingWindow.all(2), TraceRouting.Mode.TOKEN_EXACT);
        LayerPlacement p = new LayerPlacement(4, 4, new int[] {0, 1, 2, 3});
        // Token 0 sits on GPU 0 (node 0): no send. Token 1 sits on GPU 1 (node 0): one send to node 1.
        assertEquals(1.0, exact.remoteNodeSends(0, 0, 2, p, 2), 1e-12);
        TraceRouting windowed = new TraceRouting(trace, FILE, 1, 4, 2, TraceRoutingWindow.all(2), TraceRouting.Mode.WINDOWED);
        // Uniform source node: token 0 reaches 1 node (1/2 remote), token 1 reaches 2 (1 remote).
        assertEquals(1.5, windowed.remoteNodeSends(0, 0, 2, p, 2), 1e-12);
    }

    @Test
    void traceOfAnotherShapeIsRefused() {
        InputException e = assertThrows(InputException.class, () -> new TraceRouting(TRACE, FILE, 58, 256, 8,
                TraceRoutingWindow.all(TRACE.numTokens()), TraceRouting.Mode.WINDOWED));
        assertEquals("twin.moetrace: num_experts: the trace has 64 experts per layer, the model 256", e.getMessage());
        e = assertThrows(InputException.class, () -> new TraceRouting(TRACE, FILE, 58, 64, 8,
                TraceRoutingWindow.all(TRACE.numTokens()), TraceRouting.Mode.WINDOWED));
        assertEquals("twin.moetrace: top_k: the trace chose 6 experts per token, the model chooses 8", e.getMessage());
        e = assertThrows(InputException.class, () -> TraceRoutingWindow.parse("10:99999", 5000, FILE, "--eval-tokens"));
        assertTrue(e.getMessage().startsWith("twin.moetrace: --eval-tokens: window 10:99999"), e.getMessage());
        assertEquals(new TraceRoutingWindow(2500, 5000), TraceRoutingWindow.parse("2500:", 5000, FILE, "x"));
    }

    private static double max(double[] xs) {
        double m = 0;
        for (double x : xs) {
            m = Math.max(m, x);
        }
        return m;
    }
}
