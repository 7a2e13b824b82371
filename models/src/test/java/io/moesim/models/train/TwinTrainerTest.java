package io.moesim.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TwinTrainerTest {

    private static TwinConfig small(TwinConfig.Arch arch) {
        TwinConfig t = GradientCheckTest.tiny(arch);
        return new TwinConfig("small", arch, TwinConfig.BYTE_VOCAB, t.hiddenSize(), t.numLayers(), 16,
                t.numHeads(), t.numKvHeads(), t.headDim(), t.qLoraRank(), t.kvLoraRank(), t.qkNopeHeadDim(),
                t.qkRopeHeadDim(), t.vHeadDim(), t.denseIntermediate(), t.firstDenseLayers(), t.numExperts(), t.topK(),
                t.moeIntermediate(), t.sharedExperts(), t.sigmoid(), t.numGroups(), t.topKGroups(), t.routedScaling(),
                t.auxLossCoef(), t.biasUpdateSpeed(), t.ropeTheta(), t.rmsEps());
    }

    private static Corpus corpus() {
        byte[] a = "the quick brown fox jumps over the lazy dog. ".repeat(60).getBytes(StandardCharsets.US_ASCII);
        byte[] b = "int x = 0; for (int i = 0; i < n; i++) { x += i; }\n".repeat(60).getBytes(StandardCharsets.US_ASCII);
        byte[] c = "Set the option in the configuration file. ".repeat(60).getBytes(StandardCharsets.US_ASCII);
        return new Corpus(Corpus.DOMAINS, new byte[][] {a, b, c}, new byte[][] {a, b, c});
    }

    private static TrainSettings settings(int steps) {
        return new TrainSettings(steps, 6, 1e-2, 3, 0.1, 0.1, 1.0, 42, 600);
    }

    @Test
    void aFewStepsReduceTheLossOfEveryArchitecture() {
        for (TwinConfig.Arch arch : TwinConfig.Arch.values()) {
            TwinTrainer trainer = new TwinTrainer(small(arch), settings(40), corpus(), null);
            double first = trainer.trainStep().ce;
            double last = 0;
            for (int i = 1; i < 40; i++) {
                last = trainer.trainStep().ce;
            }
            assertTrue(first > 5.0, arch + ": initial loss near ln(257) = 5.55, got " + first);
            assertTrue(last < first - 1.5, arch + ": loss " + first + " -> " + last);
        }
    }

    @Test
    void resumingFromACheckpointGivesTheSameWeightsAsTrainingStraight(@TempDir Path dir) {
        TwinConfig cfg = small(TwinConfig.Arch.DEEPSEEK_V3);
        TwinTrainer straight = new TwinTrainer(cfg, settings(8), corpus(), null);
        for (int i = 0; i < 8; i++) {
            straight.trainStep();
        }
        TwinTrainer first = new TwinTrainer(cfg, settings(8), corpus(), dir.resolve("c.bin"));
        for (int i = 0; i < 5; i++) {
            first.trainStep();
        }
        first.save(dir.resolve("c.bin"));
        TwinTrainer resumed = new TwinTrainer(cfg, settings(8), corpus(), dir.resolve("c.bin"));
        resumed.load(dir.resolve("c.bin"));
        assertEquals(5, resumed.step());
        for (int i = 0; i < 3; i++) {
            resumed.trainStep();
        }
        for (int p = 0; p < straight.model().params().size(); p++) {
            assertArrayEquals(straight.model().params().get(p).w(), resumed.model().params().get(p).w(),
                    straight.model().params().get(p).name());
        }
        for (int l = 0; l < cfg.numLayers(); l++) {
            assertArrayEquals(straight.model().biases()[l], resumed.model().biases()[l]);
        }
    }

    @Test
    void checkpointOfAnotherTwinIsRefused(@TempDir Path dir) {
        TwinTrainer a = new TwinTrainer(small(TwinConfig.Arch.MIXTRAL), settings(2), corpus(), null);
        a.save(dir.resolve("a.bin"));
        TwinTrainer b = new TwinTrainer(small(TwinConfig.Arch.QWEN3_MOE), settings(2), corpus(), null);
        assertThrows(InputException.class, () -> b.load(dir.resolve("a.bin")));
    }

    @Test
    void selectionBiasMovesAgainstLoad() {
        TwinConfig cfg = small(TwinConfig.Arch.DEEPSEEK_V3);
        TwinTrainer trainer = new TwinTrainer(cfg, settings(1), corpus(), null);
        TwinModel.Tape tape = trainer.trainStep();
        int layer = cfg.firstDenseLayers();
        int[] load = tape.expertLoad[layer];
        float[] bias = trainer.model().biases()[layer];
        double mean = (double) tape.n * cfg.topK() / cfg.numExperts();
        float gamma = (float) cfg.biasUpdateSpeed();
        for (int e = 0; e < load.length; e++) {
            float expected = load[e] < mean ? gamma : load[e] > mean ? -gamma : 0f;
            assertEquals(expected, bias[e], 0f, "expert " + e + " load " + load[e] + " mean " + mean);
        }
        assertTrue(trainer.model().biases()[0] == null, "dense layer has no bias");
    }

    @Test
    void groupLimitedRoutingOnlyPicksFromTheBestGroups() {
        TwinConfig cfg = small(TwinConfig.Arch.DEEPSEEK_V3); // 16 experts, 4 groups of 4, top-2 groups, top-4
        TwinModel model = new TwinModel(cfg, 1);
        float[] logits = new float[16];
        // group 0 holds the single best expert but a weak second; groups 2 and 3 have the best pairs
        float[] values = {3f, -3f, -3f, -3f, 0f, 0f, 0f, 0f, 1.5f, 1.5f, -1f, -1f, 1f, 1.2f, 1f, -2f};
        System.arraycopy(values, 0, logits, 0, 16);
        float[] bias = new float[16];
        float[] scores = new float[16];
        int[] sel = new int[4];
        float[] w = new float[4];
        model.route(logits, 0, bias, scores, 0, sel, w, 0);
        // group sums of the top-2 sigmoid scores: g0 0.953+0.047=1.00, g1 1.0, g2 0.818+0.818=1.64, g3 0.769+0.731=1.50
        assertArrayEquals(new int[] {8, 9, 13, 12}, sel);
        double s = 0;
        for (float x : w) {
            s += x;
        }
        assertEquals(cfg.routedScaling(), s, 1e-5, "weights are normalised, then scaled");
        // a bias of 2 on expert 4 makes group 1 the best (2.5 + 0.5): groups 1 and 2 remain, and the
        // picks are 4, 8, 9 and then expert 5 (0.5 beats group 2's 0.269); the weights use unbiased scores
        bias[4] = 2f;
        model.route(logits, 0, bias, scores, 0, sel, w, 0);
        assertArrayEquals(new int[] {4, 8, 9, 5}, sel);
        assertEquals(0.5 / (0.5 + 0.8176 + 0.8176 + 0.5) * cfg.routedScaling(), w[0], 1e-3);
    }

    @Test
    void exportWritesHuggingFaceNamesShapesAndConfig(@TempDir Path dir) throws Exception {
        TwinConfig cfg = small(TwinConfig.Arch.DEEPSEEK_V3);
        TwinModel model = new TwinModel(cfg, 3);
        model.biases()[1][2] = 0.25f;
        long size = TwinExport.write(model, dir, true);
        byte[] st = Files.readAllBytes(dir.resolve("model.safetensors"));
        assertEquals(size, st.length);
        long headerLen = ByteBuffer.wrap(st, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = new ObjectMapper().readTree(new String(st, 8, (int) headerLen, StandardCharsets.UTF_8));
        JsonNode bias = header.get("model.layers.1.mlp.gate.e_score_correction_bias");
        assertEquals("F32", bias.get("dtype").asText());
        long begin = bias.get("data_offsets").get(0).asLong();
        float b2 = ByteBuffer.wrap(st, (int) (8 + headerLen + begin + 8), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertEquals(0.25f, b2);
        JsonNode kvb = header.get("model.layers.1.self_attn.kv_b_proj.weight");
        assertEquals("BF16", kvb.get("dtype").asText());
        assertEquals(List.of(cfg.numHeads() * (cfg.qkNopeHeadDim() + cfg.vHeadDim()), cfg.kvLoraRank()),
                List.of(kvb.get("shape").get(0).asInt(), kvb.get("shape").get(1).asInt()));
        assertTrue(header.has("model.layers.2.mlp.experts.15.down_proj.weight"));
        assertTrue(header.has("model.layers.2.mlp.shared_experts.up_proj.weight"));
        assertTrue(header.has("model.layers.0.mlp.gate_proj.weight"), "first layer is dense");
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("DeepseekV3ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(cfg.numExperts(), config.get("n_routed_experts").asInt());
        assertEquals("noaux_tc", config.get("topk_method").asText());
        assertEquals(0x3E80, TwinExport.toBf16(0.25f) & 0xFFFF);
    }
}
