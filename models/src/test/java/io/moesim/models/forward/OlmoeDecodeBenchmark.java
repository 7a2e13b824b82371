package io.moesim.models.forward;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.safetensors.SafetensorsWriter;
import io.moesim.models.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Decode speed of the CPU forward pass on a randomly initialised model of OLMoE-1B-7B's shape
 * (allenai/OLMoE-1B-7B-0924 config.json: 16 layers, d=2048, 16 heads, 64 experts top-8, expert
 * ff=1024, vocab 50304), written as a sharded BF16 checkpoint (one shard per layer, about 0.8 GB
 * each) into a temporary directory that is deleted afterwards. Weights are never stored.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp models/target/classes:models/target/test-classes:$(deps) \
 *     io.moesim.models.forward.OlmoeDecodeBenchmark [layers=16] [decodeTokens=32] [prompt=16] [dir]
 * </pre>
 * Prints the checkpoint build time, prefill and decode tokens/s.
 */
public final class OlmoeDecodeBenchmark {

    private OlmoeDecodeBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int layers = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int decode = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int prompt = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        Path dir = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("olmoe-bench");
        try {
            long t0 = System.nanoTime();
            writeOlmoe(dir, layers, 1234);
            System.out.printf("checkpoint: %d layers written in %.1f s to %s%n", layers, (System.nanoTime() - t0) / 1e9, dir);
            try (ForwardModel model = ForwardModel.load(dir)) {
                SplittableRandom r = new SplittableRandom(5);
                int[] tokens = IntStream.range(0, prompt).map(i -> r.nextInt(50304)).toArray();
                KvCache cache = model.newCache(prompt + decode);
                long t1 = System.nanoTime();
                float[] logits = model.forward(tokens, cache, RouterObserver.NONE, ForwardModel.Logits.LAST);
                double prefill = (System.nanoTime() - t1) / 1e9;
                long t2 = System.nanoTime();
                for (int i = 0; i < decode; i++) {
                    int next = argmax(logits);
                    logits = model.forward(new int[] {next}, cache, RouterObserver.NONE, ForwardModel.Logits.LAST);
                }
                double dec = (System.nanoTime() - t2) / 1e9;
                System.out.printf("cores: %d%n", Runtime.getRuntime().availableProcessors());
                System.out.printf("prefill: %d tokens in %.2f s = %.1f tokens/s%n", prompt, prefill, prompt / prefill);
                System.out.printf("decode: %d tokens in %.2f s = %.2f tokens/s%n", decode, dec, decode / dec);
            }
        } finally {
            if (args.length <= 3) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Writes config.json, one BF16 shard per layer plus one for embeddings/head, and the index. */
    static void writeOlmoe(Path dir, int layers, long seed) throws IOException {
        int d = 2048;
        int ff = 1024;
        int experts = 64;
        int vocab = 50304;
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode();
        config.putArray("architectures").add("OlmoeForCausalLM");
        config.put("hidden_size", d).put("intermediate_size", ff).put("num_hidden_layers", layers)
                .put("num_attention_heads", 16).put("num_key_value_heads", 16).put("num_experts", experts)
                .put("num_experts_per_tok", 8).put("vocab_size", vocab).put("rms_norm_eps", 1e-5)
                .put("rope_theta", 10000.0).put("norm_topk_prob", false).put("tie_word_embeddings", false)
                .put("max_position_embeddings", 4096);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        Map<String, String> weightMap = new LinkedHashMap<>();
        String head = "model-head.safetensors";
        SafetensorsWriter w = new SafetensorsWriter();
        put(w, weightMap, head, "model.embed_tokens.weight", random(seed, vocab * d, 0.02), vocab, d);
        put(w, weightMap, head, "lm_head.weight", random(seed + 1, vocab * d, 0.02), vocab, d);
        put(w, weightMap, head, "model.norm.weight", ones(d), d);
        w.write(dir.resolve(head));
        double s = Math.sqrt(3.0 / d);
        for (int l = 0; l < layers; l++) {
            String shard = "model-layer" + l + ".safetensors";
            String p = "model.layers." + l + ".";
            w = new SafetensorsWriter();
            long ls = seed + 1000L * (l + 1);
            put(w, weightMap, shard, p + "input_layernorm.weight", ones(d), d);
            put(w, weightMap, shard, p + "post_attention_layernorm.weight", ones(d), d);
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                put(w, weightMap, shard, p + "self_attn." + proj + ".weight", random(ls++, d * d, s), d, d);
            }
            put(w, weightMap, shard, p + "self_attn.q_norm.weight", ones(d), d);
            put(w, weightMap, shard, p + "self_attn.k_norm.weight", ones(d), d);
            put(w, weightMap, shard, p + "mlp.gate.weight", random(ls++, experts * d, s), experts, d);
            put(w, weightMap, shard, p + "mlp.experts.gate_up_proj", random(ls++, experts * 2 * ff * d, s), experts, 2 * ff, d);
            put(w, weightMap, shard, p + "mlp.experts.down_proj", random(ls++, experts * d * ff, Math.sqrt(3.0 / ff)),
                    experts, d, ff);
            w.write(dir.resolve(shard));
        }
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata");
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        json.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
    }

    private static void put(SafetensorsWriter w, Map<String, String> map, String shard, String name, float[] v,
                            int... shape) {
        w.put(name, DType.BF16, v, shape);
        map.put(name, shard);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    /** Uniform in [-bound, bound], filled in parallel blocks with independent seeded generators. */
    private static float[] random(long seed, int n, double bound) {
        float[] v = new float[n];
        int blocks = 64;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            SplittableRandom r = new SplittableRandom(seed * 7919 + b);
            int from = (int) ((long) n * b / blocks);
            int to = (int) ((long) n * (b + 1) / blocks);
            for (int i = from; i < to; i++) {
                v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
        });
        return v;
    }
}
