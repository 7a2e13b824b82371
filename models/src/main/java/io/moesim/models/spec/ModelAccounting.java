package io.moesim.models.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter, FLOP, weight-byte and KV-cache accounting of a {@link ModelSpec}.
 *
 * <ul>
 *   <li>{@link #parameters(ModelSpec)}: parameters by component, total and active per token
 *       (see {@link ParameterCounts} for what each figure counts);</li>
 *   <li>{@link #kvCacheElementsPerTokenPerLayer(ModelSpec)}, {@link #kvCacheBytesPerToken(ModelSpec, double)}
 *       and {@link #kvCacheBytesForSequence(ModelSpec, double, long)}: the KV cache;</li>
 *   <li>{@link #stepProfile(ModelSpec, Phase, long, long)}: FLOPs, weights and KV traffic op by op, the
 *       input of a roofline step-time model.</li>
 * </ul>
 *
 * <p>All MLPs (dense, routed and shared experts) are SwiGLU: gate and up (hidden x width) and down
 * (width x hidden), 3 x hidden x width weights and 6 x hidden x width FLOPs per token. Norms,
 * activations, softmax and rope are not counted as FLOPs (below 0.1% of a layer's FLOPs).
 */
public final class ModelAccounting {

    private ModelAccounting() {
    }

    // ---------------------------------------------------------------- parameters

    /** The model's parameters by component. */
    public static ParameterCounts parameters(ModelSpec spec) {
        long d = spec.hiddenSize();
        int moeLayers = spec.numMoeLayers();
        int denseLayers = spec.numDenseLayers();
        MoeSpec moe = spec.moe();

        long embedding = (long) spec.vocabSize() * d;
        long lmHead = spec.tiedEmbeddings() ? 0 : embedding;
        long attention = spec.numLayers() * attentionWeightsPerLayer(spec);
        long denseMlp = denseLayers * denseMlpWeightsPerLayer(spec);
        long routed = moeLayers * routedExpertWeights(spec) * moe.numRoutedExperts();
        long activeRouted = moeLayers * routedExpertWeights(spec) * moe.topK();
        long shared = moeLayers * sharedExpertWeightsPerLayer(spec);
        long routers = moeLayers * routerWeightsPerLayer(spec);
        long norms = spec.numLayers() * normWeightsPerLayer(spec) + d;
        long mtpPerModule = 2 * d + 2 * d * d + d // enorm, hnorm, eh_proj, shared_head norm
                + attentionWeightsPerLayer(spec) + normWeightsPerLayer(spec)
                + routedExpertWeights(spec) * moe.numRoutedExperts() + sharedExpertWeightsPerLayer(spec)
                + routerWeightsPerLayer(spec);
        long mtp = spec.mtpModules() * mtpPerModule;
        return new ParameterCounts(embedding, attention, denseMlp, routed, shared, routers, norms, lmHead, mtp,
                activeRouted);
    }

    /** Attention weights of one decoder layer (projections and their biases; norms not included). */
    public static long attentionWeightsPerLayer(ModelSpec spec) {
        long d = spec.hiddenSize();
        return switch (spec.attention()) {
            case AttentionSpec.Gqa g -> {
                long q = (long) g.numHeads() * g.headDim();
                long kv = (long) g.numKvHeads() * g.headDim();
                long weights = d * q + 2 * d * kv + q * d;
                yield weights + (g.qkvBias() ? q + 2 * kv : 0);
            }
            case AttentionSpec.Mla m -> {
                long h = m.numHeads();
                long qHead = m.qkNopeHeadDim() + m.qkRopeHeadDim();
                long q = m.qLoraRank() > 0 ? d * m.qLoraRank() + (long) m.qLoraRank() * h * qHead : d * h * qHead;
                long kvA = d * (m.kvLoraRank() + m.qkRopeHeadDim());
                long kvB = (long) m.kvLoraRank() * h * (m.qkNopeHeadDim() + m.vHeadDim());
                long o = h * m.vHeadDim() * d;
                yield q + kvA + kvB + o;
            }
        };
    }

    /** Weights of one routed expert: 3 x hidden x expert width. */
    public static long routedExpertWeights(ModelSpec spec) {
        return 3L * spec.hiddenSize() * spec.moe().expertIntermediateSize();
    }

    /** Weights of all shared experts of one MoE layer, with the shared-expert gate where there is one. */
    public static long sharedExpertWeightsPerLayer(ModelSpec spec) {
        MoeSpec moe = spec.moe();
        long weights = 3L * spec.hiddenSize() * moe.sharedExpertIntermediateSize() * moe.numSharedExperts();
        return weights + (moe.sharedExpertGate() ? spec.hiddenSize() : 0);
    }

    /** Router weights of one MoE layer: experts x hidden, plus the selection bias where there is one. */
    public static long routerWeightsPerLayer(ModelSpec spec) {
        MoeSpec moe = spec.moe();
        long weights = (long) moe.numRoutedExperts() * spec.hiddenSize();
        return weights + (moe.routing().selectionBias() ? moe.numRoutedExperts() : 0);
    }

    /** Weights of the dense MLP of one non-MoE layer. */
    public static long denseMlpWeightsPerLayer(ModelSpec spec) {
        return 3L * spec.hiddenSize() * spec.denseIntermediateSize();
    }

    private static long normWeightsPerLayer(ModelSpec spec) {
        long norms = 2L * spec.hiddenSize();
        return norms + switch (spec.attention()) {
            case AttentionSpec.Gqa g -> g.qkNorm() ? 2L * g.headDim() : 0;
            case AttentionSpec.Mla m -> (long) m.qLoraRank() + m.kvLoraRank();
        };
    }

    // ---------------------------------------------------------------- KV cache

    /**
     * KV-cache elements one token adds to one layer. MLA caches the compressed latent and the shared
     * rope key: kv_lora_rank + qk_rope_head_dim. GQA caches a key and a value per KV head:
     * 2 x kv_heads x head_dim.
     */
    public static long kvCacheElementsPerTokenPerLayer(ModelSpec spec) {
        return switch (spec.attention()) {
            case AttentionSpec.Gqa g -> 2L * g.numKvHeads() * g.headDim();
            case AttentionSpec.Mla m -> (long) m.kvLoraRank() + m.qkRopeHeadDim();
        };
    }

    /**
     * KV-cache bytes one token adds over all decoder layers (MTP modules not included), at
     * {@code bytesPerElement} (2 for BF16, 1 for FP8). Sliding-window layers are counted like full
     * ones: this is the cost of a token while it is inside every window, and what a cache that does not
     * free windowed entries allocates; {@link #kvCacheBytesForSequence} caps the windowed layers.
     */
    public static double kvCacheBytesPerToken(ModelSpec spec, double bytesPerElement) {
        requireBytes(bytesPerElement);
        return spec.numLayers() * kvCacheElementsPerTokenPerLayer(spec) * bytesPerElement;
    }

    /**
     * KV-cache bytes of one sequence of {@code tokens} tokens: full-attention layers hold every token,
     * sliding-window layers at most the window.
     */
    public static double kvCacheBytesForSequence(ModelSpec spec, double bytesPerElement, long tokens) {
        requireBytes(bytesPerElement);
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
        }
        double elements = 0;
        for (int layer = 0; layer < spec.numLayers(); layer++) {
            long held = spec.isSlidingWindowLayer(layer) ? Math.min(tokens, window(spec)) : tokens;
            elements += (double) held * kvCacheElementsPerTokenPerLayer(spec);
        }
        return elements * bytesPerElement;
    }

    private static void requireBytes(double bytesPerElement) {
        if (!(bytesPerElement > 0)) {
            throw new IllegalArgumentException("bytesPerElement must be > 0, got " + bytesPerElement);
        }
    }

    private static long window(ModelSpec spec) {
        return spec.attention() instanceof AttentionSpec.Gqa g && g.slidingWindowTokens() > 0
                ? g.slidingWindowTokens() : Long.MAX_VALUE;
    }

    // ---------------------------------------------------------------- per-operation step costs

    /**
     * The op-by-op cost of a forward step that adds {@code newTokens} tokens to a sequence holding
     * {@code cachedTokens} tokens in its KV cache. Plain decode: {@code newTokens = 1} and
     * {@code cachedTokens} the context so far. A whole prompt of L tokens: {@code cachedTokens = 0,
     * newTokens = L}; a chunk of chunked prefill or a prompt after a prefix-cache hit: cachedTokens = the
     * tokens before it.
     *
     * <p>Per new token:
     * <ul>
     *   <li>projection, router, expert, MLP FLOPs are 2 x the weights the token passes through (MLA:
     *       also in the absorbed form, where kv_b acts on the query and the output rather than on the
     *       cached token: the same FLOPs). Routed experts: the token's top-k;</li>
     *   <li>attention core FLOPs: token at position p attends min(p + 1, window) tokens (causal, itself
     *       included); the figure is the average over the step's new tokens. Per attended token and
     *       head: GQA 4 x head_dim; MLA decode (absorbed) 2 x (kv_lora + rope) + 2 x kv_lora; MLA prefill
     *       (decompressed) 2 x (nope + rope) + 2 x v_head_dim;</li>
     *   <li>KV read: the cached tokens the step attends (all of them, or the last window - 1 for
     *       windowed layers) read once per step, divided by newTokens: decode at context C reads
     *       C x elements per token. The step's own keys and values are produced by the step and counted
     *       as written, not read;</li>
     *   <li>MLA prefill after a cached prefix also decompresses the prefix's latents with kv_b: that is
     *       added to the attention projections' FLOPs (2 x kv_b weights x cached / new);</li>
     *   <li>LM head: DECODE computes logits for every new token; PREFILL only for the last token of the
     *       step (so 2 x hidden x vocab / newTokens per token).</li>
     * </ul>
     * Not included: the embedding lookup (one row per token), norms, the MTP modules (add them as one
     * more MoE layer per module when modelling MTP speculative decoding).
     */
    public static StepProfile stepProfile(ModelSpec spec, Phase phase, long cachedTokens, long newTokens) {
        if (cachedTokens < 0) {
            throw new IllegalArgumentException("cachedTokens must be >= 0, got " + cachedTokens);
        }
        ModelSpec.requirePositive("newTokens", newTokens);
        Map<List<Boolean>, Integer> counts = new LinkedHashMap<>();
        for (int layer = 0; layer < spec.numLayers(); layer++) {
            counts.merge(List.of(spec.isMoeLayer(layer), spec.isSlidingWindowLayer(layer)), 1, Integer::sum);
        }
        List<LayerGroup> groups = new ArrayList<>();
        for (Map.Entry<List<Boolean>, Integer> entry : counts.entrySet()) {
            boolean moeLayer = entry.getKey().get(0);
            boolean windowed = entry.getKey().get(1);
            groups.add(new LayerGroup(moeLayer, windowed, entry.getValue(),
                    layerOps(spec, phase, cachedTokens, newTokens, moeLayer, windowed)));
        }
        long d = spec.hiddenSize();
        long vocab = spec.vocabSize();
        double headFlops = 2.0 * d * vocab / (phase == Phase.PREFILL ? newTokens : 1);
        OpCost lmHead = new OpCost(OpCost.Op.LM_HEAD, headFlops, d * vocab, 1, 0, 0);
        return new StepProfile(phase, cachedTokens, newTokens, groups, lmHead);
    }

    private static List<OpCost> layerOps(ModelSpec spec, Phase phase, long cached, long fresh, boolean moeLayer,
                                         boolean windowed) {
        long window = windowed ? window(spec) : Long.MAX_VALUE;
        double attended = averageAttended(cached, fresh, window);
        long cachedRead = windowed ? Math.min(cached, window - 1) : cached;
        long kvElements = kvCacheElementsPerTokenPerLayer(spec);
        long attentionWeights = attentionWeightsPerLayer(spec);
        double projectionFlops = 2.0 * attentionWeights;
        double coreFlopsPerAttended = switch (spec.attention()) {
            case AttentionSpec.Gqa g -> 4.0 * g.numHeads() * g.headDim();
            case AttentionSpec.Mla m -> phase == Phase.DECODE
                    ? 2.0 * m.numHeads() * (2.0 * m.kvLoraRank() + m.qkRopeHeadDim())
                    : 2.0 * m.numHeads() * (m.qkNopeHeadDim() + m.qkRopeHeadDim() + m.vHeadDim());
        };
        if (spec.attention() instanceof AttentionSpec.Mla m && phase == Phase.PREFILL) {
            double kvB = (double) m.kvLoraRank() * m.numHeads() * (m.qkNopeHeadDim() + m.vHeadDim());
            projectionFlops += 2.0 * kvB * cachedRead / fresh;
        }
        List<OpCost> ops = new ArrayList<>();
        ops.add(new OpCost(OpCost.Op.ATTENTION_PROJECTIONS, projectionFlops, attentionWeights, 1, 0, 0));
        ops.add(new OpCost(OpCost.Op.ATTENTION_CORE, coreFlopsPerAttended * attended, 0, 1,
                (double) cachedRead * kvElements / fresh, kvElements));
        if (moeLayer) {
            MoeSpec moe = spec.moe();
            long router = routerWeightsPerLayer(spec);
            ops.add(new OpCost(OpCost.Op.ROUTER, 2.0 * moe.numRoutedExperts() * spec.hiddenSize(), router, 1, 0, 0));
            long expert = routedExpertWeights(spec);
            ops.add(new OpCost(OpCost.Op.ROUTED_EXPERTS, 2.0 * expert * moe.topK(), expert * moe.numRoutedExperts(),
                    moe.numRoutedExperts(), 0, 0));
            if (moe.numSharedExperts() > 0) {
                long shared = sharedExpertWeightsPerLayer(spec);
                ops.add(new OpCost(OpCost.Op.SHARED_EXPERTS, 2.0 * shared, shared, 1, 0, 0));
            }
        } else if (spec.denseIntermediateSize() > 0) {
            long dense = denseMlpWeightsPerLayer(spec);
            ops.add(new OpCost(OpCost.Op.DENSE_MLP, 2.0 * dense, dense, 1, 0, 0));
        }
        return ops;
    }

    /**
     * Average over new tokens at positions cached .. cached + fresh - 1 of min(position + 1, window):
     * the tokens each attends under a causal mask (itself included).
     */
    static double averageAttended(long cached, long fresh, long window) {
        double first = cached + 1;
        double last = cached + fresh;
        double sum;
        if (last <= window) {
            sum = (first + last) * fresh / 2.0;
        } else if (first >= window) {
            sum = (double) window * fresh;
        } else {
            sum = (first + window) * (window - first + 1) / 2.0 + (last - window) * (double) window;
        }
        return sum / fresh;
    }
}
