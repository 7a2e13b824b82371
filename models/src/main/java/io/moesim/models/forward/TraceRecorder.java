package io.moesim.models.forward;

import io.moesim.models.trace.TraceHeader;
import io.moesim.models.trace.TraceWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Records a router trace: runs a {@link ForwardModel} over a token stream cut into windows of
 * {@code context} tokens (each window a sequence of its own, positions from 0, no state carried
 * between windows) and appends every window's routing in every MoE layer to a {@link TraceWriter}.
 * Inside a window, tokens are processed in prefill chunks through the KV cache.
 */
public final class TraceRecorder {

    /** Tokens per prefill call inside a window (bounds the activations' memory). */
    static final int PREFILL_CHUNK = 256;

    private TraceRecorder() {
    }

    /** A header recording every MoE layer of {@code model}. */
    public static TraceHeader header(ForwardModel model, String modelId, Map<String, String> metadata) {
        ModelConfig c = model.config();
        List<Integer> moe = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            if (c.isMoeLayer(l)) {
                moe.add(l);
            }
        }
        return new TraceHeader(modelId, c.architecture().hfName(), c.numLayers(), moe, c.moe().numExperts(),
                c.moe().topK(), new LinkedHashMap<>(metadata));
    }

    /**
     * Runs {@code tokens} window by window and writes their routing.
     *
     * @param progress told the number of tokens done after each prefill chunk
     * @return tokens recorded
     */
    public static long record(ForwardModel model, int[] tokens, int context, TraceWriter writer, LongConsumer progress) {
        if (context <= 0) {
            throw new IllegalArgumentException("context must be > 0, got " + context);
        }
        ModelConfig c = model.config();
        int k = c.moe().topK();
        List<Integer> moeLayers = writer.header().moeLayers();
        KvCache cache = model.newCache(Math.min(context, Math.max(1, tokens.length)));
        long done = 0;
        int seq = 0;
        for (int start = 0; start < tokens.length; start += context, seq++) {
            int n = Math.min(context, tokens.length - start);
            int[] window = Arrays.copyOfRange(tokens, start, start + n);
            Map<Integer, int[]> experts = new LinkedHashMap<>();
            Map<Integer, float[]> weights = new LinkedHashMap<>();
            for (int layer : moeLayers) {
                experts.put(layer, new int[n * k]);
                weights.put(layer, new float[n * k]);
            }
            cache.clear();
            for (int from = 0; from < n; from += PREFILL_CHUNK) {
                int m = Math.min(PREFILL_CHUNK, n - from);
                int offset = from * k;
                model.forward(Arrays.copyOfRange(window, from, from + m), cache,
                        (layer, count, topK, e, w) -> {
                            System.arraycopy(e, 0, experts.get(layer), offset, count * topK);
                            System.arraycopy(w, 0, weights.get(layer), offset, count * topK);
                        }, ForwardModel.Logits.NONE);
                done += m;
                progress.accept(done);
            }
            int[] positions = new int[n];
            for (int i = 0; i < n; i++) {
                positions[i] = i;
            }
            writer.beginWindow(seq, positions, window);
            for (int layer : moeLayers) {
                writer.layer(layer, experts.get(layer), weights.get(layer));
            }
            writer.endWindow();
        }
        return done;
    }
}
