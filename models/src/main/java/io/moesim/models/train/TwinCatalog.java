package io.moesim.models.train;

import java.util.List;

/**
 * The shipped tiny twins and their training settings. Topology numbers are the targets' own
 * (from their Hugging Face {@code config.json}); widths, depths and context are tiny.
 */
public final class TwinCatalog {

    private TwinCatalog() {
    }

    /** Names of the shipped twins. */
    public static final List<String> NAMES = List.of("mixtral-twin", "qwen3-moe-twin", "deepseek-v3-twin");

    /**
     * The twin called {@code name}, or null if there is none.
     * Mixtral-8x7B: 8 experts, top-2, softmax, router_aux_loss_coef 0.02
     * (huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json).
     * Qwen3-235B-A22B: 128 experts, top-8, norm_topk_prob, router_aux_loss_coef 0.001
     * (huggingface.co/Qwen/Qwen3-235B-A22B/blob/main/config.json).
     * DeepSeek-V3: 256 routed + 1 shared, top-8, n_group 8, topk_group 4, sigmoid, noaux_tc,
     * routed_scaling_factor 2.5, first_k_dense_replace 3 (1 here), bias update speed 0.001
     * (huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json; arXiv:2412.19437 sec. 2.1.2, 4.2).
     */
    public static TwinConfig get(String name) {
        int v = TwinConfig.BYTE_VOCAB;
        return switch (name) {
            case "mixtral-twin" -> new TwinConfig(name, TwinConfig.Arch.MIXTRAL, v, 64, 3, 128,
                    4, 2, 16, 0, 0, 0, 0, 0, 0, 0,
                    8, 2, 128, 0, false, 1, 1, 1.0, 0.02, 0, 10000, 1e-5);
            case "qwen3-moe-twin" -> new TwinConfig(name, TwinConfig.Arch.QWEN3_MOE, v, 64, 3, 128,
                    4, 2, 16, 0, 0, 0, 0, 0, 0, 0,
                    128, 8, 32, 0, false, 1, 1, 1.0, 0.001, 0, 10000, 1e-6);
            case "deepseek-v3-twin" -> new TwinConfig(name, TwinConfig.Arch.DEEPSEEK_V3, v, 64, 3, 128,
                    4, 4, 0, 32, 32, 16, 8, 16, 192, 1,
                    256, 8, 32, 1, true, 8, 4, 2.5, 0, 0.001, 10000, 1e-6);
            default -> null;
        };
    }
}
