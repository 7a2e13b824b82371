package io.moesim.models.trace;

import java.util.List;
import java.util.Map;

/** A four-token trace small enough to compute its statistics by hand (see TraceStatsTest). */
final class HandTrace {

    private HandTrace() {
    }

    /** 3 decoder layers of which 0 and 2 are recorded MoE layers, 4 experts, top-2. */
    static RouterTrace build() {
        TraceHeader h = new TraceHeader("hand", "TestForCausalLM", 3, List.of(0, 2), 4, 2, Map.of("source_text", "hand"));
        return RouterTrace.builder(h)
                .add(0, 0, 10, new int[][] {{0, 1}, {0, 1}}, new float[][] {{0.6f, 0.4f}, {0.5f, 0.5f}})
                .add(0, 1, 11, new int[][] {{2, 0}, {2, 3}}, new float[][] {{0.3f, 0.7f}, {0.9f, 0.1f}})
                .add(0, 2, 12, new int[][] {{1, 0}, {0, 2}}, new float[][] {{0.5f, 0.5f}, {0.25f, 0.75f}})
                .add(1, 0, 13, new int[][] {{3, 0}, {1, 3}}, new float[][] {{0.8f, 0.2f}, {0.6f, 0.4f}})
                .build();
    }
}
