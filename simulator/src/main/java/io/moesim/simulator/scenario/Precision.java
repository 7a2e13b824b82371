package io.moesim.simulator.scenario;

import io.moesim.simulator.hardware.DataType;
import java.util.Objects;

/**
 * Number formats of a deployment.
 *
 * @param weights     linear-layer weights of the decoder layers (attention, MLPs, experts); the
 *                    embedding and LM head stay BF16 when this is narrower (as in DeepSeek's FP8 checkpoint)
 * @param activations inputs of the matrix multiplies; with {@code weights} it picks the tensor-core peak
 * @param kvCache     KV-cache entries
 * @param dispatch    tokens sent to experts
 * @param combine     expert outputs sent back
 */
public record Precision(DataType weights, DataType activations, DataType kvCache, DataType dispatch, DataType combine) {

    public Precision {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(activations, "activations");
        Objects.requireNonNull(kvCache, "kvCache");
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(combine, "combine");
    }

    /** The type a GEMM's tensor cores run at: the wider of weights and activations. */
    public DataType gemmType() {
        return weights.bytes() >= activations.bytes() ? weights : activations;
    }

    /** Bytes per weight of the embedding and LM head: BF16 unless the weights are wider. */
    public double embeddingBytes() {
        return Math.max(weights.bytes(), DataType.BF16.bytes());
    }
}
