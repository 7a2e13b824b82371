package io.moesim.models.trace;

import io.moesim.models.spec.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a router trace is about: the model, which of its decoder layers were recorded, the expert
 * count and top-k of every record, and free-form metadata. It is the header of a trace file
 * (see {@code docs/trace-format.md}).
 *
 * @param modelId      the model's catalog id or checkpoint name ({@code mixtral-8x7b})
 * @param architecture Hugging Face architecture name ({@code MixtralForCausalLM}); may be empty
 * @param numLayers    decoder layers of the model (dense and MoE)
 * @param moeLayers    the recorded MoE layers, as decoder-layer indices (0-based, as in the
 *                     checkpoint's tensor names), strictly increasing; records hold one entry per
 *                     element in this order (the "recorded layer index")
 * @param numExperts   routed experts per MoE layer, at most {@link #MAX_EXPERTS}; every recorded
 *                     expert id is in {@code [0, numExperts)}
 * @param topK         routed experts chosen per token and layer
 * @param metadata     optional key/value pairs, kept in insertion order (well-known keys:
 *                     {@link #META_SOURCE_TEXT}, {@link #META_CONTEXT_TOKENS}, {@link #META_TOKENIZER},
 *                     {@link #META_CREATED_BY})
 */
public record TraceHeader(
        String modelId,
        String architecture,
        int numLayers,
        List<Integer> moeLayers,
        int numExperts,
        int topK,
        Map<String, String> metadata) {

    /** Largest expert count a trace can hold (expert ids are stored as unsigned 16-bit at most). */
    public static final int MAX_EXPERTS = 65536;

    /** Metadata key: the name of the text the tokens come from (a file name or corpus id). */
    public static final String META_SOURCE_TEXT = "source_text";
    /** Metadata key: the context window (tokens per window) the forward pass used, as a decimal. */
    public static final String META_CONTEXT_TOKENS = "context_tokens";
    /** Metadata key: the tokenizer (file or name) that produced the token ids. */
    public static final String META_TOKENIZER = "tokenizer";
    /** Metadata key: the program and version that recorded the trace. */
    public static final String META_CREATED_BY = "created_by";

    public TraceHeader {
        Objects.requireNonNull(modelId, "modelId");
        architecture = architecture == null ? "" : architecture;
        Objects.requireNonNull(moeLayers, "moeLayers");
        moeLayers = List.copyOf(moeLayers);
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        if (numLayers <= 0) {
            throw new IllegalArgumentException("numLayers must be > 0, got " + numLayers);
        }
        if (moeLayers.isEmpty()) {
            throw new IllegalArgumentException("moeLayers must not be empty");
        }
        int previous = -1;
        for (int layer : moeLayers) {
            if (layer <= previous || layer >= numLayers) {
                throw new IllegalArgumentException("moeLayers must be strictly increasing in [0, " + numLayers
                        + "), got " + moeLayers);
            }
            previous = layer;
        }
        if (numExperts <= 0 || numExperts > MAX_EXPERTS) {
            throw new IllegalArgumentException("numExperts must be in [1, " + MAX_EXPERTS + "], got " + numExperts);
        }
        if (topK <= 0 || topK > numExperts) {
            throw new IllegalArgumentException("topK must be in [1, numExperts], got " + topK);
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            Objects.requireNonNull(e.getKey(), "metadata key");
            Objects.requireNonNull(e.getValue(), "metadata value of " + e.getKey());
        }
    }

    /** A header recording every MoE layer of {@code spec}. */
    public static TraceHeader forModel(ModelSpec spec, Map<String, String> metadata) {
        List<Integer> layers = new ArrayList<>();
        for (int layer = 0; layer < spec.numLayers(); layer++) {
            if (spec.isMoeLayer(layer)) {
                layers.add(layer);
            }
        }
        return new TraceHeader(spec.id(), spec.architecture(), spec.numLayers(), layers,
                spec.moe().numRoutedExperts(), spec.moe().topK(), metadata);
    }

    /** Number of recorded MoE layers. */
    public int numRecordedLayers() {
        return moeLayers.size();
    }

    /** The recorded layer index (position in {@link #moeLayers()}) of a decoder layer, or -1 if not recorded. */
    public int recordedIndexOf(int decoderLayer) {
        int index = java.util.Collections.binarySearch(moeLayers, decoderLayer);
        return index >= 0 ? index : -1;
    }

    /** Bytes per stored expert id: 1 for up to 256 experts, else 2. */
    public int expertIdBytes() {
        return numExperts <= 256 ? 1 : 2;
    }
}
