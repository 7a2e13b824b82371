package io.moesim.models.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelAccountingTest {

    private static ModelSpec catalog(String id) {
        return ModelSpecs.catalogEntry(id).orElseThrow().spec();
    }

    private static void assertRelative(double expected, double actual, double tolerance, String what) {
        double error = Math.abs(actual - expected) / expected;
        assertTrue(error <= tolerance, String.format("%s: %.4g vs published %.4g, error %.2f%% > %.0f%%",
                what, actual, expected, 100 * error, 100 * tolerance));
    }

    /** Every catalog model against its published total (2%) and active (5%) counts. */
    @Test
    void catalogMatchesPublishedTotalsAndActive() {
        for (CatalogEntry entry : ModelSpecs.catalog()) {
            PublishedSize published = entry.published().orElseThrow();
            ParameterCounts counts = ModelAccounting.parameters(entry.spec());
            assertRelative(published.totalParameters(), counts.total(), 0.02, entry.id() + " total");
            assertRelative(published.activeParameters(), published.comparableActive(counts), 0.05,
                    entry.id() + " active");
        }
    }

    /** The figures the brief names, each asserted explicitly. */
    @Test
    void headlineModels() {
        record Case(String id, double total, double active) { }
        for (Case c : List.of(new Case("deepseek-v3", 671e9, 37e9), new Case("mixtral-8x7b", 46.7e9, 12.9e9),
                new Case("qwen3-235b-a22b", 235e9, 22e9), new Case("qwen3-30b-a3b", 30.5e9, 3.3e9),
                new Case("kimi-k2", 1.04e12, 32e9), new Case("olmoe-1b-7b", 6.9e9, 1.3e9))) {
            ParameterCounts p = ModelAccounting.parameters(catalog(c.id()));
            assertRelative(c.total(), p.total(), 0.02, c.id() + " total");
            double active = c.id().startsWith("deepseek") || c.id().startsWith("kimi")
                    ? p.activePerTokenExcludingEmbedding() : p.activePerToken();
            assertRelative(c.active(), active, 0.05, c.id() + " active");
        }
    }

    /** Mixtral 8x7B by hand: every component is a product of config numbers. */
    @Test
    void mixtralByHand() {
        ParameterCounts p = ModelAccounting.parameters(catalog("mixtral-8x7b"));
        long d = 4096;
        assertEquals(32000L * d, p.embedding());
        assertEquals(32000L * d, p.lmHead());
        assertEquals(32L * (d * 4096 + 2 * d * 1024 + 4096 * d), p.attention());
        assertEquals(32L * 8 * 3 * d * 14336, p.routedExperts());
        assertEquals(32L * 2 * 3 * d * 14336, p.activeRoutedExperts());
        assertEquals(32L * 8 * d, p.routers());
        assertEquals(32L * 2 * d + d, p.norms());
        assertEquals(0, p.denseMlp() + p.sharedExperts() + p.mtp());
        assertEquals(46_702_792_704L, p.total());
    }

    /** DeepSeek-V3's MTP module: excluded from 671B; with it the checkpoint holds about 685B. */
    @Test
    void deepSeekV3MtpExcludedFromHeadline() {
        ParameterCounts p = ModelAccounting.parameters(catalog("deepseek-v3"));
        long d = 7168;
        long mla = d * 1536 + 1536L * 128 * 192 + d * 576 + 512L * 128 * 256 + 128L * 128 * d;
        assertEquals(mla, ModelAccounting.attentionWeightsPerLayer(catalog("deepseek-v3")));
        assertEquals(58L * 256 * 3 * d * 2048, p.routedExperts());
        assertEquals(58L * (256 * d + 256), p.routers());
        assertEquals(3L * 3 * d * 18432, p.denseMlp());
        // published: 685B on Hugging Face = 671B main + 14B MTP (the MTP figure counts the shared
        // embedding and head again, which ParameterCounts does not: 11.5B + 1.9B)
        assertRelative(685e9, p.totalWithMtp() + p.embedding() + p.lmHead(), 0.02, "deepseek-v3 with MTP");
    }

    @Test
    void kvCacheBytesPerTokenByHand() {
        assertEquals(61.0 * (512 + 64) * 2, ModelAccounting.kvCacheBytesPerToken(catalog("deepseek-v3"), 2));
        assertEquals(32.0 * 2 * 8 * 128 * 2, ModelAccounting.kvCacheBytesPerToken(catalog("mixtral-8x7b"), 2));
        assertEquals(94.0 * 2 * 4 * 128 * 1, ModelAccounting.kvCacheBytesPerToken(catalog("qwen3-235b-a22b"), 1));
        assertEquals(576, ModelAccounting.kvCacheElementsPerTokenPerLayer(catalog("kimi-k2")));
    }

    @Test
    void slidingWindowLayersHoldAtMostTheWindow() {
        ModelSpec gptOss = catalog("gpt-oss-120b");
        long perLayer = 2L * 8 * 64;
        assertEquals((18.0 * 100_000 + 18.0 * 128) * perLayer * 2,
                ModelAccounting.kvCacheBytesForSequence(gptOss, 2, 100_000));
        assertEquals(36.0 * 100 * perLayer * 2, ModelAccounting.kvCacheBytesForSequence(gptOss, 2, 100));
        assertEquals(ModelAccounting.kvCacheBytesPerToken(catalog("mixtral-8x7b"), 2) * 5000,
                ModelAccounting.kvCacheBytesForSequence(catalog("mixtral-8x7b"), 2, 5000));
    }

    @Test
    void averageAttendedTokensUnderCausalMaskAndWindow() {
        assertEquals(1001, ModelAccounting.averageAttended(1000, 1, Long.MAX_VALUE));
        assertEquals(2.5, ModelAccounting.averageAttended(0, 4, Long.MAX_VALUE)); // 1, 2, 3, 4
        assertEquals(128, ModelAccounting.averageAttended(5000, 1, 128));
        assertEquals((1 + 2 + 3 + 3 + 3) / 5.0, ModelAccounting.averageAttended(0, 5, 3));
        assertEquals((3 + 3) / 2.0, ModelAccounting.averageAttended(4, 2, 3));
    }

    /** Decode FLOPs: 2 x weights touched (without embedding) plus the attention core over the context. */
    @Test
    void decodeProfileOfMixtral() {
        ModelSpec m = catalog("mixtral-8x7b");
        StepProfile step = ModelAccounting.stepProfile(m, Phase.DECODE, 4095, 1);
        assertEquals(1, step.layerGroups().size());
        LayerGroup layers = step.layerGroups().getFirst();
        assertEquals(32, layers.layers());
        OpCost core = layers.op(OpCost.Op.ATTENTION_CORE).orElseThrow();
        assertEquals(4.0 * 32 * 128 * 4096, core.flopsPerToken());
        assertEquals(4095.0 * 2 * 8 * 128, core.kvElementsReadPerToken());
        assertEquals(2 * 8 * 128, core.kvElementsWrittenPerToken());
        OpCost experts = layers.op(OpCost.Op.ROUTED_EXPERTS).orElseThrow();
        assertEquals(8, experts.experts());
        assertEquals(3L * 4096 * 14336, experts.weightParamsPerExpert());
        ParameterCounts p = ModelAccounting.parameters(m);
        double weightFlops = 2.0 * (p.activePerTokenExcludingEmbedding() - p.norms());
        assertEquals(weightFlops + 32 * core.flopsPerToken(), step.flopsPerToken(), 1.0);
        assertEquals(32 * 4095.0 * 2 * 8 * 128, step.kvElementsReadPerToken());
    }

    /** MLA: decode runs absorbed over the 576-wide latent, prefill decompressed over 192/128-wide heads. */
    @Test
    void mlaAttentionFormsByPhase() {
        ModelSpec v3 = catalog("deepseek-v3");
        StepProfile decode = ModelAccounting.stepProfile(v3, Phase.DECODE, 999, 1);
        OpCost core = decode.layerGroups().getFirst().op(OpCost.Op.ATTENTION_CORE).orElseThrow();
        assertEquals(1000 * 2.0 * 128 * (512 + 64 + 512), core.flopsPerToken());
        assertEquals(999.0 * 576, core.kvElementsReadPerToken());
        assertEquals(576, core.kvElementsWrittenPerToken());
        assertEquals(2.0 * ModelAccounting.attentionWeightsPerLayer(v3),
                decode.layerGroups().getFirst().op(OpCost.Op.ATTENTION_PROJECTIONS).orElseThrow().flopsPerToken());

        StepProfile prefill = ModelAccounting.stepProfile(v3, Phase.PREFILL, 0, 1000);
        OpCost prefillCore = prefill.layerGroups().getFirst().op(OpCost.Op.ATTENTION_CORE).orElseThrow();
        assertEquals(500.5 * 2.0 * 128 * (128 + 64 + 128), prefillCore.flopsPerToken());
        assertEquals(0, prefillCore.kvElementsReadPerToken());
        assertEquals(2.0 * 7168 * 129280 / 1000, prefill.lmHead().flopsPerToken());

        // a chunk after a cached prefix reads the prefix's latents once and decompresses them
        StepProfile chunk = ModelAccounting.stepProfile(v3, Phase.PREFILL, 3000, 1000);
        LayerGroup dense = chunk.layerGroups().getFirst();
        assertEquals(3000.0 * 576 / 1000, dense.op(OpCost.Op.ATTENTION_CORE).orElseThrow().kvElementsReadPerToken());
        double kvB = 512.0 * 128 * 256;
        assertEquals(2.0 * ModelAccounting.attentionWeightsPerLayer(v3) + 2.0 * kvB * 3,
                dense.op(OpCost.Op.ATTENTION_PROJECTIONS).orElseThrow().flopsPerToken());
    }

    @Test
    void deepSeekV3LayerGroupsAndOps() {
        StepProfile step = ModelAccounting.stepProfile(catalog("deepseek-v3"), Phase.DECODE, 0, 1);
        assertEquals(2, step.layerGroups().size());
        LayerGroup dense = step.layerGroups().get(0);
        LayerGroup moe = step.layerGroups().get(1);
        assertEquals(List.of(false, 3), List.of(dense.moe(), dense.layers()));
        assertEquals(List.of(true, 58), List.of(moe.moe(), moe.layers()));
        assertEquals(List.of(OpCost.Op.ATTENTION_PROJECTIONS, OpCost.Op.ATTENTION_CORE, OpCost.Op.DENSE_MLP),
                dense.ops().stream().map(OpCost::op).toList());
        assertEquals(List.of(OpCost.Op.ATTENTION_PROJECTIONS, OpCost.Op.ATTENTION_CORE, OpCost.Op.ROUTER,
                OpCost.Op.ROUTED_EXPERTS, OpCost.Op.SHARED_EXPERTS), moe.ops().stream().map(OpCost::op).toList());
        assertEquals(2.0 * 8 * 3 * 7168 * 2048, moe.op(OpCost.Op.ROUTED_EXPERTS).orElseThrow().flopsPerToken());
        assertEquals(2.0 * 7168 * 129280, step.lmHead().flopsPerToken());
    }

    @Test
    void llama4GroupsInterleavedMoeAndChunkedLayers() {
        StepProfile step = ModelAccounting.stepProfile(catalog("llama4-maverick"), Phase.DECODE, 100_000, 1);
        int moeWindowed = 0;
        int moeGlobal = 0;
        int denseWindowed = 0;
        for (LayerGroup g : step.layerGroups()) {
            assertTrue(g.moe() || g.slidingWindow(), "Llama 4's global layers are all MoE layers");
            if (g.moe() && g.slidingWindow()) {
                moeWindowed = g.layers();
            } else if (g.moe()) {
                moeGlobal = g.layers();
                assertEquals(100_000.0 * 2 * 8 * 128,
                        g.op(OpCost.Op.ATTENTION_CORE).orElseThrow().kvElementsReadPerToken());
            } else {
                denseWindowed = g.layers();
                assertEquals(8191.0 * 2 * 8 * 128,
                        g.op(OpCost.Op.ATTENTION_CORE).orElseThrow().kvElementsReadPerToken());
            }
        }
        assertEquals(List.of(12, 12, 24), List.of(moeWindowed, moeGlobal, denseWindowed));
    }
}
