package io.moesim.models.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.models.forward.TinyCheckpoints.Layout;
import io.moesim.models.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forward pass against {@link ReferenceModel} on tiny random checkpoints of every supported
 * architecture, written as real safetensors files with real config.json field names.
 */
class ForwardModelTest {

    @TempDir
    Path tmp;

    /** Everything the observer saw: per MoE layer, per token, experts and weights. */
    static final class Recorder implements RouterObserver {
        final List<Integer> layers = new ArrayList<>();
        final List<int[]> experts = new ArrayList<>();
        final List<float[]> weights = new ArrayList<>();

        @Override
        public void routed(int decoderLayer, int tokens, int topK, int[] e, float[] w) {
            int i = layers.indexOf(decoderLayer);
            if (i < 0) {
                layers.add(decoderLayer);
                experts.add(e.clone());
                weights.add(w.clone());
            } else {
                experts.set(i, concat(experts.get(i), e));
                weights.set(i, concat(weights.get(i), w));
            }
        }

        static int[] concat(int[] a, int[] b) {
            int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, r, a.length, b.length);
            return r;
        }

        static float[] concat(float[] a, float[] b) {
            float[] r = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, r, a.length, b.length);
            return r;
        }
    }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("mixtral", TinyModel.mixtral(11, false), Layout.PER_EXPERT),
                Arguments.of("mixtral packed", TinyModel.mixtral(12, false), Layout.PACKED),
                Arguments.of("qwen2-moe", TinyModel.qwen2Moe(21, false), Layout.PER_EXPERT),
                Arguments.of("qwen3-moe", TinyModel.qwen3Moe(31, false), Layout.PER_EXPERT),
                Arguments.of("qwen3-moe packed", TinyModel.qwen3Moe(32, false), Layout.PACKED),
                Arguments.of("olmoe", TinyModel.olmoe(41, false), Layout.PER_EXPERT),
                Arguments.of("deepseek-v3", TinyModel.deepseekV3(51, false), Layout.PER_EXPERT),
                Arguments.of("deepseek-v3 packed", TinyModel.deepseekV3(52, false), Layout.PACKED),
                Arguments.of("deepseek-v2 greedy", TinyModel.deepseekV2(61, false, false), Layout.PER_EXPERT),
                Arguments.of("deepseek-v2 group-limited", TinyModel.deepseekV2(62, false, true), Layout.PACKED));
    }

    static int[] tokens(TinyModel m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(m.i("vocab_size"));
        }
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void prefillMatchesReference(String name, TinyModel m, Layout layout) {
        Path dir = TinyCheckpoints.write(m, tmp.resolve("ckpt"), DType.F32, layout);
        int[] tokens = tokens(m, 9, 7);
        ReferenceModel.Result ref = new ReferenceModel(m).forward(tokens);
        try (ForwardModel model = ForwardModel.load(dir)) {
            Recorder rec = new Recorder();
            float[] logits = model.forward(tokens, model.newCache(16), rec, ForwardModel.Logits.ALL);
            assertLogitsClose(ref.logits(), logits, 1e-4, name);
            assertRouting(ref, rec, tokens.length, 1e-4, name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void decodeWithCacheMatchesReference(String name, TinyModel m, Layout layout) {
        Path dir = TinyCheckpoints.write(m, tmp.resolve("ckpt"), DType.F32, layout);
        int[] tokens = tokens(m, 8, 9);
        ReferenceModel.Result ref = new ReferenceModel(m).forward(tokens);
        try (ForwardModel model = ForwardModel.load(dir)) {
            KvCache cache = model.newCache(8);
            Recorder rec = new Recorder();
            model.forward(java.util.Arrays.copyOf(tokens, 3), cache, rec, ForwardModel.Logits.NONE);
            for (int t = 3; t < tokens.length; t++) {
                float[] logits = model.forward(new int[] {tokens[t]}, cache, rec, ForwardModel.Logits.LAST);
                assertLogitsClose(new double[][] {ref.logits()[t]}, logits, 1e-4, name + " position " + t);
            }
            assertEquals(8, cache.length());
            assertRouting(ref, rec, tokens.length, 1e-4, name);
        }
    }

    @Test
    void bf16CheckpointsMatchReference() {
        for (TinyModel m : List.of(TinyModel.mixtral(71, true), TinyModel.deepseekV3(72, true),
                TinyModel.qwen2Moe(73, true))) {
            Path dir = TinyCheckpoints.write(m, tmp.resolve(m.architecture), DType.BF16, Layout.PACKED);
            int[] tokens = tokens(m, 9, 3);
            ReferenceModel.Result ref = new ReferenceModel(m).forward(tokens);
            try (ForwardModel model = ForwardModel.load(dir)) {
                Recorder rec = new Recorder();
                float[] logits = model.forward(tokens, model.newCache(9), rec, ForwardModel.Logits.ALL);
                // the weights are exactly representable in BF16, so only float rounding differs
                assertLogitsClose(ref.logits(), logits, 1e-3, m.architecture);
                assertRouting(ref, rec, tokens.length, 1e-3, m.architecture);
            }
        }
    }

    static void assertLogitsClose(double[][] ref, float[] actual, double rel, String what) {
        int vocab = ref[0].length;
        assertEquals(ref.length * vocab, actual.length, what + ": logits length");
        double maxAbs = 0;
        double maxDiff = 0;
        for (int t = 0; t < ref.length; t++) {
            for (int v = 0; v < vocab; v++) {
                maxAbs = Math.max(maxAbs, Math.abs(ref[t][v]));
                maxDiff = Math.max(maxDiff, Math.abs(ref[t][v] - actual[t * vocab + v]));
            }
        }
        assertTrue(maxAbs > 0.1, what + ": logits are degenerate");
        assertTrue(maxDiff <= rel * maxAbs, what + ": max |logit difference| " + maxDiff
                + " exceeds " + rel + " x max |logit| " + maxAbs);
    }

    static void assertRouting(ReferenceModel.Result ref, Recorder rec, int n, double tol, String what) {
        assertEquals(ref.moeLayers(), rec.layers, what + ": MoE layers reported");
        for (int i = 0; i < ref.moeLayers().size(); i++) {
            ReferenceModel.Choice[] choices = ref.choices().get(i);
            int k = choices[0].experts().length;
            assertEquals(n * k, rec.experts.get(i).length);
            for (int t = 0; t < n; t++) {
                int[] got = java.util.Arrays.copyOfRange(rec.experts.get(i), t * k, (t + 1) * k);
                assertArrayEquals(choices[t].experts(), got,
                        what + ": experts of layer " + ref.moeLayers().get(i) + ", token " + t);
                for (int j = 0; j < k; j++) {
                    double want = choices[t].weights()[j];
                    assertEquals(want, rec.weights.get(i)[t * k + j], tol * Math.max(1, Math.abs(want)),
                            what + ": weight " + j + " of layer " + ref.moeLayers().get(i) + ", token " + t);
                }
            }
        }
    }

    @Test
    void tensorShapeDisagreeingWithConfigIsOneLineNamingFileAndTensor() {
        TinyModel m = TinyModel.qwen3Moe(5, false);
        TinyCheckpoints.write(m, tmp, DType.F32, Layout.PER_EXPERT);
        // config claims wider experts than the file holds
        m.config.put("moe_intermediate_size", 20);
        TinyModel.T dummy = m.tensors.get("model.norm.weight");
        Path dir = tmp.resolve("wrong");
        TinyCheckpoints.write(m, dir, DType.F32, Layout.PER_EXPERT);
        InputException e = assertThrows(InputException.class, () -> ForwardModel.load(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("model.layers.0.mlp.experts.0.gate_proj.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[16, 32]") && e.getMessage().contains("[20, 32]"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(32, dummy.shape()[0]);
    }

    @Test
    void packedExpertShapeIsChecked() {
        TinyModel m = TinyModel.deepseekV3(6, false);
        m.config.put("n_routed_experts", 8);
        m.config.put("n_group", 4);
        Path dir = TinyCheckpoints.write(TinyModel.deepseekV3(6, false), tmp.resolve("a"), DType.F32, Layout.PACKED);
        // rewrite only the config with fewer experts
        try {
            new com.fasterxml.jackson.databind.ObjectMapper().writeValue(dir.resolve("config.json").toFile(), m.config);
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        InputException e = assertThrows(InputException.class, () -> ForwardModel.load(dir));
        assertTrue(e.getMessage().contains("model.layers.1.mlp.gate.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[16, 32]"), e.getMessage());
    }

    @Test
    void missingTensorIsOneLineNamingFileAndTensor() {
        TinyModel m = TinyModel.deepseekV3(7, false);
        String name = "model.layers.2.mlp.gate.e_score_correction_bias";
        Path dir = TinyCheckpoints.write(m, tmp, DType.F32, Layout.PER_EXPERT, Set.of(name));
        InputException e = assertThrows(InputException.class, () -> ForwardModel.load(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void missingExpertOfMixtralIsReported() {
        TinyModel m = TinyModel.mixtral(8, false);
        String name = "model.layers.1.block_sparse_moe.experts.5.w2.weight";
        Path dir = TinyCheckpoints.write(m, tmp, DType.F32, Layout.PER_EXPERT, Set.of(name));
        InputException e = assertThrows(InputException.class, () -> ForwardModel.load(dir));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }
}
