package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.safetensors.SafetensorsWriter;
import io.moesim.models.tensor.DType;
import io.moesim.models.trace.RouterTrace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moesim trace --model DIR --token-ids FILE --out FILE} on a tiny random OLMoE checkpoint. */
class TraceRecordCommandTest {

    @TempDir
    Path dir;


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** 2 layers, d=16, 2 heads, 4 experts top-2, expert ff 8, vocab 40; {@code expertRows} lets a test break a shape. */
    private Path tinyOlmoe(int expertRows) throws IOException {
        Path model = dir.resolve("tiny-olmoe");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), """
                {"architectures": ["OlmoeForCausalLM"], "hidden_size": 16, "intermediate_size": 8,
                 "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 2,
                 "num_experts": 4, "num_experts_per_tok": 2, "vocab_size": 40, "rms_norm_eps": 1e-5,
                 "rope_theta": 10000.0, "norm_topk_prob": false, "tie_word_embeddings": false}
                """);
        SplittableRandom r = new SplittableRandom(3);
        SafetensorsWriter w = new SafetensorsWriter();
        w.put("model.embed_tokens.weight", DType.F32, random(r, 40 * 16), 40, 16);
        w.put("lm_head.weight", DType.F32, random(r, 40 * 16), 40, 16);
        w.put("model.norm.weight", DType.F32, random(r, 16), 16);
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            for (String n : List.of("input_layernorm", "post_attention_layernorm", "self_attn.q_norm", "self_attn.k_norm")) {
                w.put(p + n + ".weight", DType.F32, random(r, 16), 16);
            }
            for (String n : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                w.put(p + "self_attn." + n + ".weight", DType.F32, random(r, 256), 16, 16);
            }
            w.put(p + "mlp.gate.weight", DType.F32, random(r, 64), 4, 16);
            w.put(p + "mlp.experts.gate_up_proj", DType.F32, random(r, 4 * expertRows * 16), 4, expertRows, 16);
            w.put(p + "mlp.experts.down_proj", DType.F32, random(r, 4 * 16 * 8), 4, 16, 8);
        }
        w.write(model.resolve("model.safetensors"));
        return model;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1) * 0.5f;
        }
        return v;
    }

    @Test
    void recordsATraceFromTokenIds() throws IOException {
        Path model = tinyOlmoe(16);
        Path ids = dir.resolve("ids.txt");
        Files.writeString(ids, "1 5 9 13 17 21 25 29 33 37 2\n");
        Path out = dir.resolve("t.moetrace");
        CliRun r = run("trace", "--model", model.toString(), "--token-ids", ids.toString(), "--out", out.toString(),
                "--context", "4", "--max-tokens", "10");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("recorded 10 tokens x 2 MoE layers"), r.err());
        RouterTrace trace = RouterTrace.read(out);
        assertEquals(10, trace.numTokens());
        assertEquals("OlmoeForCausalLM", trace.header().architecture());
        assertEquals("tiny-olmoe", trace.header().modelId());
        assertEquals("4", trace.header().metadata().get("context_tokens"));
        assertEquals(List.of(0, 1), trace.header().moeLayers());
        // windows of 4: sequences 0, 1, 2; positions restart at 0
        assertEquals(2, trace.seq(9));
        assertEquals(1, trace.position(9));
        assertEquals(33, trace.tokenId(8));
        for (int t = 0; t < 10; t++) {
            for (int l = 0; l < 2; l++) {
                assertTrue(trace.weight(t, l, 0) >= trace.weight(t, l, 1));
                assertTrue(trace.expert(t, l, 0) != trace.expert(t, l, 1));
            }
        }
    }

    @Test
    void shapeDisagreeingWithConfigExitsTwoWithOneLine() throws IOException {
        Path model = tinyOlmoe(12);
        Path ids = dir.resolve("ids.txt");
        Files.writeString(ids, "1 2 3\n");
        CliRun r = run("trace", "--model", model.toString(), "--token-ids", ids.toString(), "--out",
                dir.resolve("t.moetrace").toString());
        assertEquals(2, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("moesim: ") && r.err().contains("model.layers.0.mlp.experts.gate_up_proj")
                && r.err().contains("model.safetensors"), r.err());
        assertTrue(Files.notExists(dir.resolve("t.moetrace")));
    }

    @Test
    void textNeedsTheTokenizerOfTheModel() throws IOException {
        Path model = tinyOlmoe(16);
        Path text = dir.resolve("in.txt");
        Files.writeString(text, "hello");
        CliRun r = run("trace", "--model", model.toString(), "--text", text.toString(), "--out",
                dir.resolve("t.moetrace").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("tokenizer.json: missing"), r.err());
    }

    @Test
    void recordingNeedsModelInputAndOut() {
        CliRun r = run("trace", "--model", dir.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--out"), r.err());
    }
}
