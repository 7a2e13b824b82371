package io.moesim.models.forward;

import java.util.Locale;

/**
 * The Hugging Face model classes the CPU forward pass runs, with the tensor-name conventions of each.
 * The name is the {@code architectures[0]} entry of the checkpoint's {@code config.json}.
 */
public enum Architecture {
    /** Mixtral: {@code block_sparse_moe.gate}, experts {@code w1} (gate), {@code w3} (up), {@code w2} (down). */
    MIXTRAL("MixtralForCausalLM"),
    /** Qwen1.5/Qwen2-MoE: q/k/v biases, a shared expert behind a sigmoid gate, dense layers by {@code mlp_only_layers}. */
    QWEN2_MOE("Qwen2MoeForCausalLM"),
    /** Qwen3-MoE: RMSNorm on q and k per head. */
    QWEN3_MOE("Qwen3MoeForCausalLM"),
    /** OLMoE: RMSNorm on q and k over the whole projection width. */
    OLMOE("OlmoeForCausalLM"),
    /** DeepSeek-V2 (and V2-Lite): multi-head latent attention, softmax routing, greedy or group-max selection. */
    DEEPSEEK_V2("DeepseekV2ForCausalLM"),
    /** DeepSeek-V3 (and R1, Kimi K2): multi-head latent attention, sigmoid routing with bias-based selection. */
    DEEPSEEK_V3("DeepseekV3ForCausalLM");

    private final String hfName;

    Architecture(String hfName) {
        this.hfName = hfName;
    }

    /** The class name in {@code config.json}'s {@code architectures}. */
    public String hfName() {
        return hfName;
    }

    /** Whether attention is multi-head latent attention (DeepSeek). */
    public boolean isMla() {
        return this == DEEPSEEK_V2 || this == DEEPSEEK_V3;
    }

    /** The architecture with the given Hugging Face class name, or null. */
    public static Architecture fromHfName(String name) {
        for (Architecture a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** The supported class names, for error messages. */
    public static String supportedNames() {
        StringBuilder b = new StringBuilder();
        for (Architecture a : values()) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(a.hfName);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return hfName.toLowerCase(Locale.ROOT);
    }
}
