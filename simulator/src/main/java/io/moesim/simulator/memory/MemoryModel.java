package io.moesim.simulator.memory;

import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.ModelAccounting;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.ParameterCounts;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Precision;
import io.moesim.simulator.scenario.Scenario;

/**
 * HBM per GPU of a pool. Assumptions (also in {@code docs/results.md}):
 * <ul>
 *   <li>Weights: attention, dense MLPs and shared experts are split {@code tp} ways (replicated over
 *       DP); routed experts hold {@code ceil((routed + redundant) / ep)} expert slots per GPU per MoE
 *       layer (the fullest GPU's: when they do not divide evenly, some GPUs hold one fewer);
 *       embedding and LM head are split over {@code tp} (vocabulary-parallel) at BF16 unless the
 *       weights are wider; routers and norms are replicated at BF16. MTP modules are not deployed.
 *       FP8/FP4 block scales are not counted (1/16,384 of FP8 weights at DeepSeek's 128x128 blocks).</li>
 *   <li>KV cache: a decoding GPU holds {@code tp x maxBatchPerGpu} sequences of its attention group at
 *       their mean steady-state length, input + output / 2 (continuous batching with paged KV keeps
 *       sequences at all stages of generation); GQA heads are split {@code min(tp, kvHeads)} ways, MLA's
 *       latent is replicated over TP. A prefilling GPU holds the KV of the tokens of its step and their
 *       cached prefixes: {@code maxTokensPerGpu / (1 - prefixCacheHitRate)} tokens.</li>
 *   <li>Activations: the peak of one layer, the larger of the attention and the MoE working sets, plus
 *       the residual stream (3 BF16 vectors per token) and FP32 logits of the tokens that need them.</li>
 *   <li>Buffers (when {@code ep > 1}): decode uses low-latency all-to-all buffers laid out as DeepEP does,
 *       a slot for every sender's full batch at every local expert, twice (double buffering):
 *       {@code 2 x slots x ep x batch x hidden x (dispatch + combine bytes)}; prefill uses buffers that
 *       hold one step's received tokens, {@code tokens x topK x hidden x (dispatch + combine bytes)}.</li>
 * </ul>
 */
public final class MemoryModel {

    private MemoryModel() {
    }

    /** Memory of one GPU of {@code pool} in {@code scenario}. */
    public static PoolMemory of(Scenario scenario, Pool pool) {
        ModelSpec spec = scenario.model();
        Precision precision = scenario.precision();
        double capacity = scenario.hardware().gpu().hbmBytes().value();
        double reserved = scenario.hardware().gpu().runtimeReservedBytes().value();
        double weights = weightsBytes(spec, precision, pool, scenario.placement().redundantExperts());
        double activations = activationBytes(scenario, pool);
        double buffers = bufferBytes(scenario, pool);
        double kvPerToken = kvBytesPerTokenPerGpu(spec, precision, pool.attentionTp());
        double free = capacity - weights - activations - buffers - reserved;
        double capacityTokens = Math.max(0, free) / kvPerToken;
        double tokensNeeded = kvTokensNeeded(scenario, pool);
        double kvBytes = tokensNeeded * kvPerToken;
        return new PoolMemory(weights, kvBytes, activations, buffers, reserved, capacity, capacityTokens, tokensNeeded);
    }

    /** Weight bytes one GPU of {@code pool} holds. */
    public static double weightsBytes(ModelSpec spec, Precision precision, Pool pool, int redundantExperts) {
        ParameterCounts p = ModelAccounting.parameters(spec);
        double tp = pool.attentionTp();
        // The fullest GPU: ceil((routed + redundant) / ep) slots (some GPUs hold one fewer when they do not divide).
        double slotsPerGpu = io.moesim.simulator.routing.ExpertPlacement.slotsPerGpu(
                spec.moe().numRoutedExperts() + redundantExperts, pool.ep());
        double routed = slotsPerGpu * ModelAccounting.routedExpertWeights(spec) * spec.numMoeLayers();
        double experts = precision.weights(Precision.Module.EXPERTS).bytes();
        double sharded = (p.attention() * precision.weights(Precision.Module.ATTENTION).bytes()
                + p.denseMlp() * precision.weights(Precision.Module.DENSE).bytes() + p.sharedExperts() * experts) / tp;
        double vocab = (p.embedding() + p.lmHead()) / tp;
        return sharded + routed * experts + vocab * precision.embeddingBytes()
                + p.routers() * precision.weights(Precision.Module.ROUTER).bytes() + p.norms() * 2.0;
    }

    /** KV-cache bytes one token of a sequence occupies on one GPU of an attention group of {@code tp} GPUs. */
    public static double kvBytesPerTokenPerGpu(ModelSpec spec, Precision precision, int tp) {
        double perToken = ModelAccounting.kvCacheBytesPerToken(spec, precision.kvCache().bytes());
        return perToken / kvShards(spec, tp);
    }

    /** Ways the KV cache of one sequence is split over an attention group of {@code tp} GPUs. */
    static int kvShards(ModelSpec spec, int tp) {
        return switch (spec.attention()) {
            case AttentionSpec.Gqa g -> Math.min(tp, g.numKvHeads());
            case AttentionSpec.Mla m -> 1;
        };
    }

    /** Mean context of a decoding sequence: input + output / 2. */
    public static double meanDecodeContext(Scenario scenario) {
        return scenario.workload().inputTokens().mean() + scenario.workload().outputTokens().mean() / 2;
    }

    static double kvTokensNeeded(Scenario scenario, Pool pool) {
        double tokens = 0;
        if (pool.role().decodes()) {
            tokens += (double) pool.attentionTp() * pool.maxBatchPerGpu() * meanDecodeContext(scenario);
        }
        if (pool.role().prefills()) {
            tokens += (double) pool.attentionTp() * pool.maxTokensPerGpu() / (1 - scenario.workload().prefixCacheHitRate());
        }
        // With sliding-window layers the windowed layers hold less; scale by the sequence-level ratio.
        ModelSpec spec = scenario.model();
        double context = Math.max(1, Math.round(meanDecodeContext(scenario)));
        double full = ModelAccounting.kvCacheBytesPerToken(spec, 1.0) * context;
        double held = ModelAccounting.kvCacheBytesForSequence(spec, 1.0, (long) context);
        return tokens * held / full;
    }

    static double activationBytes(Scenario scenario, Pool pool) {
        ModelSpec spec = scenario.model();
        Precision precision = scenario.precision();
        double d = spec.hiddenSize();
        double tp = pool.attentionTp();
        double tokens = Math.max(pool.role().decodes() ? pool.maxBatchPerGpu() : 0,
                pool.role().prefills() ? pool.maxTokensPerGpu() : 0);
        double groupTokens = tokens * tp;
        double residual = 3 * groupTokens * d * 2;
        double attention = switch (spec.attention()) {
            case AttentionSpec.Gqa g -> groupTokens * (g.numHeads() + 2.0 * g.numKvHeads()) / Math.min(tp, g.numHeads())
                    * g.headDim() * 2;
            case AttentionSpec.Mla m -> groupTokens * m.numHeads() / tp
                    * (2.0 * (m.qkNopeHeadDim() + m.qkRopeHeadDim()) + m.vHeadDim()) * 2;
        };
        double moe = tokens * spec.moe().topK()
                * (d * precision.dispatch().bytes() + 2.0 * spec.moe().expertIntermediateSize() * 2 + d * 2);
        double newTokensPerSequence = Math.max(1, (1 - scenario.workload().prefixCacheHitRate())
                * scenario.workload().inputTokens().mean());
        double logitRows = pool.role().decodes() ? groupTokens : Math.max(1, groupTokens / newTokensPerSequence);
        double logits = logitRows * spec.vocabSize() / tp * 4;
        return residual + Math.max(Math.max(attention, moe), logits);
    }

    static double bufferBytes(Scenario scenario, Pool pool) {
        if (pool.ep() == 1) {
            return 0;
        }
        ModelSpec spec = scenario.model();
        Precision precision = scenario.precision();
        double message = spec.hiddenSize() * (precision.dispatch().bytes() + precision.combine().bytes());
        double decode = 0;
        double prefill = 0;
        if (pool.role().decodes()) {
            double slots = (double) (spec.moe().numRoutedExperts() + scenario.placement().redundantExperts()) / pool.ep();
            decode = 2 * slots * pool.ep() * pool.maxBatchPerGpu() * message;
        }
        if (pool.role().prefills()) {
            prefill = (double) pool.maxTokensPerGpu() * spec.moe().topK() * message;
        }
        return Math.max(decode, prefill);
    }
}
