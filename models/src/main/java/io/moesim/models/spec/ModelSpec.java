package io.moesim.models.spec;

import java.util.Objects;

/**
 * The architecture of a Mixture-of-Experts language model, as far as moesim needs it to count
 * parameters, FLOPs, bytes and KV cache. Read from the catalog ({@code models/catalog/*.yaml})
 * or imported from a Hugging Face {@code config.json}.
 *
 * <p>Layer {@code i} (0-based) is an MoE layer when {@link #isMoeLayer(int)}; every other layer
 * has a dense SwiGLU MLP of width {@link #denseIntermediateSize()}.
 *
 * @param id                     catalog id ({@code deepseek-v3}) or the config file's name
 * @param displayName            human name ({@code DeepSeek-V3})
 * @param architecture           Hugging Face architecture name ({@code DeepseekV3ForCausalLM})
 * @param source                 where the numbers come from (URL or document)
 * @param numLayers              decoder layers, MTP modules not included
 * @param hiddenSize             model width d
 * @param vocabSize              vocabulary size
 * @param tiedEmbeddings         whether the LM head shares the embedding matrix
 * @param attention              GQA or MLA with its dimensions
 * @param firstDenseLayers       leading layers with a dense MLP (DeepSeek's {@code first_k_dense_replace})
 * @param moeLayerStep           every {@code moeLayerStep}-th layer after those is MoE (1 = all;
 *                               Llama 4 Maverick interleaves with 2)
 * @param denseIntermediateSize  width of the dense layers' MLP (0 if the model has none)
 * @param moe                    the experts and their router
 * @param mtpModules             multi-token-prediction modules (DeepSeek's {@code num_nextn_predict_layers})
 * @param maxContextTokens       longest context the model supports
 */
public record ModelSpec(
        String id,
        String displayName,
        String architecture,
        String source,
        int numLayers,
        int hiddenSize,
        int vocabSize,
        boolean tiedEmbeddings,
        AttentionSpec attention,
        int firstDenseLayers,
        int moeLayerStep,
        int denseIntermediateSize,
        MoeSpec moe,
        int mtpModules,
        int maxContextTokens) {

    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(moe, "moe");
        ModelLimits.require("numLayers", numLayers, ModelLimits.MAX_LAYERS);
        ModelLimits.require("hiddenSize", hiddenSize, ModelLimits.MAX_WIDTH);
        ModelLimits.require("vocabSize", vocabSize, ModelLimits.MAX_VOCAB);
        ModelLimits.require("moeLayerStep", moeLayerStep, ModelLimits.MAX_LAYERS);
        ModelLimits.require("maxContextTokens", maxContextTokens, ModelLimits.MAX_CONTEXT);
        if (firstDenseLayers < 0 || firstDenseLayers > numLayers) {
            throw new SpecException("firstDenseLayers", "must be in [0, numLayers " + numLayers + "], got "
                    + firstDenseLayers);
        }
        if (mtpModules < 0) {
            throw new SpecException("mtpModules", "must be >= 0, got " + mtpModules);
        }
        ModelLimits.requireAtMost("mtpModules", mtpModules, ModelLimits.MAX_LAYERS);
        if (denseIntermediateSize < 0) {
            throw new SpecException("denseIntermediateSize", "must be >= 0, got " + denseIntermediateSize);
        }
        ModelLimits.requireAtMost("denseIntermediateSize", denseIntermediateSize, ModelLimits.MAX_INTERMEDIATE);
        int moeLayers = 0;
        for (int layer = firstDenseLayers; layer < numLayers; layer++) {
            moeLayers += (layer + 1) % moeLayerStep == 0 ? 1 : 0;
        }
        if (moeLayers == 0) {
            throw new SpecException(firstDenseLayers > 0 ? "firstDenseLayers" : "moeLayerStep",
                    "leaves no MoE layer among numLayers " + numLayers + " (firstDenseLayers " + firstDenseLayers
                            + ", moeLayerStep " + moeLayerStep + ")");
        }
        if (moeLayers < numLayers && denseIntermediateSize == 0) {
            throw new SpecException("denseIntermediateSize", "must be > 0: " + (numLayers - moeLayers)
                    + " of numLayers " + numLayers + " layers are dense");
        }
        checkParameterBound(hiddenSize, vocabSize, numLayers + mtpModules, denseIntermediateSize, attention, moe);
        if (attention instanceof AttentionSpec.Gqa gqa && gqa.slidingWindowLayers() > 0) {
            int windowed = gqa.slidingWindowLayers();
            int global = numLayers - windowed;
            if (windowed > numLayers || (global > 0 && numLayers % global != 0)) {
                throw new SpecException("slidingWindowLayers", windowed + " of numLayers " + numLayers
                        + ": the full-attention layers must be every n-th layer for an integer n");
            }
            if (gqa.slidingWindowTokens() == 0) {
                throw new SpecException("slidingWindowTokens", "must be > 0 when slidingWindowLayers > 0");
            }
        }
    }

    /**
     * Whether decoder layer {@code layer} attends over a sliding window of
     * {@link AttentionSpec.Gqa#slidingWindowTokens()} tokens rather than the whole context.
     *
     * <p>The full-attention layers are every n-th layer, n = numLayers / (numLayers - slidingWindowLayers),
     * counting from one: gpt-oss alternates (layers 0, 2, 4, ... windowed; 1, 3, 5, ... full) and Llama 4
     * has one global layer in four (layers 3, 7, 11, ... global). MLA models never window.
     */
    public boolean isSlidingWindowLayer(int layer) {
        if (layer < 0 || layer >= numLayers) {
            throw new IndexOutOfBoundsException("layer " + layer + " of " + numLayers);
        }
        if (!(attention instanceof AttentionSpec.Gqa gqa) || gqa.slidingWindowLayers() == 0) {
            return false;
        }
        int global = numLayers - gqa.slidingWindowLayers();
        if (global == 0) {
            return true;
        }
        int period = numLayers / global;
        return (layer + 1) % period != 0;
    }

    /** Whether decoder layer {@code layer} (0-based, as in the checkpoint's tensor names) routes to experts. */
    public boolean isMoeLayer(int layer) {
        if (layer < 0 || layer >= numLayers) {
            throw new IndexOutOfBoundsException("layer " + layer + " of " + numLayers);
        }
        return layer >= firstDenseLayers && (layer + 1) % moeLayerStep == 0;
    }

    /** Number of MoE layers. */
    public int numMoeLayers() {
        int count = 0;
        for (int layer = 0; layer < numLayers; layer++) {
            if (isMoeLayer(layer)) {
                count++;
            }
        }
        return count;
    }

    /** Number of layers with a dense MLP. */
    public int numDenseLayers() {
        return numLayers - numMoeLayers();
    }

    /**
     * Refuses a model whose parameter count (an upper bound, every layer counted with a dense MLP, all
     * experts and attention) exceeds {@link ModelLimits#MAX_PARAMETERS}, naming the field of the largest term,
     * so that the accounting in 64-bit integers cannot overflow.
     */
    private static void checkParameterBound(int hidden, int vocab, int layers, int denseWidth, AttentionSpec attention,
                                            MoeSpec moe) {
        double d = hidden;
        double attn = switch (attention) {
            case AttentionSpec.Gqa g -> d * 2.0 * g.headDim() * ((double) g.numHeads() + g.numKvHeads());
            case AttentionSpec.Mla m -> {
                double h = m.numHeads();
                double qHead = (double) m.qkNopeHeadDim() + m.qkRopeHeadDim();
                double q = m.qLoraRank() > 0 ? d * m.qLoraRank() + m.qLoraRank() * h * qHead : d * h * qHead;
                yield q + d * ((double) m.kvLoraRank() + m.qkRopeHeadDim())
                        + m.kvLoraRank() * h * ((double) m.qkNopeHeadDim() + m.vHeadDim()) + h * m.vHeadDim() * d;
            }
        };
        double experts = 3.0 * d * ((double) moe.numRoutedExperts() * moe.expertIntermediateSize()
                + (double) moe.numSharedExperts() * moe.sharedExpertIntermediateSize()) + d * moe.numRoutedExperts();
        double dense = 3.0 * d * denseWidth;
        double embedding = 2.0 * vocab * d;
        double total = layers * (attn + experts + dense + 2.0 * d * d + 4.0 * d) + embedding;
        if (total > ModelLimits.MAX_PARAMETERS) {
            double top = Math.max(Math.max(layers * attn, layers * experts), Math.max(layers * dense, embedding));
            String field = top == layers * experts ? "numRoutedExperts" : top == layers * dense ? "denseIntermediateSize"
                    : top == embedding ? "vocabSize" : "hiddenSize";
            throw new SpecException(field, String.format(java.util.Locale.ROOT,
                    "the model would hold about %.3g parameters, more than moesim's limit of %.0e", total,
                    ModelLimits.MAX_PARAMETERS));
        }
    }

    static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new SpecException(name, "must be > 0, got " + value);
        }
    }
}
