package io.moesim.simulator.serving;

import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.MoeSpec;
import io.moesim.models.spec.RoutingSpec;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.scenario.Precision;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.routing.SyntheticRouting;
import java.util.List;

/**
 * DeepSeek-V3 on H800 as deployed in production (open-infra-index, Feb 2025; docs/sources.md
 * section 2): prefill units of 4 nodes (EP32, DP32 attention, 32 redundant experts, two
 * micro-batches), decode units of 18 nodes (EP144, DP144 attention, 32 redundant experts,
 * low-latency kernels, two micro-batches).
 */
final class DeepSeekScenarios {

    /** DeepSeek's formats: FP8 weights, activations and dispatch; BF16 KV cache and combine. */
    static final Precision FP8 = new Precision(DataType.FP8, DataType.FP8, DataType.BF16, DataType.FP8, DataType.BF16);

    private DeepSeekScenarios() {
    }

    /** DeepSeek-V3 from its config.json (a copy is in models/src/test/resources/hf-configs/deepseek-v3.json). */
    static ModelSpec deepSeekV3() {
        return new ModelSpec("deepseek-v3", "DeepSeek-V3", "DeepseekV3ForCausalLM",
                "https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json", 61, 7168, 129280, false,
                new AttentionSpec.Mla(128, 1536, 512, 128, 64, 128), 3, 1, 18432,
                new MoeSpec(256, 8, 2048, 1, 2048, false,
                        new RoutingSpec(RoutingSpec.Scoring.SIGMOID, 8, 4, true, 2.5, true)),
                1, 163840);
    }

    /** Prefill pool, production shape: 4 nodes, EP32, DP32, 32 redundant experts, normal kernels, two micro-batches. */
    static PoolSpec prefillPool(int instances) {
        return new PoolSpec("prefill", PoolSpec.Role.PREFILL, instances, 32, 1, 64, 16384, 16384, 32, true, 0);
    }

    /** Decode pool, production shape: 18 nodes, EP144, DP144, 32 redundant experts, low-latency kernels, two micro-batches. */
    static PoolSpec decodePool(int maxRequestsPerRank) {
        return new PoolSpec("decode", PoolSpec.Role.DECODE, 1, 144, 1, maxRequestsPerRank, 1024, 1024, 32, true, 0);
    }

    /**
     * Disaggregated DeepSeek serving. Workload from the production figures: 56.3% prefix-cache hits,
     * ~3.6 input tokens per output token (608B in / 168B out) and average KV length ~5k per output
     * token: prompts of 3,600 and outputs of 1,000 tokens (lognormal around those means).
     */
    static ServingSpec production(int prefillInstances, int concurrency, int maxDecodeRequestsPerRank,
                                  SyntheticRouting.Distribution routing, double durationSeconds, double warmupSeconds,
                                  long seed) {
        Workload workload = new Workload(new Workload.Concurrency(concurrency),
                new LengthDistribution.LogNormal(3600, 1500), new LengthDistribution.LogNormal(1000, 500), 0.563);
        return new ServingSpec(deepSeekV3(), HardwareProfiles.byId("h800"),
                List.of(prefillPool(prefillInstances), decodePool(maxDecodeRequestsPerRank)), workload, routing,
                FP8, seed, durationSeconds, warmupSeconds);
    }
}
