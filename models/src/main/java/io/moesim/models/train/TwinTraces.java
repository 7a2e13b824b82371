package io.moesim.models.train;

import io.moesim.models.forward.ForwardModel;
import io.moesim.models.forward.TraceRecorder;
import io.moesim.models.trace.TraceHeader;
import io.moesim.models.trace.TraceWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import io.moesim.models.trace.RouterTrace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records router traces of a shipped twin with the inference forward pass, over held-out text:
 * {@code prose}, {@code code} and {@code mix} (the three held-out domains interleaved window by
 * window). Byte tokens (token id = byte value), windows of {@code context} tokens (the twin's training context).
 */
public final class TwinTraces {

    private TwinTraces() {
    }

    /** Writes {@code DIR/traces/{prose,code,mix}.moetrace.gz}; returns the trace files written. */
    public static List<Path> record(Path twinDir, Corpus corpus, int context, int bytesPerTrace) throws java.io.IOException {
        Path out = twinDir.resolve("traces");
        Files.createDirectories(out);
        List<Path> written = new ArrayList<>();
        try (ForwardModel model = ForwardModel.load(twinDir)) {
            Map<String, int[]> inputs = new LinkedHashMap<>();
            inputs.put("prose", bytes(corpus.heldout()[Corpus.DOMAINS.indexOf("prose")], 0, bytesPerTrace));
            inputs.put("code", bytes(corpus.heldout()[Corpus.DOMAINS.indexOf("code")], 0, bytesPerTrace));
            int[] mix = new int[bytesPerTrace / context * context];
            for (int w = 0; w < mix.length / context; w++) {
                byte[] text = corpus.heldout()[w % 3];
                int[] window = bytes(text, bytesPerTrace + (w / 3) * context, context);
                System.arraycopy(window, 0, mix, w * context, context);
            }
            inputs.put("mix", mix);
            for (Map.Entry<String, int[]> e : inputs.entrySet()) {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put(TraceHeader.META_SOURCE_TEXT, e.getKey().equals("mix")
                        ? "held-out prose, code and technical prose of scripts/build-corpus.sh, windows interleaved"
                        : "held-out " + e.getKey() + " of scripts/build-corpus.sh, first " + e.getValue().length + " bytes");
                meta.put(TraceHeader.META_CONTEXT_TOKENS, Integer.toString(context));
                meta.put(TraceHeader.META_TOKENIZER, "bytes (token id = byte value)");
                meta.put(TraceHeader.META_CREATED_BY, "moesim train --traces-only");
                Path file = out.resolve(e.getKey() + ".moetrace.gz");
                try (TraceWriter writer = TraceWriter.create(file,
                        TraceRecorder.header(model, twinDir.getFileName().toString(), meta))) {
                    TraceRecorder.record(model, e.getValue(), context, writer, done -> { });
                }
                written.add(file);
            }
        }
        return written;
    }

    private static int[] bytes(byte[] text, int from, int count) {
        int n = Math.max(0, Math.min(count, text.length - from));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = text[from + i] & 0xFF;
        }
        return out;
    }

    /**
     * Fraction of (token, MoE layer) pairs of {@code traceFile} whose recorded expert set equals
     * the one the trainer's own forward pass picks for {@code model} on the same windows.
     */
    public static double agreement(TwinModel model, Path traceFile) {
        RouterTrace trace = RouterTrace.read(traceFile);
        int k = trace.topK();
        long same = 0;
        long total = 0;
        int token = 0;
        while (token < trace.numTokens()) {
            int end = token;
            while (end < trace.numTokens() && trace.seq(end) == trace.seq(token)) {
                end++;
            }
            int n = end - token;
            int[][] seq = new int[1][n + 1];
            for (int i = 0; i < n; i++) {
                seq[0][i] = trace.tokenId(token + i);
            }
            TwinModel.Tape tape = model.forward(seq);
            int[] recorded = new int[k];
            for (int li = 0; li < trace.numRecordedLayers(); li++) {
                int[] mine = tape.selected[trace.decoderLayer(li)];
                for (int i = 0; i < n; i++) {
                    trace.copyExperts(token + i, li, recorded, 0);
                    int[] chosen = Arrays.copyOfRange(mine, i * k, (i + 1) * k);
                    Arrays.sort(recorded);
                    Arrays.sort(chosen);
                    same += Arrays.equals(recorded, chosen) ? 1 : 0;
                    total++;
                }
            }
            token = end;
        }
        return total == 0 ? Double.NaN : (double) same / total;
    }
}
