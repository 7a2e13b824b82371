package io.moesim.simulator.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.MoeSpec;
import io.moesim.models.spec.RoutingSpec;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Precision;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import org.junit.jupiter.api.Test;

class MemoryModelTest {

    static final Precision BF16 = new Precision(DataType.BF16, DataType.BF16, DataType.BF16, DataType.BF16, DataType.BF16);

    /** 2 layers, width 64, vocab 100, GQA 4 heads / 2 KV heads of 16, 4 experts top-2 of width 32. */
    static ModelSpec tiny() {
        return new ModelSpec("tiny", "Tiny", "test", "hand-made", 2, 64, 100, false,
                new AttentionSpec.Gqa(4, 2, 16, false, false, 0, 0), 0, 1, 0,
                new MoeSpec(4, 2, 32, 0, 0, false, RoutingSpec.softmax(true)), 0, 4096);
    }

    @Test
    void smallModelOnTwoGpusByHand() {
        Pool pool = new Pool(Pool.Role.DECODE, 2, 2, 1, 2, 8, 0, 1);
        // attention 2 layers x (64x64 + 2x64x32 + 64x64) = 24,576 / TP2 = 12,288
        // experts: 4 slots / EP2 = 2 slots x 3x64x32 x 2 layers = 24,576
        // embedding + LM head: 2 x 100 x 64 / TP2 = 6,400; routers 2 x 4 x 64 = 512; norms 2 x 128 + 64 = 320
        double expected = (12_288 + 24_576 + 6_400 + 512 + 320) * 2.0;
        assertEquals(expected, MemoryModel.weightsBytes(tiny(), BF16, pool, 0));
        // KV: 2 layers x 2 x 2 heads x 16 x 2 B = 256 B per token, split over min(TP2, 2 KV heads) = 2 GPUs
        assertEquals(128.0, MemoryModel.kvBytesPerTokenPerGpu(tiny(), BF16, 2));
        // With 2 redundant experts each GPU holds 3 slots.
        assertEquals(expected + 6_144 * 2 * 2.0, MemoryModel.weightsBytes(tiny(), BF16, pool, 2));
    }

    @Test
    void deepSeekV3Ep144WeightsPerGpuByHand() {
        // Fixed 4,489-token prompts (the shipped scenario's log-normal has that mean, to rounding).
        Scenario s = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"), "workload.inputTokens=4489");
        // FP8: MLA 61 x 187,105,280; dense MLP 3 x 3 x 7168 x 18432; shared expert 58 x 3 x 7168 x 2048;
        // routed: (256 + 32) / 144 = 2 slots x 58 layers x 3 x 7168 x 2048.
        double fp8 = 61 * 187_105_280.0 + 3 * 3 * 7168.0 * 18432 + 58 * 3 * 7168.0 * 2048 + 2 * 58 * 3 * 7168.0 * 2048;
        // BF16: embedding and LM head 2 x 129,280 x 7168; routers 58 x (256 x 7168 + 256 bias);
        // norms 61 x (2 x 7168 + 1536 + 512) + 7168.
        double bf16 = 2 * 129_280.0 * 7168 + 58 * (256 * 7168.0 + 256) + 61 * (2 * 7168.0 + 1536 + 512) + 7168;
        double expected = fp8 + 2 * bf16;
        assertEquals(24_187_120_640.0, expected);
        PoolMemory memory = MemoryModel.of(s, s.deployment().decode());
        assertEquals(expected, memory.weightsBytes());
        // KV: 61 layers x (512 + 64) x 2 B = 70,272 B per token; 128 sequences x 4,989 mean tokens.
        assertEquals(128 * 4989.0, memory.kvCacheTokensNeeded());
        assertEquals(128 * 4989.0 * 70_272, memory.kvCacheBytes(), 1);
        // DeepEP low-latency buffers: 2 x 2 slots x 144 ranks x 128 tokens x 7168 x (1 + 2) B.
        assertEquals(2 * 2 * 144 * 128 * 7168 * 3.0, memory.bufferBytes());
        assertTrue(memory.fits());
    }

    @Test
    void aPlanThatDoesNotFitSaysSo() {
        Scenario s = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"), "deployment.decode.maxBatchPerGpu=256",
                "workload.arrival.concurrencyPerGpu=256");
        PoolMemory memory = MemoryModel.of(s, s.deployment().decode());
        assertFalse(memory.fits());
        assertTrue(memory.kvCacheCapacityTokens() < memory.kvCacheTokensNeeded());
    }
}
