package io.moesim.models.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.models.forward.TinyCheckpoints.Layout;
import io.moesim.models.tensor.DType;
import io.moesim.models.trace.RouterTrace;
import io.moesim.models.trace.TraceHeader;
import io.moesim.models.trace.TraceWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceRecorderTest {

    @TempDir
    Path tmp;

    /** 12 tokens in windows of 5: sequences 0, 1, 2 with 5, 5, 2 tokens, each routed as the reference does from position 0. */
    @Test
    void recordsEveryWindowAsItsOwnSequence() {
        TinyModel m = TinyModel.deepseekV3(81, false);
        Path dir = TinyCheckpoints.write(m, tmp.resolve("ckpt"), DType.F32, Layout.PER_EXPERT);
        int[] tokens = ForwardModelTest.tokens(m, 12, 4);
        Path out = tmp.resolve("t.moetrace");
        try (ForwardModel model = ForwardModel.load(dir)) {
            TraceHeader header = TraceRecorder.header(model, "tiny-v3", Map.of(TraceHeader.META_CONTEXT_TOKENS, "5"));
            assertEquals(List.of(1, 2), header.moeLayers());
            List<Long> progress = new ArrayList<>();
            try (TraceWriter w = TraceWriter.create(out, header)) {
                assertEquals(12, TraceRecorder.record(model, tokens, 5, w, progress::add));
            }
            assertEquals(List.of(5L, 10L, 12L), progress);
        }
        RouterTrace trace = RouterTrace.read(out);
        assertEquals(12, trace.numTokens());
        assertEquals(16, trace.numExperts());
        assertEquals(4, trace.topK());
        for (int start = 0, seq = 0; start < 12; start += 5, seq++) {
            int[] window = Arrays.copyOfRange(tokens, start, Math.min(12, start + 5));
            ReferenceModel.Result ref = new ReferenceModel(m).forward(window);
            for (int i = 0; i < window.length; i++) {
                int token = start + i;
                assertEquals(seq, trace.seq(token));
                assertEquals(i, trace.position(token));
                assertEquals(window[i], trace.tokenId(token));
                for (int li = 0; li < 2; li++) {
                    ReferenceModel.Choice c = ref.choices().get(li)[i];
                    int[] experts = new int[4];
                    trace.copyExperts(token, li, experts, 0);
                    assertArrayEquals(c.experts(), experts, "token " + token + " layer " + li);
                    assertEquals(c.weights()[0], trace.weight(token, li, 0), 1e-4);
                }
            }
        }
    }
}
