package io.moesim.models.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigImporterTest {

    static Path config(String name) {
        try {
            return Path.of(HfConfigImporterTest.class.getResource("/hf-configs/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ModelSpec load(String name) {
        return HfConfigImporter.importFile(config(name));
    }

    @Test
    void deepSeekV3() {
        ModelSpec m = load("deepseek-v3.json");
        assertEquals("deepseek-v3", m.id());
        assertEquals("DeepseekV3ForCausalLM", m.architecture());
        assertEquals(61, m.numLayers());
        assertEquals(7168, m.hiddenSize());
        assertEquals(3, m.firstDenseLayers());
        assertEquals(58, m.numMoeLayers());
        assertEquals(18432, m.denseIntermediateSize());
        assertEquals(1, m.mtpModules());
        assertEquals(new AttentionSpec.Mla(128, 1536, 512, 128, 64, 128), m.attention());
        assertEquals(new MoeSpec(256, 8, 2048, 1, 2048, false,
                new RoutingSpec(RoutingSpec.Scoring.SIGMOID, 8, 4, true, 2.5, true)), m.moe());
    }

    @Test
    void kimiK2IsDeepSeekV3Architecture() {
        ModelSpec m = load("kimi-k2.json");
        assertEquals(new AttentionSpec.Mla(64, 1536, 512, 128, 64, 128), m.attention());
        assertEquals(1, m.firstDenseLayers());
        assertEquals(0, m.mtpModules());
        assertEquals(384, m.moe().numRoutedExperts());
        assertEquals(new RoutingSpec(RoutingSpec.Scoring.SIGMOID, 1, 1, true, 2.827, true), m.moe().routing());
    }

    @Test
    void deepSeekV2LiteHasNoQueryCompressionAndGreedySoftmax() {
        ModelSpec m = load("deepseek-v2-lite.json");
        assertEquals(new AttentionSpec.Mla(16, 0, 512, 128, 64, 128), m.attention());
        assertEquals(new MoeSpec(64, 6, 1408, 2, 1408, false,
                new RoutingSpec(RoutingSpec.Scoring.SOFTMAX, 1, 1, false, 1.0, false)), m.moe());
        assertEquals(10944, m.denseIntermediateSize());
        assertEquals(26, m.numMoeLayers());
    }

    @Test
    void mixtralExpertWidthIsIntermediateSizeAndAlwaysRenormalises() {
        ModelSpec m = load("mixtral-8x7b.json");
        assertEquals(new AttentionSpec.Gqa(32, 8, 128, false, false, 0, 0), m.attention());
        assertEquals(new MoeSpec(8, 2, 14336, 0, 0, false, RoutingSpec.softmax(true)), m.moe());
        assertEquals(0, m.denseIntermediateSize());
        assertEquals(32768, m.maxContextTokens());
        ModelSpec big = load("mixtral-8x22b.json");
        assertEquals(new AttentionSpec.Gqa(48, 8, 128, false, false, 0, 0), big.attention());
        assertEquals(16384, big.moe().expertIntermediateSize());
        assertEquals(56, big.numMoeLayers());
    }

    @Test
    void qwen3ExpertWidthIsMoeIntermediateSizeWithQkNorm() {
        ModelSpec m = load("qwen3-235b-a22b.json");
        assertEquals(new AttentionSpec.Gqa(64, 4, 128, false, true, 0, 0), m.attention());
        assertEquals(new MoeSpec(128, 8, 1536, 0, 0, false, RoutingSpec.softmax(true)), m.moe());
        assertEquals(94, m.numMoeLayers());
        assertEquals(0, m.denseIntermediateSize());
        assertEquals(768, load("qwen3-30b-a3b.json").moe().expertIntermediateSize());
    }

    @Test
    void qwen2MoeHasGatedSharedExpertAndQkvBias() {
        ModelSpec m = load("qwen1.5-moe-a2.7b.reconstructed.json");
        assertEquals(new AttentionSpec.Gqa(16, 16, 128, true, false, 0, 0), m.attention());
        assertEquals(new MoeSpec(60, 4, 1408, 1, 5632, true, RoutingSpec.softmax(false)), m.moe());
    }

    @Test
    void olmoeDoesNotRenormalise() {
        ModelSpec m = load("olmoe-1b-7b.reconstructed.json");
        assertEquals(new AttentionSpec.Gqa(16, 16, 128, false, true, 0, 0), m.attention());
        assertEquals(new MoeSpec(64, 8, 1024, 0, 0, false, RoutingSpec.softmax(false)), m.moe());
    }

    @Test
    void gptOssAlternatesSlidingWindowLayers() {
        ModelSpec m = load("gpt-oss-120b.json");
        assertEquals(new AttentionSpec.Gqa(64, 8, 64, true, false, 128, 18), m.attention());
        assertTrue(m.isSlidingWindowLayer(0));
        assertFalse(m.isSlidingWindowLayer(1));
        assertTrue(m.isSlidingWindowLayer(34));
        assertFalse(m.isSlidingWindowLayer(35));
        assertEquals(new MoeSpec(128, 4, 2880, 0, 0, false, RoutingSpec.softmax(true)), m.moe());
    }

    @Test
    void qwen2MoeSparseStepAndLeadingMlpOnlyLayers(@TempDir Path dir) throws IOException {
        String base = Files.readString(config("qwen1.5-moe-a2.7b.reconstructed.json"));
        Path file = dir.resolve("config.json");
        Files.writeString(file, base.replace("\"decoder_sparse_step\": 1", "\"decoder_sparse_step\": 2")
                .replace("\"hidden_act\"", "\"mlp_only_layers\": [0, 1],\n  \"hidden_act\""));
        ModelSpec m = HfConfigImporter.importFile(file);
        assertEquals(dir.getFileName().toString(), m.id());
        assertEquals(2, m.firstDenseLayers());
        assertEquals(2, m.moeLayerStep());
        assertEquals(11, m.numMoeLayers()); // layers 3, 5, ..., 23
        assertEquals(5632, m.denseIntermediateSize());
    }

    // ---------------------------------------------------------------- errors

    private static InputException importError(Path dir, String json) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, json);
        InputException e = assertThrows(InputException.class, () -> HfConfigImporter.importFile(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    private static String mixtralWith(String from, String to) throws IOException {
        String json = Files.readString(config("mixtral-8x7b.json"));
        assertTrue(json.contains(from), from);
        return json.replace(from, to);
    }

    @Test
    void unreadableJson(@TempDir Path dir) throws IOException {
        InputException e = importError(dir, "{\"model_type\": \"mixtral\", ");
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void unknownModelType(@TempDir Path dir) throws IOException {
        InputException e = importError(dir, mixtralWith("\"model_type\": \"mixtral\"", "\"model_type\": \"llama\""));
        assertTrue(e.getMessage().contains("model_type: 'llama' is not supported; supported: mixtral"), e.getMessage());
    }

    @Test
    void missingField(@TempDir Path dir) throws IOException {
        InputException e = importError(dir, mixtralWith("\"num_local_experts\": 8,", ""));
        assertTrue(e.getMessage().endsWith(": num_local_experts: missing"), e.getMessage());
    }

    @Test
    void nonNumericField(@TempDir Path dir) throws IOException {
        InputException e = importError(dir, mixtralWith("\"hidden_size\": 4096", "\"hidden_size\": \"4096\""));
        assertTrue(e.getMessage().endsWith(": hidden_size: expected an integer, got \"4096\""), e.getMessage());
    }

    @Test
    void topKAboveExperts(@TempDir Path dir) throws IOException {
        InputException e = importError(dir, mixtralWith("\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 9"));
        assertTrue(e.getMessage().contains("num_experts_per_tok: 9 exceeds num_local_experts 8"), e.getMessage());
    }

    @Test
    void unsupportedMlpOnlyLayers(@TempDir Path dir) throws IOException {
        String json = Files.readString(config("qwen3-30b-a3b.json")).replace("\"mlp_only_layers\": []",
                "\"mlp_only_layers\": [5]");
        InputException e = importError(dir, json);
        assertTrue(e.getMessage().contains(": mlp_only_layers: only a leading run"), e.getMessage());
    }

    @Test
    void unknownTopkMethod(@TempDir Path dir) throws IOException {
        String json = Files.readString(config("deepseek-v3.json")).replace("\"noaux_tc\"", "\"magic\"");
        InputException e = importError(dir, json);
        assertTrue(e.getMessage().contains(": topk_method: 'magic' is not"), e.getMessage());
    }

    @Test
    void missingFile(@TempDir Path dir) {
        InputException e = assertThrows(InputException.class,
                () -> HfConfigImporter.importFile(dir.resolve("nope.json")));
        assertEquals(dir.resolve("nope.json") + ": file: no such file or folder", e.getMessage());
    }
}
