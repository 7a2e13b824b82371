package io.moesim.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.forward.ForwardModel;
import io.moesim.models.forward.TraceRecorder;
import io.moesim.models.trace.RouterTrace;
import io.moesim.models.trace.TraceHeader;
import io.moesim.models.trace.TraceWriter;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router traces shipped with the twins ({@code models/twins/NAME/traces/*.moetrace.gz}) are what the
 * forward pass records today: re-running the shipped checkpoint over the tokens stored in each trace
 * (its first windows, to keep the suite fast) gives the same experts, in the same order, for every token
 * and MoE layer, and the same gate weights up to float rounding (the Vector API's lane count differs
 * between CPUs, so the last bits of a dot product may too).
 */
class ShippedTracesReproduceTest {

    private static final int WINDOWS_CHECKED = 2;
    private static final double WEIGHT_TOLERANCE = 1e-5;

    @Test
    void forwardPassReproducesEveryShippedTrace(@TempDir Path tmp) {
        for (String name : TwinCatalog.NAMES) {
            Path dir = Path.of("twins", name);
            ForwardModel model = ForwardModel.load(dir);
            for (String domain : new String[] {"prose", "code", "mix"}) {
                RouterTrace shipped = RouterTrace.read(dir.resolve("traces").resolve(domain + ".moetrace.gz"));
                int context = Integer.parseInt(shipped.header().metadata().get(TraceHeader.META_CONTEXT_TOKENS));
                int n = Math.min(shipped.numTokens(), WINDOWS_CHECKED * context);
                int[] tokens = new int[n];
                for (int t = 0; t < n; t++) {
                    tokens[t] = shipped.tokenId(t);
                }
                Path again = tmp.resolve(name + "-" + domain + ".moetrace");
                try (TraceWriter writer = TraceWriter.create(again, shipped.header())) {
                    TraceRecorder.record(model, tokens, context, writer, done -> { });
                }
                RouterTrace recorded = RouterTrace.read(again);
                String what = name + " " + domain;
                assertEquals(n, recorded.numTokens(), what);
                int k = shipped.topK();
                int[] expected = new int[k];
                int[] actual = new int[k];
                for (int t = 0; t < n; t++) {
                    assertEquals(shipped.seq(t), recorded.seq(t), what + " token " + t + " sequence");
                    assertEquals(shipped.position(t), recorded.position(t), what + " token " + t + " position");
                    for (int l = 0; l < shipped.numRecordedLayers(); l++) {
                        shipped.copyExperts(t, l, expected, 0);
                        recorded.copyExperts(t, l, actual, 0);
                        assertEquals(Arrays.toString(expected), Arrays.toString(actual),
                                what + " token " + t + " layer " + shipped.decoderLayer(l) + " experts");
                        for (int r = 0; r < k; r++) {
                            double diff = Math.abs(shipped.weight(t, l, r) - recorded.weight(t, l, r));
                            assertTrue(diff <= WEIGHT_TOLERANCE, what + " token " + t + " layer "
                                    + shipped.decoderLayer(l) + " rank " + r + " weight differs by " + diff);
                        }
                    }
                }
            }
            model.close();
        }
    }
}
