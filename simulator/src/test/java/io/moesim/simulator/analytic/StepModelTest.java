package io.moesim.simulator.analytic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.Quantity;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class StepModelTest {

    static final Scenario DECODE = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"));
    static final Scenario PREFILL = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-prefill.yaml"));

    static StepModel model(Scenario s, int gpus, int micro, HardwareProfile hardware) {
        return new StepModel(s.model(), hardware, s.precision(),
                new StepModel.Shape(gpus, 1, micro, s.placement().redundantExperts()));
    }

    private static Quantity times(Quantity q, double factor) {
        return new Quantity(q.value() * factor, q.unit(), q.kind(), q.source());
    }

    private static HardwareProfile withHbm(HardwareProfile h, double factor) {
        HardwareProfile.Gpu g = h.gpu();
        return new HardwareProfile(h.id(), h.name(), h.description(), new HardwareProfile.Gpu(g.peakFlopsPerSecond(),
                g.hbmBytes(), times(g.hbmBytesPerSecond(), factor), g.powerWatts(), g.runtimeReservedBytes()),
                h.network(), h.price(), h.kernels());
    }

    static HardwareProfile withLinks(HardwareProfile h, double factor) {
        io.moesim.simulator.kernels.KernelProfile k = h.kernels();
        for (io.moesim.simulator.kernels.KernelTable t : k.tables().values()) {
            if (t.unit().equals("B/s")) {
                double[][] v = new double[t.values().length][];
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.values()[i].clone();
                    for (int j = 0; j < v[i].length; j++) {
                        v[i][j] *= factor;
                    }
                }
                k = k.with(new io.moesim.simulator.kernels.KernelTable(t.key(), t.unit(), t.basis(), t.source(),
                        t.fallback(), t.axes(), t.first(), t.second(), v));
            }
        }
        return h.withKernels(k);
    }

    private static double step(StepModel model, boolean decode, double tokensPerGpu) {
        return model.step(decode ? model.decodeBatch(tokensPerGpu, 4989) : model.prefillBatch(tokensPerGpu, 2527, 1962))
                .stepSeconds();
    }

    private static void neverSlower(UnaryOperator<HardwareProfile> faster) {
        for (Scenario s : new Scenario[] {DECODE, PREFILL}) {
            boolean decode = s == DECODE;
            int gpus = decode ? 144 : 32;
            for (int micro = 1; micro <= 2; micro++) {
                StepModel base = model(s, gpus, micro, s.hardware());
                StepModel better = model(s, gpus, micro, faster.apply(s.hardware()));
                for (double tokens : new double[] {1, 7, 64, 128, 1000, 16384}) {
                    double slow = step(base, decode, tokens);
                    double fast = step(better, decode, tokens);
                    assertTrue(fast <= slow, tokens + " tokens: " + fast + " > " + slow);
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
            boolean decode = s == DECODE;
            StepModel model = model(s, decode ? 144 : 32, 2, s.hardware());
            double last = 0;
            for (double tokens = 1; tokens <= 32768; tokens *= 1.25) {
                double step = step(model, decode, tokens);
                assertTrue(step >= last, tokens + " tokens: " + step + " < " + last);
                last = step;
            }
        }
    }

    @Test
    void smallExpertGemmIsBoundByStreamingItsWeights() {
        StepModel model = model(DECODE, 144, 2, DECODE.hardware());
        HardwareProfile h = DECODE.hardware();
        // One FP8 expert (3 x 7168 x 2048 weights) with 8 tokens: weights / (3.352 TB/s x 0.71).
        double weights = 3 * 7168.0 * 2048;
        double expected = weights / (h.gpu().hbmBytesPerSecond().value() * h.kernels().table("gemm.weightStreamingFraction").at(1.0));
        assertEquals(expected, model.expertSeconds(8), 1e-12);
        assertEquals(expected, model.gemmSeconds(2 * 8 * weights, weights, 8), 1e-12);
    }

    @Test
    void interNodeAllToAllIsSlowerThanInsideTheNvlinkDomain() {
        // Same tokens per GPU, one micro-batch: EP32 sends 28/32 of its copies over the NICs, EP8 all over NVLink.
        StepModel ep8 = new StepModel(DECODE.model(), DECODE.hardware(), DECODE.precision(), new StepModel.Shape(8, 1, 1, 0));
        StepModel ep32 = new StepModel(DECODE.model(), DECODE.hardware(), DECODE.precision(),
                new StepModel.Shape(32, 1, 1, 0));
        double inside = ep8.step(ep8.decodeBatch(64, 4096)).breakdown().get("dispatch");
        double across = ep32.step(ep32.decodeBatch(64, 4096)).breakdown().get("dispatch");
        assertTrue(across > inside, across + " <= " + inside);
    }
}
