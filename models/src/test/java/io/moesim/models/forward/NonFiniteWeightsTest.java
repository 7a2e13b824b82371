package io.moesim.models.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NaN or an infinity in a checkpoint is the user's error, reported by tensor: routers and norm weights
 * are checked when the model loads, every other tensor when the routing it feeds stops being finite.
 */
class NonFiniteWeightsTest {

    private static final Path TWIN = Path.of("twins", "mixtral-twin");

    @TempDir
    Path dir;

    /** A copy of the Mixtral twin with {@code value} at element {@code index} of each tensor named. */
    private Path twinWith(float value, int index, String... tensors) throws IOException {
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(TWIN.resolve(f), dir.resolve(f));
        }
        Path file = dir.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerBytes = (int) bb.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(b, 8, headerBytes, StandardCharsets.UTF_8));
        for (String t : tensors) {
            bb.putFloat(8 + headerBytes + header.get(t).get("data_offsets").get(0).asInt() + 4 * index, value);
        }
        Files.write(file, b);
        return dir;
    }

    private String forwardError(Path model) {
        return assertThrows(InputException.class, () -> {
            try (ForwardModel m = ForwardModel.load(model)) {
                m.forward(new int[] {1, 2, 3, 4, 5, 6}, m.newCache(8), RouterObserver.NONE, ForwardModel.Logits.NONE);
            }
        }).getMessage();
    }

    @Test
    void aNaNRouterIsFoundAtLoad() throws IOException {
        Path m = twinWith(Float.NaN, 7, "model.layers.2.block_sparse_moe.gate.weight");
        String e = assertThrows(InputException.class, () -> ForwardModel.load(m).close()).getMessage();
        assertEquals(m.resolve("model.safetensors") + ": tensor 'model.layers.2.block_sparse_moe.gate.weight': holds NaN"
                + " at element 7 of 512 (a checkpoint's weights must be finite numbers)", e);
    }

    @Test
    void anInfiniteNormWeightIsFoundAtLoad() throws IOException {
        Path m = twinWith(Float.NEGATIVE_INFINITY, 3, "model.layers.1.post_attention_layernorm.weight");
        String e = assertThrows(InputException.class, () -> ForwardModel.load(m).close()).getMessage();
        assertEquals(m.resolve("model.safetensors") + ": tensor 'model.layers.1.post_attention_layernorm.weight':"
                + " holds -Infinity at element 3 of 64 (a checkpoint's weights must be finite numbers)", e);
    }

    @Test
    void aNaNInAProjectionIsTracedBackWhenTheRoutingTurnsNaN() throws IOException {
        Path m = twinWith(Float.NaN, 100, "model.layers.0.self_attn.v_proj.weight");
        assertEquals(m.resolve("model.safetensors") + ": tensor 'model.layers.0.self_attn.v_proj.weight': holds NaN"
                + " at element 100 of 2048 (a checkpoint's weights must be finite numbers)", forwardError(m));
    }

    @Test
    void aNaNInTheExpertsIsTracedBackToTheFirstTensorHoldingOne() throws IOException {
        String[] w1 = new String[8];
        for (int e = 0; e < 8; e++) {
            w1[e] = "model.layers.0.block_sparse_moe.experts." + e + ".w1.weight";
        }
        Path m = twinWith(Float.NaN, 0, w1);
        assertEquals(m.resolve("model.safetensors") + ": tensor 'model.layers.0.block_sparse_moe.experts.0.w1.weight':"
                + " holds NaN at element 0 of 8192 (a checkpoint's weights must be finite numbers)", forwardError(m));
    }
}
