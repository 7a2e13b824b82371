package io.moesim.simulator.scenario;

import io.moesim.simulator.hardware.DataType;
import java.util.Objects;

/**
 * Number formats of a deployment: a default for every linear layer ({@code weights} and
 * {@code activations}) and, per module, a recipe that overrides it (NVIDIA's B200 DeepSeek-R1
 * recipe: attention and router BF16, MoE layers NVFP4 W4A4; docs/sources.md section 8 notes). A
 * module's type sets both its weights and the inputs of its matrix multiplies (BF16, W8A8 FP8,
 * W4A4 NVFP4); its bytes per weight include the format's scales ({@link DataType#bytes()}).
 *
 * @param weights     default weight format of the decoder layers' linear layers; the embedding and
 *                    LM head stay BF16 when this is narrower (as in DeepSeek's FP8 checkpoint)
 * @param activations default input format of the matrix multiplies; with {@code weights} it picks the peak
 * @param kvCache     KV-cache entries
 * @param dispatch    tokens sent to experts
 * @param combine     expert outputs sent back
 * @param attention   attention projections (null: the default)
 * @param router      the router GEMM (null: BF16, as DeepSeek and NVIDIA's recipes keep it)
 * @param experts     routed and shared experts of MoE layers (null: the default)
 * @param dense       dense MLPs of the non-MoE layers (null: the default)
 */
public record Precision(DataType weights, DataType activations, DataType kvCache, DataType dispatch, DataType combine,
                        DataType attention, DataType router, DataType experts, DataType dense) {

    /** The modules a recipe can set. */
    public enum Module {
        ATTENTION("attention"), ROUTER("router"), EXPERTS("experts"), DENSE("dense");

        private final String key;

        Module(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public Precision {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(activations, "activations");
        Objects.requireNonNull(kvCache, "kvCache");
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(combine, "combine");
    }

    /** One format for the default of every module (the router stays BF16). */
    public Precision(DataType weights, DataType activations, DataType kvCache, DataType dispatch, DataType combine) {
        this(weights, activations, kvCache, dispatch, combine, null, null, null, null);
    }

    /** The type a default GEMM's tensor cores run at: the wider of weights and activations. */
    public DataType gemmType() {
        return weights.bytes() >= activations.bytes() ? weights : activations;
    }

    private DataType set(Module module) {
        return switch (module) {
            case ATTENTION -> attention;
            case ROUTER -> router;
            case EXPERTS -> experts;
            case DENSE -> dense;
        };
    }

    /** The format of {@code module}'s weights. */
    public DataType weights(Module module) {
        DataType type = set(module);
        if (type != null) {
            return type;
        }
        return module == Module.ROUTER ? DataType.BF16 : weights;
    }

    /** The type {@code module}'s matrix multiplies run at (its tensor-core peak and kernel table). */
    public DataType compute(Module module) {
        DataType type = set(module);
        if (type != null) {
            return type;
        }
        return module == Module.ROUTER ? DataType.BF16 : gemmType();
    }

    /** Bytes per weight of the embedding and LM head: BF16 unless the weights are wider. */
    public double embeddingBytes() {
        return Math.max(weights.bytes(), DataType.BF16.bytes());
    }

    /** One line for reports: the default and the modules that differ from it. */
    public String describe() {
        StringBuilder out = new StringBuilder("weights " + weights.key() + ", activations " + activations.key());
        for (Module module : Module.values()) {
            if (set(module) != null) {
                out.append(", ").append(module.key()).append(' ').append(set(module).key());
            }
        }
        return out.append(", KV cache ").append(kvCache.key()).append(", dispatch ").append(dispatch.key())
                .append(", combine ").append(combine.key()).toString();
    }
}
