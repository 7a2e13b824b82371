package io.moesim.simulator.analytic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.spec.StepProfile;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.Quantity;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class StepModelTest {

    private static final Scenario DECODE = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"));
    private static final Scenario PREFILL = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-prefill.yaml"));

    private static StepModel model(Scenario s, Pool pool, HardwareProfile hardware) {
        return new StepModel(s.model(), hardware, s.precision(), pool, s.placement().redundantExperts());
    }

    private static Quantity times(Quantity q, double factor) {
        return new Quantity(q.value() * factor, q.unit(), q.kind(), q.source());
    }

    private static HardwareProfile withHbm(HardwareProfile h, double factor) {
        HardwareProfile.Gpu g = h.gpu();
        return new HardwareProfile(h.id(), h.name(), h.description(), new HardwareProfile.Gpu(g.peakFlopsPerSecond(),
                g.hbmBytes(), times(g.hbmBytesPerSecond(), factor), g.powerWatts(), g.runtimeReservedBytes()),
                h.network(), h.price(), h.efficiency());
    }

    private static HardwareProfile withLinks(HardwareProfile h, double factor) {
        HardwareProfile.Efficiency e = h.efficiency();
        return new HardwareProfile(h.id(), h.name(), h.description(), h.gpu(), h.network(), h.price(),
                new HardwareProfile.Efficiency(e.gemmCompute(), e.gemmHbmFraction(), e.attentionComputeFraction(),
                        e.attentionHbmFraction(), times(e.nvlinkBytesPerSecond(), factor),
                        times(e.nvlinkLowLatencyBytesPerSecond(), factor), times(e.rdmaBytesPerSecond(), factor),
                        times(e.rdmaLowLatencyBytesPerSecond(), factor), e.collectiveLatencySeconds()));
    }

    private static void neverSlower(UnaryOperator<HardwareProfile> faster) {
        for (Scenario s : new Scenario[] {DECODE, PREFILL}) {
            for (Pool pool : s.deployment().pools()) {
                for (int micro = 1; micro <= 2; micro++) {
                    Pool p = new Pool(pool.role(), pool.gpus(), pool.attentionTp(), pool.attentionDp(), pool.ep(),
                            pool.maxBatchPerGpu(), pool.maxTokensPerGpu(), micro);
                    StepModel base = model(s, p, s.hardware());
                    StepModel better = model(s, p, faster.apply(s.hardware()));
                    StepProfile profile = pool.role().decodes() ? base.decodeProfile(4989) : base.prefillProfile(2527, 1962);
                    for (double tokens : new double[] {1, 7, 64, 128, 1000, 16384}) {
                        double slow = base.step(profile, tokens).stepSeconds();
                        double fast = better.step(profile, tokens).stepSeconds();
                        assertTrue(fast <= slow, tokens + " tokens: " + fast + " > " + slow);
                    }
                }
            }
        }
    }

    @Test
    void moreHbmBandwidthIsNeverSlower() {
        neverSlower(h -> withHbm(h, 1.5));
    }

    @Test
    void moreLinkBandwidthIsNeverSlower() {
        neverSlower(h -> withLinks(h, 2));
    }

    @Test
    void moreTokensAreNeverFasterPerStep() {
        for (Scenario s : new Scenario[] {DECODE, PREFILL}) {
            Pool pool = s.deployment().pools().getFirst();
            StepModel model = model(s, pool, s.hardware());
            StepProfile profile = pool.role().decodes() ? model.decodeProfile(4989) : model.prefillProfile(2527, 1962);
            double last = 0;
            for (double tokens = 1; tokens <= 32768; tokens *= 1.25) {
                double step = model.step(profile, tokens).stepSeconds();
                assertTrue(step >= last, tokens + " tokens: " + step + " < " + last);
                last = step;
            }
        }
    }

    @Test
    void smallExpertGemmIsBoundByStreamingItsWeights() {
        Pool pool = DECODE.deployment().decode();
        StepModel model = model(DECODE, pool, DECODE.hardware());
        HardwareProfile h = DECODE.hardware();
        // One FP8 expert (3 x 7168 x 2048 weights) with 8 tokens: weights / (3.352 TB/s x 0.71).
        double weights = 3 * 7168.0 * 2048;
        double expected = weights / (h.gpu().hbmBytesPerSecond().value() * h.efficiency().gemmHbmFraction().value());
        assertEquals(expected, model.gemm(2 * 8 * weights, weights, 8, io.moesim.simulator.hardware.DataType.FP8), 1e-12);
    }

    @Test
    void interNodeAllToAllIsSlowerThanInsideTheNvlinkDomain() {
        Pool ep8 = new Pool(Pool.Role.DECODE, 8, 1, 8, 8, 128, 0, 1);
        Pool ep16 = new Pool(Pool.Role.DECODE, 16, 1, 16, 16, 128, 0, 1);
        double inside = model(DECODE, ep8, DECODE.hardware()).allToAll(io.moesim.models.spec.Phase.DECODE, 128, 1);
        double across = model(DECODE, ep16, DECODE.hardware()).allToAll(io.moesim.models.spec.Phase.DECODE, 128, 1);
        assertTrue(across > inside);
        // GB200 NVL72: EP72 stays on NVLink.
        Scenario gb = Scenarios.load(Scenarios.shipped("deepseek-r1-gb200-nvl72.yaml"));
        Pool ep72 = new Pool(Pool.Role.DECODE, 72, 1, 72, 72, 128, 0, 1);
        double rack = model(gb, ep72, gb.hardware()).allToAll(io.moesim.models.spec.Phase.DECODE, 128, 1);
        assertTrue(rack < across);
    }
}
