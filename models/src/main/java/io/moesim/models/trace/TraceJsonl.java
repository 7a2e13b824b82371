package io.moesim.models.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Exports a router trace as JSON Lines: one object per token and recorded layer,
 * {@code {"seq":0,"pos":3,"token":1014,"layer":5,"experts":[6,1],"weights":[0.71,0.29]}}, tokens in
 * file order and layers in header order; {@code layer} is the decoder-layer index, experts by
 * descending weight, weights as the shortest decimal that reads back to the same float32.
 */
public final class TraceJsonl {

    private TraceJsonl() {
    }

    /** Writes every token of {@code reader} to {@code out}; returns the number of lines written. */
    public static long export(TraceReader reader, Writer out) throws IOException {
        TraceHeader h = reader.header();
        int layers = h.numRecordedLayers();
        int k = h.topK();
        StringBuilder line = new StringBuilder(128);
        long lines = 0;
        while (reader.advance()) {
            int[] ids = reader.currentExperts();
            float[] w = reader.currentWeights();
            int base = reader.currentOffset();
            for (int li = 0; li < layers; li++) {
                line.setLength(0);
                line.append("{\"seq\":").append(reader.currentSeq())
                        .append(",\"pos\":").append(reader.currentPosition())
                        .append(",\"token\":").append(reader.currentTokenId())
                        .append(",\"layer\":").append(h.moeLayers().get(li))
                        .append(",\"experts\":[");
                for (int j = 0; j < k; j++) {
                    line.append(j == 0 ? "" : ",").append(ids[base + li * k + j]);
                }
                line.append("],\"weights\":[");
                for (int j = 0; j < k; j++) {
                    line.append(j == 0 ? "" : ",").append(Float.toString(w[base + li * k + j]));
                }
                line.append("]}\n");
                out.append(line);
                lines++;
            }
        }
        return lines;
    }

    /**
     * Exports {@code trace} to {@code target} (written to a temporary file, then renamed).
     * Returns the number of lines. A bad trace throws {@link io.moesim.models.InputException}.
     */
    public static long export(Path trace, Path target) {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try (TraceReader reader = TraceReader.open(trace)) {
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            long lines;
            try (Writer out = new BufferedWriter(Files.newBufferedWriter(temp, StandardCharsets.UTF_8), 1 << 16)) {
                lines = export(reader, out);
            }
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            return lines;
        } catch (IOException e) {
            throw io.moesim.models.InputException.at(target, "--jsonl", "cannot write: " + io.moesim.models.InputFiles.describe(e));
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // A stray temporary file is harmless.
                }
            }
        }
    }
}
