package io.moesim.models.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    static ModelConfig parse(String json) throws Exception {
        return ModelConfig.parse(new ObjectMapper().readTree(json), Path.of("config.json"));
    }

    /** deepseek-ai/DeepSeek-V3 config.json (the fields the forward pass reads). */
    @Test
    void deepseekV3() throws Exception {
        ModelConfig c = parse("""
                {"architectures": ["DeepseekV3ForCausalLM"], "hidden_size": 7168, "intermediate_size": 18432,
                 "moe_intermediate_size": 2048, "num_hidden_layers": 61, "num_attention_heads": 128,
                 "num_key_value_heads": 128, "n_shared_experts": 1, "n_routed_experts": 256,
                 "routed_scaling_factor": 2.5, "kv_lora_rank": 512, "q_lora_rank": 1536, "qk_rope_head_dim": 64,
                 "v_head_dim": 128, "qk_nope_head_dim": 128, "topk_method": "noaux_tc", "n_group": 8,
                 "topk_group": 4, "num_experts_per_tok": 8, "moe_layer_freq": 1, "first_k_dense_replace": 3,
                 "norm_topk_prob": true, "scoring_func": "sigmoid", "rms_norm_eps": 1e-06, "rope_theta": 10000,
                 "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0,
                   "mscale_all_dim": 1.0, "original_max_position_embeddings": 4096, "type": "yarn"},
                 "tie_word_embeddings": false, "vocab_size": 129280}
                """);
        assertEquals(58, c.numMoeLayers());
        assertFalse(c.isMoeLayer(2));
        assertTrue(c.isMoeLayer(3));
        assertEquals(18432, c.denseIntermediate());
        assertEquals(2048, c.moe().sharedIntermediate());
        ModelConfig.Router r = c.moe().router();
        assertEquals(ModelConfig.Selection.GROUP_TOP2_SUM, r.selection());
        assertTrue(r.selectionBias() && r.normTopK());
        assertEquals(2.5, r.scalingFactor());
        // softmax scale: 192^-0.5 x (0.1 ln 40 + 1)^2
        double m = 0.1 * Math.log(40) + 1;
        assertEquals(m * m / Math.sqrt(192), c.rope().softmaxScale(), 1e-12);
        assertEquals(1.0, c.rope().cosSinScale(), 1e-12);
        assertTrue(c.rope().interleaved());
        // the fastest-rotating dimensions keep their frequency, the slowest are divided by the factor
        assertEquals(1.0, c.rope().invFrequencies()[0], 1e-12);
        assertEquals(Math.pow(10000, -62.0 / 64) / 40, c.rope().invFrequencies()[31], 1e-15);
    }

    /** allenai/OLMoE-1B-7B-0924 config.json. */
    @Test
    void olmoe() throws Exception {
        ModelConfig c = parse("""
                {"architectures": ["OlmoeForCausalLM"], "hidden_size": 2048, "intermediate_size": 1024,
                 "num_hidden_layers": 16, "num_attention_heads": 16, "num_key_value_heads": 16,
                 "num_experts": 64, "num_experts_per_tok": 8, "norm_topk_prob": false, "clip_qkv": null,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "rope_scaling": null, "vocab_size": 50304,
                 "tie_word_embeddings": false}
                """);
        ModelConfig.Gqa g = (ModelConfig.Gqa) c.attention();
        assertEquals(128, g.headDim());
        assertEquals(ModelConfig.QkNorm.FULL_WIDTH, g.qkNorm());
        assertEquals(16, c.numMoeLayers());
        assertEquals(1024, c.moe().expertIntermediate());
        assertFalse(c.moe().router().normTopK());
        assertEquals(1 / Math.sqrt(128), c.rope().softmaxScale(), 1e-12);
    }

    @Test
    void errorsNameTheField() {
        InputException e = assertThrows(InputException.class,
                () -> parse("{\"architectures\": [\"LlamaForCausalLM\"]}"));
        assertTrue(e.getMessage().startsWith("config.json: architectures: LlamaForCausalLM is not supported"));
        e = assertThrows(InputException.class, () -> parse("""
                {"architectures": ["MixtralForCausalLM"], "num_hidden_layers": 2, "hidden_size": 64,
                 "vocab_size": 10, "num_attention_heads": 8, "num_key_value_heads": 3}
                """));
        assertEquals("config.json: num_key_value_heads: 3 does not divide num_attention_heads 8", e.getMessage());
        e = assertThrows(InputException.class, () -> parse("""
                {"architectures": ["DeepseekV3ForCausalLM"], "num_hidden_layers": 2, "hidden_size": 64,
                 "vocab_size": 10, "num_attention_heads": 8, "kv_lora_rank": 8, "qk_nope_head_dim": 8,
                 "qk_rope_head_dim": 8, "v_head_dim": 8, "n_routed_experts": 12, "num_experts_per_tok": 2,
                 "moe_intermediate_size": 8, "n_group": 5, "topk_group": 2}
                """));
        assertEquals("config.json: n_group: 5 does not divide n_routed_experts 12", e.getMessage());
    }
}
