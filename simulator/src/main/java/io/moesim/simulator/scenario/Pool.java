package io.moesim.simulator.scenario;

import java.util.Locale;
import java.util.Objects;

/**
 * One pool of identical GPUs serving one role. Attention (and the dense layers and shared experts,
 * which run where the attention runs) is split {@code attentionTp}-way tensor-parallel and
 * replicated {@code attentionDp} times; routed experts are split over {@code ep} GPUs
 * (expert-parallel groups are repeated {@code gpus / ep} times).
 *
 * @param role            prefill, decode or colocated (both)
 * @param gpus            GPUs in the pool
 * @param attentionTp     tensor-parallel degree of attention
 * @param attentionDp     data-parallel replicas of attention; {@code attentionTp * attentionDp == gpus}
 * @param ep              expert-parallel degree; divides {@code gpus}
 * @param maxBatchPerGpu  decode: concurrent sequences per GPU at most (0 for a prefill pool)
 * @param maxTokensPerGpu prefill: tokens per GPU per prefill step (0 for a decode pool)
 * @param microBatches    1, or 2 to overlap one micro-batch's communication with the other's compute
 * @param balancer        how requests are spread over the data-parallel attention ranks
 * @param cudaGraphs      decode-only steps replay captured CUDA graphs (no per-kernel CPU launch); steps with
 *                        prompt tokens always launch eagerly, as SGLang and vLLM capture decode batches only
 */
public record Pool(Role role, int gpus, int attentionTp, int attentionDp, int ep, int maxBatchPerGpu,
                   int maxTokensPerGpu, int microBatches, Balancer balancer, boolean cudaGraphs) {

    /** A pool with CUDA graphs for its decode steps. */
    public Pool(Role role, int gpus, int attentionTp, int attentionDp, int ep, int maxBatchPerGpu,
                int maxTokensPerGpu, int microBatches, Balancer balancer) {
        this(role, gpus, attentionTp, attentionDp, ep, maxBatchPerGpu, maxTokensPerGpu, microBatches, balancer, true);
    }

    /** How a pool spreads requests over its data-parallel attention ranks. */
    public enum Balancer {
        /** Each arriving request joins the rank with the fewest requests (waiting, running or arriving). */
        REQUESTS,
        /**
         * Prefill only: one queue per pool; each step spreads prompts over the ranks by their estimated
         * attention and projection time, and no rank runs longer than the median rank while prompts
         * wait (DeepSeek's prefill load balancer; see {@code PrefillBalancer}).
         */
        ATTENTION,
        /**
         * Decode and colocated pools: an arriving request joins the rank whose estimated attention
         * and per-request time (KV tokens held and on their way, requests) is lowest, so ranks holding
         * long contexts take fewer requests (DeepSeek's decode load balancer balances KV-cache usage
         * and request counts).
         */
        KV;

        /** The YAML value ({@code attention}). */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether a pool that prefills only ({@code prefillPool}) or decodes can use this balancer. */
        public boolean fits(boolean prefillPool) {
            return switch (this) {
                case REQUESTS -> true;
                case ATTENTION -> prefillPool;
                case KV -> !prefillPool;
            };
        }

        /** {@code attention} for a prefill pool, {@code requests} otherwise. */
        public static Balancer defaultFor(boolean prefillPool) {
            return prefillPool ? ATTENTION : REQUESTS;
        }
    }

    /** A pool with the default balancer: {@code attention} for a prefill pool, {@code requests} otherwise. */
    public Pool(Role role, int gpus, int attentionTp, int attentionDp, int ep, int maxBatchPerGpu,
                int maxTokensPerGpu, int microBatches) {
        this(role, gpus, attentionTp, attentionDp, ep, maxBatchPerGpu, maxTokensPerGpu, microBatches,
                Balancer.defaultFor(role == Role.PREFILL));
    }

    /**
     * The default {@code maxTokensPerGpu} of a colocated pool: SGLang's default
     * {@code --chunked-prefill-size} (the prompt tokens one attention group prefills per step) for the
     * GPU's memory, divided over the group's {@code tp} GPUs. SGLang's {@code ServerArgs} sets it by GPU
     * memory: 4,096 below 60 GiB, 8,192 up to 160 GiB (H100, H800: 80 GB; H200: 141 GB) and 16,384
     * above (B200, GB200) (github.com/sgl-project/sglang, python/sglang/srt/server_args.py,
     * {@code _handle_gpu_memory_settings}; docs/scenarios.md). vLLM's default {@code max_num_batched_tokens}
     * for its OpenAI-compatible server is also 8,192 on GPUs of 70 GiB or more
     * (github.com/vllm-project/vllm, vllm/engine/arg_utils.py, {@code EngineArgs.get_batch_defaults}).
     */
    public static int defaultColocatedTokensPerGpu(io.moesim.simulator.hardware.HardwareProfile hardware,
                                                   int attentionTp) {
        double mib = hardware.gpu().hbmBytes().value() / (1024.0 * 1024.0);
        int chunk = mib < 60 * 1024 ? 4096 : mib < 160 * 1024 ? 8192 : 16384;
        return Math.max(1, (chunk + attentionTp - 1) / attentionTp);
    }

    /** What a pool does. */
    public enum Role {
        PREFILL, DECODE, COLOCATED;

        /** The YAML key ({@code prefill}). */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean prefills() {
            return this != DECODE;
        }

        public boolean decodes() {
            return this != PREFILL;
        }
    }

    public Pool {
        Objects.requireNonNull(role, "role");
        if (gpus < 1 || attentionTp < 1 || attentionDp < 1 || ep < 1) {
            throw new IllegalArgumentException("gpus, tp, dp and ep must be >= 1");
        }
        if (attentionTp * attentionDp != gpus) {
            throw new IllegalArgumentException("tp * dp must equal gpus");
        }
        if (gpus % ep != 0) {
            throw new IllegalArgumentException("ep must divide gpus");
        }
        if (role.decodes() && maxBatchPerGpu < 1) {
            throw new IllegalArgumentException("a decoding pool needs maxBatchPerGpu >= 1");
        }
        if (role.prefills() && maxTokensPerGpu < 1) {
            throw new IllegalArgumentException("a prefilling pool needs maxTokensPerGpu >= 1");
        }
        if (microBatches != 1 && microBatches != 2) {
            throw new IllegalArgumentException("microBatches must be 1 or 2");
        }
        Objects.requireNonNull(balancer, "balancer");
        if (!balancer.fits(role == Role.PREFILL)) {
            throw new IllegalArgumentException("balancer " + balancer.key() + " does not fit a " + role.key() + " pool");
        }
    }
}
