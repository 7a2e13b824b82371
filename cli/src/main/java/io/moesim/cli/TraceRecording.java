package io.moesim.cli;

import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import java.nio.file.Files;
import io.moesim.models.forward.ForwardModel;
import io.moesim.models.forward.TraceRecorder;
import io.moesim.models.tokenizer.TokenIdFile;
import io.moesim.models.trace.TraceHeader;
import io.moesim.models.trace.TraceWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The recording part of {@code moesim trace}: loads the model, reads the tokens, writes the trace. */
final class TraceRecording {

    private TraceRecording() {
    }

    static int run(Path modelDir, Path text, Path tokenIds, Path out, int context, Integer maxTokens, PrintWriter err) {
        InputFiles.requireOutputFile(out, "--out");
        if (!Files.isDirectory(modelDir)) {
            throw InputException.at(modelDir, "--model", Files.exists(modelDir)
                    ? "is a file; give the checkpoint folder (config.json, safetensors)" : "no such folder");
        }
        try (ForwardModel model = ForwardModel.load(modelDir)) {
            int vocab = model.config().vocabSize();
            int[] tokens;
            Map<String, String> meta = new LinkedHashMap<>();
            if (text != null) {
                tokens = Tokenizing.tokenize(modelDir, text, vocab);
                meta.put(TraceHeader.META_SOURCE_TEXT, String.valueOf(text.getFileName()));
                meta.put(TraceHeader.META_TOKENIZER, "tokenizer.json");
            } else {
                tokens = TokenIdFile.read(tokenIds, vocab);
                meta.put(TraceHeader.META_SOURCE_TEXT, String.valueOf(tokenIds.getFileName()));
            }
            if (maxTokens != null && tokens.length > maxTokens) {
                tokens = Arrays.copyOf(tokens, maxTokens);
            }
            meta.put(TraceHeader.META_CONTEXT_TOKENS, Integer.toString(context));
            meta.put(TraceHeader.META_CREATED_BY, "moesim 0.1.0");
            Path name = modelDir.toAbsolutePath().normalize().getFileName();
            TraceHeader header = TraceRecorder.header(model, name == null ? "model" : name.toString(), meta);
            long started = System.nanoTime();
            long recorded;
            TraceWriter writer = TraceWriter.create(out, header);
            try (Progress progress = Progress.start(err, "trace", tokens.length, "tokens")) {
                recorded = TraceRecorder.record(model, tokens, context, writer, progress::stepTo);
                writer.close();
            } catch (RuntimeException e) {
                writer.abort();
                throw e;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            err.printf("moesim: recorded %d tokens x %d MoE layers to %s (%.1f s, %.1f tokens/s)%n", recorded,
                    header.numRecordedLayers(), out, seconds, recorded / Math.max(seconds, 1e-9));
            err.flush();
            return 0;
        } catch (java.io.UncheckedIOException e) {
            throw InputException.at(out, "--out", "cannot write the trace: " + InputFiles.describe(e.getCause()));
        }
    }
}
