package io.moesim.models.spec;

import java.util.Objects;

/**
 * The cost of one operation of one decoder layer (or of the LM head), per token of a step, as a
 * roofline step model needs it: FLOPs, weights to stream, KV cache to read and write.
 *
 * <p>Bytes are the caller's business: multiply {@code weightParams} by the bytes per weight of the
 * deployment's weight dtype and the KV elements by the KV-cache dtype's bytes per element.
 *
 * @param op                        which operation
 * @param flopsPerToken             floating-point operations (a multiply-add counts 2) per new token of
 *                                  the step; for {@link Op#ROUTED_EXPERTS} the token's top-k experts
 * @param weightParams              weights the operation reads, all of them, once per step regardless of
 *                                  the token count; for {@link Op#ROUTED_EXPERTS} all routed experts of the
 *                                  layer: a step streams only the experts its tokens hit, so use
 *                                  {@link #weightParamsPerExpert()} times the experts hit
 * @param experts                   routed experts of the layer for {@link Op#ROUTED_EXPERTS}, else 1
 * @param kvElementsReadPerToken    KV-cache elements read from memory per new token
 *                                  ({@link Op#ATTENTION_CORE} only; see {@link ModelAccounting#stepProfile})
 * @param kvElementsWrittenPerToken KV-cache elements written per new token ({@link Op#ATTENTION_CORE} only)
 */
public record OpCost(
        Op op,
        double flopsPerToken,
        long weightParams,
        int experts,
        double kvElementsReadPerToken,
        long kvElementsWrittenPerToken) {

    /** The operations of a step. */
    public enum Op {
        /** q, k, v and output projections (MLA: q_a, q_b, kv_a, kv_b (as W_UK/W_UV when absorbed), o). */
        ATTENTION_PROJECTIONS,
        /** QK^T, softmax and PV over the attended tokens; reads the KV cache. No weights. */
        ATTENTION_CORE,
        /** The router's logits, hidden x experts. */
        ROUTER,
        /** The chosen routed experts (gate, up, down). */
        ROUTED_EXPERTS,
        /** The shared experts every token passes through. */
        SHARED_EXPERTS,
        /** The dense SwiGLU MLP of a non-MoE layer. */
        DENSE_MLP,
        /** The output projection to the vocabulary. */
        LM_HEAD
    }

    public OpCost {
        Objects.requireNonNull(op, "op");
        if (flopsPerToken < 0 || weightParams < 0 || kvElementsReadPerToken < 0 || kvElementsWrittenPerToken < 0) {
            throw new IllegalArgumentException(op + ": costs must be >= 0");
        }
        ModelSpec.requirePositive("experts", experts);
    }

    /** Weights of one routed expert ({@link Op#ROUTED_EXPERTS}); {@link #weightParams()} for other ops. */
    public long weightParamsPerExpert() {
        return weightParams / experts;
    }
}
