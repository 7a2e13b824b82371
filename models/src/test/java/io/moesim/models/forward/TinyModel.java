package io.moesim.models.forward;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny randomly initialised checkpoint of one architecture, held in memory: the {@code config.json}
 * fields (real Hugging Face names) and every tensor under its real Hugging Face name, routed experts
 * always per expert (the writer packs them when asked). Weights may be rounded to bfloat16 so that a
 * BF16 file and the reference see identical values.
 */
final class TinyModel {

    /** A tensor: shape and row-major values. */
    record T(int[] shape, float[] data) {
        int size() {
            int n = 1;
            for (int s : shape) {
                n *= s;
            }
            return n;
        }
    }

    final String architecture;
    final Map<String, Object> config;
    final Map<String, T> tensors = new LinkedHashMap<>();
    private final SplittableRandom random;
    private final boolean bf16;

    private TinyModel(String architecture, Map<String, Object> config, long seed, boolean bf16) {
        this.architecture = architecture;
        this.config = config;
        this.random = new SplittableRandom(seed);
        this.bf16 = bf16;
        config.put("architectures", List.of(architecture));
    }

    // ---- config accessors used by the generator and the reference ----

    int i(String key) {
        return ((Number) config.get(key)).intValue();
    }

    int iOr(String key, int fallback) {
        Object v = config.get(key);
        return v == null ? fallback : ((Number) v).intValue();
    }

    double dOr(String key, double fallback) {
        Object v = config.get(key);
        return v == null ? fallback : ((Number) v).doubleValue();
    }

    boolean bOr(String key, boolean fallback) {
        Object v = config.get(key);
        return v == null ? fallback : (Boolean) v;
    }

    String sOr(String key, String fallback) {
        Object v = config.get(key);
        return v == null ? fallback : (String) v;
    }

    boolean isDeepseek() {
        return architecture.startsWith("Deepseek");
    }

    // ---- the six architectures, tiny ----

    static Map<String, Object> base(int layers, int d, int vocab, int heads) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("num_hidden_layers", layers);
        c.put("hidden_size", d);
        c.put("vocab_size", vocab);
        c.put("num_attention_heads", heads);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("max_position_embeddings", 128);
        return c;
    }

    static TinyModel mixtral(long seed, boolean bf16) {
        Map<String, Object> c = base(2, 32, 61, 4);
        c.put("num_key_value_heads", 2);
        c.put("intermediate_size", 24);
        c.put("num_local_experts", 6);
        c.put("num_experts_per_tok", 2);
        c.put("rope_theta", 1000000.0);
        return new TinyModel("MixtralForCausalLM", c, seed, bf16).generate();
    }

    static TinyModel qwen2Moe(long seed, boolean bf16) {
        Map<String, Object> c = base(3, 32, 67, 4);
        c.put("num_key_value_heads", 4);
        c.put("intermediate_size", 40);
        c.put("moe_intermediate_size", 16);
        c.put("shared_expert_intermediate_size", 48);
        c.put("num_experts", 8);
        c.put("num_experts_per_tok", 3);
        c.put("norm_topk_prob", false);
        c.put("decoder_sparse_step", 1);
        c.put("mlp_only_layers", List.of(1));
        c.put("tie_word_embeddings", true);
        return new TinyModel("Qwen2MoeForCausalLM", c, seed, bf16).generate();
    }

    static TinyModel qwen3Moe(long seed, boolean bf16) {
        Map<String, Object> c = base(2, 32, 59, 4);
        c.put("num_key_value_heads", 2);
        c.put("head_dim", 12);
        c.put("intermediate_size", 40);
        c.put("moe_intermediate_size", 16);
        c.put("num_experts", 8);
        c.put("num_experts_per_tok", 2);
        c.put("norm_topk_prob", true);
        c.put("decoder_sparse_step", 1);
        c.put("mlp_only_layers", List.of());
        c.put("attention_bias", false);
        c.put("rms_norm_eps", 1e-6);
        return new TinyModel("Qwen3MoeForCausalLM", c, seed, bf16).generate();
    }

    static TinyModel olmoe(long seed, boolean bf16) {
        Map<String, Object> c = base(2, 32, 53, 4);
        c.put("num_key_value_heads", 4);
        c.put("intermediate_size", 16);
        c.put("num_experts", 8);
        c.put("num_experts_per_tok", 2);
        c.put("norm_topk_prob", false);
        c.put("clip_qkv", null);
        return new TinyModel("OlmoeForCausalLM", c, seed, bf16).generate();
    }

    static TinyModel deepseekV3(long seed, boolean bf16) {
        Map<String, Object> c = base(3, 32, 71, 4);
        c.put("num_key_value_heads", 4);
        c.put("intermediate_size", 40);
        c.put("moe_intermediate_size", 12);
        c.put("n_routed_experts", 16);
        c.put("n_shared_experts", 1);
        c.put("num_experts_per_tok", 4);
        c.put("n_group", 4);
        c.put("topk_group", 2);
        c.put("first_k_dense_replace", 1);
        c.put("moe_layer_freq", 1);
        c.put("q_lora_rank", 24);
        c.put("kv_lora_rank", 16);
        c.put("qk_nope_head_dim", 8);
        c.put("qk_rope_head_dim", 8);
        c.put("v_head_dim", 12);
        c.put("scoring_func", "sigmoid");
        c.put("topk_method", "noaux_tc");
        c.put("norm_topk_prob", true);
        c.put("routed_scaling_factor", 2.5);
        c.put("rms_norm_eps", 1e-6);
        Map<String, Object> yarn = new LinkedHashMap<>();
        yarn.put("type", "yarn");
        yarn.put("factor", 40.0);
        yarn.put("original_max_position_embeddings", 64);
        yarn.put("beta_fast", 32);
        yarn.put("beta_slow", 1);
        yarn.put("mscale", 1.0);
        yarn.put("mscale_all_dim", 1.0);
        c.put("rope_scaling", yarn);
        return new TinyModel("DeepseekV3ForCausalLM", c, seed, bf16).generate();
    }

    /** DeepSeek-V2-Lite-like: no q compression, softmax, greedy unless {@code groupLimited}. */
    static TinyModel deepseekV2(long seed, boolean bf16, boolean groupLimited) {
        Map<String, Object> c = base(2, 32, 47, 4);
        c.put("num_key_value_heads", 4);
        c.put("intermediate_size", 40);
        c.put("moe_intermediate_size", 12);
        c.put("n_routed_experts", 12);
        c.put("n_shared_experts", 2);
        c.put("num_experts_per_tok", 3);
        c.put("n_group", groupLimited ? 4 : 1);
        c.put("topk_group", groupLimited ? 2 : 1);
        c.put("first_k_dense_replace", 1);
        c.put("moe_layer_freq", 1);
        c.put("q_lora_rank", null);
        c.put("kv_lora_rank", 16);
        c.put("qk_nope_head_dim", 8);
        c.put("qk_rope_head_dim", 4);
        c.put("v_head_dim", 8);
        c.put("scoring_func", "softmax");
        c.put("topk_method", groupLimited ? "group_limited_greedy" : "greedy");
        c.put("norm_topk_prob", false);
        c.put("routed_scaling_factor", groupLimited ? 16.0 : 1.0);
        return new TinyModel("DeepseekV2ForCausalLM", c, seed, bf16).generate();
    }

    // ---- tensor names ----

    String layer(int l) {
        return "model.layers." + l + ".";
    }

    String moePrefix(int l) {
        return layer(l) + (architecture.equals("MixtralForCausalLM") ? "block_sparse_moe." : "mlp.");
    }

    /** Per-expert tensor names: gate, up, down. */
    String[] expertNames(int l, int e) {
        String p = moePrefix(l) + "experts." + e + ".";
        if (architecture.equals("MixtralForCausalLM")) {
            return new String[] {p + "w1.weight", p + "w3.weight", p + "w2.weight"};
        }
        return new String[] {p + "gate_proj.weight", p + "up_proj.weight", p + "down_proj.weight"};
    }

    boolean isMoeLayer(int l) {
        return switch (architecture) {
            case "MixtralForCausalLM", "OlmoeForCausalLM" -> true;
            case "Qwen2MoeForCausalLM", "Qwen3MoeForCausalLM" -> {
                @SuppressWarnings("unchecked")
                List<Integer> only = (List<Integer>) config.getOrDefault("mlp_only_layers", List.of());
                yield !only.contains(l) && (l + 1) % iOr("decoder_sparse_step", 1) == 0;
            }
            default -> l >= iOr("first_k_dense_replace", 0) && l % iOr("moe_layer_freq", 1) == 0;
        };
    }

    int numExperts() {
        return switch (architecture) {
            case "MixtralForCausalLM" -> i("num_local_experts");
            case "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM" -> i("n_routed_experts");
            default -> i("num_experts");
        };
    }

    int expertFf() {
        return switch (architecture) {
            case "MixtralForCausalLM", "OlmoeForCausalLM" -> i("intermediate_size");
            default -> i("moe_intermediate_size");
        };
    }

    int headDim() {
        return iOr("head_dim", i("hidden_size") / i("num_attention_heads"));
    }

    // ---- generation ----

    private TinyModel generate() {
        int d = i("hidden_size");
        int vocab = i("vocab_size");
        int heads = i("num_attention_heads");
        put("model.embed_tokens.weight", uniform(1.0, vocab, d));
        for (int l = 0; l < i("num_hidden_layers"); l++) {
            String p = layer(l);
            put(p + "input_layernorm.weight", norm(d));
            put(p + "post_attention_layernorm.weight", norm(d));
            if (isDeepseek()) {
                int qk = i("qk_nope_head_dim") + i("qk_rope_head_dim");
                Object qLora = config.get("q_lora_rank");
                if (qLora == null) {
                    put(p + "self_attn.q_proj.weight", linear(heads * qk, d));
                } else {
                    int r = ((Number) qLora).intValue();
                    put(p + "self_attn.q_a_proj.weight", linear(r, d));
                    put(p + "self_attn.q_a_layernorm.weight", norm(r));
                    put(p + "self_attn.q_b_proj.weight", linear(heads * qk, r));
                }
                int kvl = i("kv_lora_rank");
                put(p + "self_attn.kv_a_proj_with_mqa.weight", linear(kvl + i("qk_rope_head_dim"), d));
                put(p + "self_attn.kv_a_layernorm.weight", norm(kvl));
                put(p + "self_attn.kv_b_proj.weight", linear(heads * (i("qk_nope_head_dim") + i("v_head_dim")), kvl));
                put(p + "self_attn.o_proj.weight", linear(d, heads * i("v_head_dim")));
            } else {
                int hd = headDim();
                int kv = iOr("num_key_value_heads", heads);
                put(p + "self_attn.q_proj.weight", linear(heads * hd, d));
                put(p + "self_attn.k_proj.weight", linear(kv * hd, d));
                put(p + "self_attn.v_proj.weight", linear(kv * hd, d));
                put(p + "self_attn.o_proj.weight", linear(d, heads * hd));
                if (architecture.equals("Qwen2MoeForCausalLM")) {
                    put(p + "self_attn.q_proj.bias", uniform(0.2, heads * hd));
                    put(p + "self_attn.k_proj.bias", uniform(0.2, kv * hd));
                    put(p + "self_attn.v_proj.bias", uniform(0.2, kv * hd));
                }
                if (architecture.equals("Qwen3MoeForCausalLM")) {
                    put(p + "self_attn.q_norm.weight", norm(hd));
                    put(p + "self_attn.k_norm.weight", norm(hd));
                }
                if (architecture.equals("OlmoeForCausalLM")) {
                    put(p + "self_attn.q_norm.weight", norm(heads * hd));
                    put(p + "self_attn.k_norm.weight", norm(kv * hd));
                }
            }
            if (isMoeLayer(l)) {
                int experts = numExperts();
                int ff = expertFf();
                put(moePrefix(l) + "gate.weight", uniform(2.0 / Math.sqrt(d), experts, d));
                if (architecture.equals("DeepseekV3ForCausalLM")) {
                    put(moePrefix(l) + "gate.e_score_correction_bias", uniform(0.05, experts));
                }
                for (int e = 0; e < experts; e++) {
                    String[] n = expertNames(l, e);
                    put(n[0], linear(ff, d));
                    put(n[1], linear(ff, d));
                    put(n[2], linear(d, ff));
                }
                if (architecture.equals("Qwen2MoeForCausalLM")) {
                    int sff = i("shared_expert_intermediate_size");
                    mlp(moePrefix(l) + "shared_expert.", d, sff);
                    put(moePrefix(l) + "shared_expert_gate.weight", linear(1, d));
                }
                if (isDeepseek() && iOr("n_shared_experts", 0) > 0) {
                    mlp(moePrefix(l) + "shared_experts.", d, ff * i("n_shared_experts"));
                }
            } else {
                mlp(layer(l) + "mlp.", d, i("intermediate_size"));
            }
        }
        put("model.norm.weight", norm(d));
        if (!bOr("tie_word_embeddings", false)) {
            put("lm_head.weight", linear(vocab, d));
        }
        return this;
    }

    private void mlp(String prefix, int d, int ff) {
        put(prefix + "gate_proj.weight", linear(ff, d));
        put(prefix + "up_proj.weight", linear(ff, d));
        put(prefix + "down_proj.weight", linear(d, ff));
    }

    private void put(String name, T t) {
        tensors.put(name, t);
    }

    private T linear(int out, int in) {
        return uniform(1.0 / Math.sqrt(in) * Math.sqrt(3), out, in);
    }

    private T norm(int n) {
        T t = uniform(0.2, n);
        for (int i = 0; i < n; i++) {
            t.data[i] = round(1.0f + t.data[i]);
        }
        return t;
    }

    private T uniform(double bound, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = round((float) ((random.nextDouble() * 2 - 1) * bound));
        }
        return new T(shape, data);
    }

    private float round(float v) {
        return bf16 ? Bf16.toFloat(Bf16.fromFloat(v)) : v;
    }

    /** Round-to-nearest-even bfloat16 conversion, the test's own. */
    static final class Bf16 {
        static short fromFloat(float f) {
            int bits = Float.floatToRawIntBits(f);
            int rounding = 0x7FFF + ((bits >>> 16) & 1);
            return (short) ((bits + rounding) >>> 16);
        }

        static float toFloat(short b) {
            return Float.intBitsToFloat((b & 0xFFFF) << 16);
        }
    }
}
