package io.moesim.models.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The architecture and training settings of a tiny twin: the target's expert topology (expert
 * count, top-k, shared experts, scoring function, group limits, balancing method) at tiny widths.
 * Field names follow the Hugging Face {@code config.json} of the target architecture.
 *
 * @param name              twin name ({@code mixtral-twin})
 * @param arch              target architecture
 * @param vocabSize         byte vocabulary: 256 byte values, then special tokens (256 = BOS/EOS)
 * @param hiddenSize        model width
 * @param numLayers         decoder layers
 * @param contextTokens     training sequence length (and {@code max_position_embeddings})
 * @param numHeads          query heads
 * @param numKvHeads        key/value heads (GQA); equals numHeads for MLA
 * @param headDim           head dimension (GQA)
 * @param qLoraRank         MLA query compression rank (0 = direct q_proj)
 * @param kvLoraRank        MLA key/value latent rank
 * @param qkNopeHeadDim     MLA per-head q/k dimension without rope
 * @param qkRopeHeadDim     MLA per-head q/k dimension with rope (key part shared by heads)
 * @param vHeadDim          MLA per-head value dimension
 * @param denseIntermediate width of the dense MLP of the first {@code firstDenseLayers} layers
 * @param firstDenseLayers  leading dense layers (DeepSeek's {@code first_k_dense_replace})
 * @param numExperts        routed experts
 * @param topK              experts per token
 * @param moeIntermediate   width of one expert's MLP
 * @param sharedExperts     shared experts (their MLP width is {@code sharedExperts * moeIntermediate})
 * @param sigmoid           sigmoid scores with selection bias (DeepSeek-V3); otherwise softmax
 * @param numGroups         expert groups for group-limited routing (1 = none)
 * @param topKGroups        groups a token may use
 * @param routedScaling     factor on the routed experts' gate weights
 * @param auxLossCoef       coefficient of the Switch/Mixtral load-balancing loss (softmax routers)
 * @param biasUpdateSpeed   gamma of the auxiliary-loss-free bias update (sigmoid routers)
 * @param ropeTheta         rope base
 * @param rmsEps            RMSNorm epsilon
 */
public record TwinConfig(
        String name, Arch arch, int vocabSize, int hiddenSize, int numLayers, int contextTokens,
        int numHeads, int numKvHeads, int headDim,
        int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim,
        int denseIntermediate, int firstDenseLayers,
        int numExperts, int topK, int moeIntermediate, int sharedExperts,
        boolean sigmoid, int numGroups, int topKGroups, double routedScaling,
        double auxLossCoef, double biasUpdateSpeed, double ropeTheta, double rmsEps) {

    /** Target architectures, with their Hugging Face architecture names. */
    public enum Arch {
        MIXTRAL("MixtralForCausalLM", "mixtral"),
        QWEN3_MOE("Qwen3MoeForCausalLM", "qwen3_moe"),
        DEEPSEEK_V3("DeepseekV3ForCausalLM", "deepseek_v3");

        public final String hfName;
        public final String modelType;

        Arch(String hfName, String modelType) {
            this.hfName = hfName;
            this.modelType = modelType;
        }
    }

    /** Byte vocabulary size: 256 byte values and BOS/EOS = 256. */
    public static final int BYTE_VOCAB = 257;
    /** The BOS/EOS token id. */
    public static final int BOS = 256;

    public TwinConfig {
        if (hiddenSize <= 0 || numLayers <= 0 || contextTokens <= 1 || numHeads <= 0 || numExperts <= 0) {
            throw new IllegalArgumentException("twin dimensions must be positive");
        }
        if (topK > numExperts || numExperts % numGroups != 0 || topKGroups > numGroups) {
            throw new IllegalArgumentException("bad routing: topK " + topK + ", groups " + numGroups + "/" + topKGroups);
        }
        if (topKGroups * (numExperts / numGroups) < topK) {
            throw new IllegalArgumentException("topKGroups groups hold fewer than topK experts");
        }
        if (isMla() ? (qkRopeHeadDim % 2 != 0 || kvLoraRank <= 0) : (headDim % 2 != 0 || numHeads % numKvHeads != 0)) {
            throw new IllegalArgumentException("bad attention dimensions");
        }
        if (firstDenseLayers > 0 && denseIntermediate <= 0) {
            throw new IllegalArgumentException("dense layers need denseIntermediate > 0");
        }
    }

    /** Multi-head latent attention (DeepSeek-V3). */
    public boolean isMla() {
        return arch == Arch.DEEPSEEK_V3;
    }

    /** Per-head RMSNorm on q and k (Qwen3). */
    public boolean qkNorm() {
        return arch == Arch.QWEN3_MOE;
    }

    /** Rope on interleaved pairs (2i, 2i+1) (DeepSeek-V3 with {@code rope_interleave}) instead of halves (i, i+D/2). */
    public boolean ropeInterleaved() {
        return arch == Arch.DEEPSEEK_V3;
    }

    public boolean isMoeLayer(int layer) {
        return layer >= firstDenseLayers;
    }

    /** Query/key dimension of one head. */
    public int qkHeadDim() {
        return isMla() ? qkNopeHeadDim + qkRopeHeadDim : headDim;
    }

    /** Value dimension of one head. */
    public int vDim() {
        return isMla() ? vHeadDim : headDim;
    }

    /** Key/value heads seen by the attention core (MLA expands the latent to every head). */
    public int attnKvHeads() {
        return isMla() ? numHeads : numKvHeads;
    }

    /** The Hugging Face {@code config.json} of this twin, with the target's real field names. */
    public Map<String, Object> hfConfig(String torchDtype) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of(arch.hfName));
        c.put("model_type", arch.modelType);
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("num_key_value_heads", isMla() ? numHeads : numKvHeads);
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", contextTokens);
        c.put("rms_norm_eps", rmsEps);
        c.put("rope_theta", ropeTheta);
        c.put("tie_word_embeddings", false);
        c.put("attention_bias", false);
        c.put("bos_token_id", BOS);
        c.put("eos_token_id", BOS);
        c.put("num_experts_per_tok", topK);
        switch (arch) {
            case MIXTRAL -> {
                c.put("head_dim", headDim);
                c.put("intermediate_size", moeIntermediate);
                c.put("num_local_experts", numExperts);
                c.put("router_aux_loss_coef", auxLossCoef);
                c.put("sliding_window", null);
            }
            case QWEN3_MOE -> {
                c.put("head_dim", headDim);
                c.put("intermediate_size", moeIntermediate);
                c.put("moe_intermediate_size", moeIntermediate);
                c.put("num_experts", numExperts);
                c.put("norm_topk_prob", true);
                c.put("decoder_sparse_step", 1);
                c.put("mlp_only_layers", List.of());
                c.put("router_aux_loss_coef", auxLossCoef);
                c.put("use_sliding_window", false);
            }
            case DEEPSEEK_V3 -> {
                c.put("intermediate_size", denseIntermediate);
                c.put("moe_intermediate_size", moeIntermediate);
                c.put("n_routed_experts", numExperts);
                c.put("n_shared_experts", sharedExperts);
                c.put("routed_scaling_factor", routedScaling);
                c.put("n_group", numGroups);
                c.put("topk_group", topKGroups);
                c.put("topk_method", "noaux_tc");
                c.put("scoring_func", "sigmoid");
                c.put("norm_topk_prob", true);
                c.put("first_k_dense_replace", firstDenseLayers);
                c.put("moe_layer_freq", 1);
                c.put("q_lora_rank", qLoraRank == 0 ? null : qLoraRank);
                c.put("kv_lora_rank", kvLoraRank);
                c.put("qk_nope_head_dim", qkNopeHeadDim);
                c.put("qk_rope_head_dim", qkRopeHeadDim);
                c.put("v_head_dim", vHeadDim);
                c.put("rope_scaling", null);
                c.put("rope_interleave", true);
                c.put("num_nextn_predict_layers", 0);
                c.put("ep_size", 1);
            }
        }
        c.put("torch_dtype", torchDtype);
        return c;
    }
}
