package io.moesim.models.forward;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.safetensors.SafetensorsWriter;
import io.moesim.models.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Writes a {@link TinyModel} as a real Hugging Face checkpoint directory. */
final class TinyCheckpoints {

    /** How routed experts are stored on disk. */
    enum Layout {
        /** One tensor per expert and projection ({@code experts.E.gate_proj.weight}, Mixtral's w1/w3/w2). */
        PER_EXPERT,
        /** {@code experts.gate_up_proj} [E, 2*ff, d] (gate rows first) and {@code experts.down_proj} [E, d, ff]. */
        PACKED
    }

    private TinyCheckpoints() {
    }

    /** Writes config.json and model.safetensors into {@code dir}, leaving out {@code skip} tensors. */
    static Path write(TinyModel m, Path dir, DType dtype, Layout layout, Set<String> skip) {
        try {
            Files.createDirectories(dir);
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), m.config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        java.util.Set<String> packed = new java.util.HashSet<>();
        if (layout == Layout.PACKED) {
            for (int l = 0; l < m.i("num_hidden_layers"); l++) {
                if (!m.isMoeLayer(l)) {
                    continue;
                }
                int experts = m.numExperts();
                int ff = m.expertFf();
                int d = m.i("hidden_size");
                float[] gateUp = new float[experts * 2 * ff * d];
                float[] down = new float[experts * d * ff];
                for (int e = 0; e < experts; e++) {
                    String[] n = m.expertNames(l, e);
                    System.arraycopy(m.tensors.get(n[0]).data(), 0, gateUp, e * 2 * ff * d, ff * d);
                    System.arraycopy(m.tensors.get(n[1]).data(), 0, gateUp, e * 2 * ff * d + ff * d, ff * d);
                    System.arraycopy(m.tensors.get(n[2]).data(), 0, down, e * d * ff, d * ff);
                    packed.add(n[0]);
                    packed.add(n[1]);
                    packed.add(n[2]);
                }
                w.put(m.moePrefix(l) + "experts.gate_up_proj", dtype, gateUp, experts, 2 * ff, d);
                w.put(m.moePrefix(l) + "experts.down_proj", dtype, down, experts, d, ff);
            }
        }
        for (Map.Entry<String, TinyModel.T> e : m.tensors.entrySet()) {
            if (!packed.contains(e.getKey()) && !skip.contains(e.getKey())) {
                w.put(e.getKey(), dtype, e.getValue().data(), e.getValue().shape());
            }
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    static Path write(TinyModel m, Path dir, DType dtype, Layout layout) {
        return write(m, dir, dtype, layout, Set.of());
    }
}
