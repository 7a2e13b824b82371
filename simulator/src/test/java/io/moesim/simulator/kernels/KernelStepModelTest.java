package io.moesim.simulator.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.spec.ModelSpecs;
import io.moesim.models.spec.ModelSpec;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.memory.MemoryModel;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Precision;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The step model reading kernel tables: per-module precision, small kernels per token, host launches. */
class KernelStepModelTest {

    static final ModelSpec V3 = ModelSpecs.resolve("deepseek-v3", Path.of("."));
    static final Precision FP8 = new Precision(DataType.FP8, DataType.FP8, DataType.BF16, DataType.FP8, DataType.BF16);
    /** NVIDIA's B200 recipe: attention and router BF16, MoE layers NVFP4 (W4A4). */
    static final Precision NVFP4_MOE = new Precision(DataType.FP8, DataType.FP8, DataType.BF16, DataType.FP8, DataType.BF16,
            DataType.BF16, DataType.BF16, DataType.FP4, null);

    @Test
    void nvfp4CarriesOneFp8ScalePerSixteenValuesAndIsSmallerThanFp8() {
        assertEquals(0.5 + 1.0 / 16, DataType.FP4.bytes(), 1e-15);
        assertTrue(DataType.FP4.bytes() < DataType.FP8.bytes());
        Pool pool = new Pool(Pool.Role.DECODE, 8, 1, 8, 8, 64, 0, 1);
        double fp8 = MemoryModel.weightsBytes(V3, FP8, pool, 0);
        double fp4 = MemoryModel.weightsBytes(V3, NVFP4_MOE, pool, 0);
        assertTrue(fp4 < fp8, fp4 + " vs " + fp8);
        // Routed and shared experts go from 1 byte to 0.5625 per weight; attention from 1 (FP8) to 2 (BF16).
        double routed = 256 / 8.0 * io.moesim.models.spec.ModelAccounting.routedExpertWeights(V3) * V3.numMoeLayers();
        var p = io.moesim.models.spec.ModelAccounting.parameters(V3);
        double expected = (routed + p.sharedExperts()) * (1 - 0.5625) - p.attention() * (2 - 1);
        assertEquals(expected, fp8 - fp4, expected * 1e-9);
    }

    @Test
    void expertGemmsRunAtTheirModulesPeakAndTable() {
        HardwareProfile b200 = HardwareProfiles.byId("b200");
        StepModel fp8 = new StepModel(V3, b200, FP8, new StepModel.Shape(8, 1, 1, 0));
        StepModel fp4 = new StepModel(V3, b200, NVFP4_MOE, new StepModel.Shape(8, 1, 1, 0));
        // 1,024 tokens per expert: compute-bound on both tables.
        double weights = io.moesim.models.spec.ModelAccounting.routedExpertWeights(V3);
        double flops = 2 * weights * 1024;
        KernelProfile k = b200.kernels();
        assertEquals(flops / (4.5e15 * k.table("gemm.fp8").at(1024)), fp8.expertSeconds(1024), 1e-12);
        assertEquals(flops / (9e15 * k.table("gemm.fp4").at(1024)), fp4.expertSeconds(1024), 1e-12);
        // 4 tokens: bound by streaming weights, and NVFP4 streams 0.5625 bytes per weight instead of 1.
        double ws = 8e12 * k.table("gemm.weightStreamingFraction").at(4);
        assertEquals(weights * 1.0 / ws, fp8.expertSeconds(4), 1e-12);
        assertEquals(weights * 0.5625 / ws, fp4.expertSeconds(4), 1e-12);
    }

    @Test
    void smallKernelsGrowWithTokensFromAFixedLaunchPart() {
        HardwareProfile h800 = HardwareProfiles.byId("h800");
        StepModel model = new StepModel(V3, h800, FP8, new StepModel.Shape(1, 1, 1, 0));
        KernelProfile k = h800.kernels();
        double perToken = k.value("smallKernels.hiddenPassesPerToken") * 7168 * 2
                / (3.352e12 * k.value("hbm.achievableFraction"));
        for (int tokens : new int[] {1, 64, 8192}) {
            StepModel.Step step = model.step(model.prefillBatch(tokens, 0, tokens));
            double expected = 61 * (k.value("smallKernels.launchSeconds") + tokens * perToken);
            assertEquals(expected, step.breakdown().get("smallKernels"), expected * 1e-9);
        }
        // 64 tokens per micro-batch (DeepSeek's decode profile): about the 10 us per layer it replaces.
        assertEquals(10e-6, k.value("smallKernels.launchSeconds") + 64 * perToken, 0.5e-6);
    }

    @Test
    void withoutCudaGraphsASmallDecodeStepIsFlooredByItsLaunches() {
        HardwareProfile b200 = HardwareProfiles.byId("b200");
        StepModel graphs = new StepModel(V3, b200, FP8, new StepModel.Shape(8, 8, 1, 0, true));
        StepModel eager = new StepModel(V3, b200, FP8, new StepModel.Shape(8, 8, 1, 0, false));
        StepModel.Step a = graphs.step(graphs.decodeBatch(1.0 / 8, 1000));
        StepModel.Step b = eager.step(eager.decodeBatch(1.0 / 8, 1000));
        KernelProfile k = b200.kernels();
        double floor = k.value("host.kernelsPerLayer") * k.value("host.launchSecondsPerKernel");
        assertTrue(b.stepSeconds() >= 61 * floor, b.stepSeconds() + " s");
        assertTrue(b.stepSeconds() > a.stepSeconds());
        assertEquals(b.stepSeconds() - a.stepSeconds(), b.breakdown().get("host") - a.breakdown().get("host"), 1e-12);
        // A large prefill step is far above the floor: eager launches cost it nothing.
        StepModel.Step p = eager.step(eager.prefillBatch(4096, 0, 4096));
        assertEquals(0, p.breakdown().get("host"), 1e-15);
    }

    @Test
    void moreHbmBandwidthInTheKernelTablesNeverSlowsAStep() {
        HardwareProfile h = HardwareProfiles.byId("gb200-nvl72");
        KernelTable ws = h.kernels().table("gemm.weightStreamingFraction");
        KernelTable faster = KernelTable.constant(ws.key(), ws.unit(), ws.basis(), ws.source(), ws.fallback(),
                Math.min(1, ws.at(1) * 1.5));
        StepModel slow = new StepModel(V3, h, FP8, new StepModel.Shape(72, 1, 1, 0));
        StepModel fast = new StepModel(V3, h.withKernels(h.kernels().with(faster)), FP8, new StepModel.Shape(72, 1, 1, 0));
        for (double batch : new double[] {1, 16, 64, 256}) {
            assertTrue(fast.step(fast.decodeBatch(batch, 2000)).stepSeconds()
                    <= slow.step(slow.decodeBatch(batch, 2000)).stepSeconds(), "batch " + batch);
        }
    }
}
