package io.moesim.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.models.InputException;
import io.moesim.models.safetensors.Checkpoint;
import io.moesim.models.safetensors.SafetensorsWriter;
import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import io.moesim.models.tokenizer.ByteTokenizerJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a twin in Hugging Face layout: {@code config.json} and {@code model.safetensors}
 * (F32 or BF16, the real tensor names; {@code e_score_correction_bias} always F32 as in DeepSeek-V3's checkpoint).
 */
public final class TwinExport {

    private TwinExport() {
    }

    /** Writes config.json and model.safetensors into {@code dir}; returns the safetensors size in bytes. */
    public static long write(TwinModel model, Path dir, boolean bf16) throws IOException {
        Files.createDirectories(dir);
        String dtype = bf16 ? "BF16" : "F32";
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        writeAtomically(dir.resolve("config.json"),
                (json.writeValueAsString(model.config().hfConfig(bf16 ? "bfloat16" : "float32")) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
        SafetensorsWriter writer = new SafetensorsWriter()
                .metadata("format", "pt")
                .metadata("producer", "moesim twin trainer");
        DType weights = bf16 ? DType.BF16 : DType.F32;
        for (Param p : model.params()) {
            writer.put(p.name(), weights, p.w(), p.shape());
        }
        for (TwinModel.Layer l : model.layers) {
            if (l.bias != null) {
                writer.put(biasName(l.index), DType.F32, l.bias, l.bias.length);
            }
        }
        Path file = dir.resolve("model.safetensors");
        writer.write(file);
        writeTokenizer(dir);
        return Files.size(file);
    }

    /**
     * Writes {@code tokenizer.json}: token id = byte value, BOS/EOS at 256, so that
     * {@code moesim trace --model DIR --text FILE} records a twin on any text, byte for byte.
     */
    public static void writeTokenizer(Path dir) throws IOException {
        writeAtomically(dir.resolve("tokenizer.json"),
                ByteTokenizerJson.json("<|endoftext|>").getBytes(StandardCharsets.UTF_8));
    }

    static String biasName(int layer) {
        return "model.layers." + layer + ".mlp.gate.e_score_correction_bias";
    }

    /** Loads the weights of a twin written by {@link #write} (F32 or BF16) into {@code model}. */
    public static void load(TwinModel model, Path dir) {
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            for (Param p : model.params()) {
                Tensor t = ckpt.tensor(p.name());
                if (t.size() != p.size()) {
                    throw InputException.at(dir.resolve("model.safetensors"), p.name(),
                            "has " + t.size() + " values, the twin needs " + p.size());
                }
                t.toFloat(0, p.w(), 0, p.size());
            }
            for (TwinModel.Layer l : model.layers) {
                if (l.bias != null) {
                    ckpt.tensor(biasName(l.index)).toFloat(0, l.bias, 0, l.bias.length);
                }
            }
        }
    }

    /** Round to nearest even BF16. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) 0x7FC0;
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static void writeAtomically(Path file, byte[] bytes) {
        io.moesim.models.io.OutputFiles.writeBytes(file, bytes);
    }

    /** The twin's README: what it mirrors, how it was trained, on what, for how long, and how well. */
    public static String readme(TwinConfig c, TrainSettings s, TwinTrainer.Result r, long parameters, String dtype) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(c.name()).append("\n\n");
        b.append("A tiny twin of a `").append(c.arch().hfName).append("` model, trained by moesim's own trainer ")
                .append("(`moesim train --twin ").append(c.name()).append("`), so that its routing is learned, not drawn.\n");
        b.append("Hugging Face layout: `config.json` with the target's field names, `model.safetensors` (")
                .append(dtype).append(") with its tensor names, and a byte-level `tokenizer.json` (token id = byte value); ")
                .append("loadable like a downloaded checkpoint, e.g. `moesim trace --model models/twins/").append(c.name())
                .append(" --text FILE --out FILE`.\n\n");
        b.append("## Topology (the target's) and widths (tiny)\n\n");
        b.append("- routed experts: ").append(c.numExperts()).append(", top-").append(c.topK());
        if (c.sharedExperts() > 0) {
            b.append(", shared experts: ").append(c.sharedExperts());
        }
        b.append("\n- scoring: ").append(c.sigmoid() ? "sigmoid, selection bias `e_score_correction_bias` (auxiliary-loss-free balancing, gamma "
                + c.biasUpdateSpeed() + " per step)" : "softmax, top-k renormalised, load-balancing loss coefficient " + c.auxLossCoef());
        if (c.numGroups() > 1) {
            b.append(", ").append(c.numGroups()).append(" groups, top-").append(c.topKGroups()).append(" groups");
        }
        if (c.routedScaling() != 1.0) {
            b.append(", routed scaling factor ").append(c.routedScaling());
        }
        b.append("\n- attention: ");
        if (c.isMla()) {
            b.append("multi-head latent attention, ").append(c.numHeads()).append(" heads, q_lora_rank ").append(c.qLoraRank())
                    .append(", kv_lora_rank ").append(c.kvLoraRank()).append(", qk_nope/qk_rope/v head dims ")
                    .append(c.qkNopeHeadDim()).append("/").append(c.qkRopeHeadDim()).append("/").append(c.vHeadDim())
                    .append(" (interleaved rope)");
        } else {
            b.append("GQA ").append(c.numHeads()).append(" query / ").append(c.numKvHeads()).append(" KV heads of ")
                    .append(c.headDim()).append(c.qkNorm() ? ", per-head q/k RMSNorm" : "");
        }
        b.append("\n- hidden size ").append(c.hiddenSize()).append(", ").append(c.numLayers()).append(" layers");
        if (c.firstDenseLayers() > 0) {
            b.append(" (first ").append(c.firstDenseLayers()).append(" dense, width ").append(c.denseIntermediate()).append(")");
        }
        b.append(", expert width ").append(c.moeIntermediate()).append(", context ").append(c.contextTokens())
                .append(" tokens, ").append(parameters).append(" parameters\n");
        b.append("- vocabulary: bytes (token id = byte value 0..255), 256 = BOS/EOS; vocab_size ").append(c.vocabSize()).append("\n\n");
        b.append("## Training\n\n");
        b.append("- text: `scripts/build-corpus.sh` (prose: Shakespeare; code: JDK java.base sources; technical prose: ")
                .append("/usr/share/doc), training parts mixed one third each per batch\n");
        b.append(String.format("- %d steps of %d sequences x %d tokens (%.2f M tokens), AdamW (0.9, 0.95, weight decay %.2f), ",
                r.steps(), s.batch(), c.contextTokens(), r.steps() * (double) s.batch() * c.contextTokens() / 1e6, s.weightDecay()));
        b.append(String.format("peak lr %.1e, %d warmup steps, cosine to %.0f%%, gradient clip %.1f, seed %d\n",
                s.peakLr(), s.warmupSteps(), s.minLrRatio() * 100, s.clipNorm(), s.seed()));
        if (r.startStep() > 0) {
            b.append(String.format("- resumed from a checkpoint at step %d (trained before with the same settings but a shorter "
                    + "schedule); the learning rate then followed this run's schedule from step %d on%n", r.startStep(), r.startStep()));
        }
        b.append(String.format("- final training loss (moving average) %.3f nats/byte; this run (steps since start or resume): %.0f s at %.0f tokens/s on a shared 2-core CPU\n\n",
                r.finalTrainLoss(), r.seconds(), r.tokensPerSecond()));
        b.append("## Held-out bits per byte\n\n| domain | bits/byte |\n|---|---|\n");
        r.heldoutBitsPerByte().forEach((k, v) -> b.append(String.format("| %s | %.3f |%n", k, v)));
        b.append(String.format("%nFirst %d bytes of each domain's held-out part, windows of %d tokens.%n%n", s.evalBytes(), c.contextTokens()));
        b.append("## Expert load on held-out text (max / mean tokens per expert, per MoE layer)\n\n");
        for (int l = 0; l < r.maxOverMeanLoad().length; l++) {
            if (!Double.isNaN(r.maxOverMeanLoad()[l])) {
                b.append(String.format("- layer %d: %.2f%n", l, r.maxOverMeanLoad()[l]));
            }
        }
        return b.toString();
    }
}
