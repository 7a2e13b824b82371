package io.moesim.models.spec;

/**
 * The largest model moesim accepts, checked when a model is read (a catalog YAML, a model YAML or a
 * {@code config.json}), before anything is sized from it. Each bound is far above every published MoE
 * model (the largest expert count is 384, Kimi K2; top-k at most 10, Qwen3-Next; layers at most 94,
 * Qwen3-235B-A22B; see {@code models/catalog/}) and low enough that every command finishes in memory:
 * {@code moesim run} of a model with 16384 experts of width 16 on 8 H100 took 21 s and 190 MB of heap
 * (measured for issue 14); a trace stores expert ids in 16 bits.
 */
public final class ModelLimits {

    /** Routed experts per MoE layer. */
    public static final int MAX_EXPERTS = 16_384;
    /** Experts chosen per token. */
    public static final int MAX_TOP_K = 64;
    /** Shared experts per MoE layer. */
    public static final int MAX_SHARED_EXPERTS = 64;
    /** Expert groups of group-limited routing. */
    public static final int MAX_GROUPS = MAX_EXPERTS;
    /** Decoder layers (and MTP modules). */
    public static final int MAX_LAYERS = 1024;
    /** Model width, head dimension, LoRA ranks. */
    public static final int MAX_WIDTH = 1 << 17;
    /** MLP and expert widths. */
    public static final int MAX_INTERMEDIATE = 1 << 20;
    /** Attention heads (query or key/value). */
    public static final int MAX_HEADS = 4096;
    /** Vocabulary size. */
    public static final int MAX_VOCAB = 1 << 24;
    /** Context length in tokens. */
    public static final int MAX_CONTEXT = 1 << 28;

    /**
     * Parameters of the whole model (an upper bound over its layers, experts and embeddings): 10^15, a
     * thousand times Kimi K2's 1.04 x 10^12, and far below where counting them in 64-bit integers overflows.
     */
    public static final double MAX_PARAMETERS = 1e15;

    private ModelLimits() {
    }

    /** Checks {@code 0 < value <= max}; {@code name} is the record component. */
    static void require(String name, long value, long max) {
        ModelSpec.requirePositive(name, value);
        requireAtMost(name, value, max);
    }

    /** Checks {@code value <= max}. */
    static void requireAtMost(String name, long value, long max) {
        if (value > max) {
            throw new SpecException(name, "must be at most " + max + " (moesim's limit), got " + value);
        }
    }
}
