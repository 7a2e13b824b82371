package io.moesim.simulator.hardware;

import java.util.Map;
import java.util.Objects;

/**
 * A GPU system as the simulator sees it: one GPU's compute and memory, how GPUs are wired
 * (NVLink domain, NICs), its price, and the efficiencies real kernels reach on it. Every number is
 * a {@link Quantity} that names its source. Loaded from {@code hardware-profiles/<id>.yaml} by
 * {@link HardwareProfiles}.
 *
 * @param id          profile id ({@code h800})
 * @param name        human name
 * @param description one line: which variant this is
 * @param gpu         one GPU
 * @param network     NVLink domain and NICs
 * @param price       prices per GPU-hour by kind (the default is the owner/reserved one)
 * @param efficiency  achievable fractions and bandwidths
 */
public record HardwareProfile(String id, String name, String description, Gpu gpu, Network network, Price price,
                              Efficiency efficiency) {

    public HardwareProfile {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(efficiency, "efficiency");
    }

    /**
     * One GPU.
     *
     * @param peakFlopsPerSecond   dense (not 2:4-sparse) tensor-core peak per data type
     * @param hbmBytes             HBM capacity usable by applications
     * @param hbmBytesPerSecond    HBM bandwidth
     * @param powerWatts           board power
     * @param runtimeReservedBytes HBM taken by the CUDA context, library workspaces and the framework
     */
    public record Gpu(Map<DataType, Quantity> peakFlopsPerSecond, Quantity hbmBytes, Quantity hbmBytesPerSecond,
                      Quantity powerWatts, Quantity runtimeReservedBytes) {
        public Gpu {
            peakFlopsPerSecond = java.util.Collections.unmodifiableMap(new java.util.EnumMap<>(peakFlopsPerSecond));
            if (!peakFlopsPerSecond.containsKey(DataType.BF16)) {
                throw new IllegalArgumentException("peakFlopsPerSecond needs bf16");
            }
        }

        /**
         * Peak FLOP/s of a matrix multiply whose inputs are {@code type}: the figure for that type,
         * or for the nearest wider type the GPU has (FP4 on a GPU without FP4 runs at FP8 speed;
         * FP32 and FP16 count as BF16).
         */
        public double peakFlopsPerSecond(DataType type) {
            DataType[] order = switch (type) {
                case FP4 -> new DataType[] {DataType.FP4, DataType.FP8, DataType.BF16};
                case FP8 -> new DataType[] {DataType.FP8, DataType.BF16};
                default -> new DataType[] {DataType.BF16};
            };
            for (DataType candidate : order) {
                Quantity peak = peakFlopsPerSecond.get(candidate);
                if (peak != null) {
                    return peak.value();
                }
            }
            throw new IllegalStateException("no bf16 peak");
        }
    }

    /**
     * How GPUs are connected.
     *
     * @param gpusPerNode                GPUs per server (8 for HGX; 4 per GB200 compute tray); used for per-node figures
     * @param nvlinkDomainGpus           GPUs that reach each other over NVLink/NVSwitch (8, or 72 in an NVL72 rack)
     * @param nvlinkBytesPerSecond       NVLink bandwidth per GPU per direction (spec)
     * @param nicsPerGpu                 scale-out NICs per GPU
     * @param nicBitsPerSecond           line rate of one NIC
     */
    public record Network(Quantity gpusPerNode, Quantity nvlinkDomainGpus, Quantity nvlinkBytesPerSecond,
                          Quantity nicsPerGpu, Quantity nicBitsPerSecond) {

        public int gpusPerNodeCount() {
            return (int) gpusPerNode.value();
        }

        public int nvlinkDomainCount() {
            return (int) nvlinkDomainGpus.value();
        }
    }

    /**
     * Prices of one GPU for one hour, of distinct kinds that must not be compared with each other.
     *
     * @param usdPerGpuHour         the default of every scenario on this hardware: an <em>owner/reserved</em>
     *                              cost (what a GPU-hour costs whoever owns the GPUs or leases them long-term,
     *                              all in: DeepSeek's leasing assumption, an analyst's TCO); always present
     * @param onDemandUsdPerGpuHour a cloud's on-demand list price, or null where none is published
     */
    public record Price(Quantity usdPerGpuHour, Quantity onDemandUsdPerGpuHour) {

        /** A price of the owner/reserved kind only. */
        public Price(Quantity usdPerGpuHour) {
            this(usdPerGpuHour, null);
        }

        public Price {
            Objects.requireNonNull(usdPerGpuHour, "usdPerGpuHour");
        }

        /** The kinds of price a profile carries. */
        public enum Kind {
            /** Owner's or long-term lease cost per GPU-hour ({@code price.usdPerGpuHour}, the default). */
            OWNER("usdPerGpuHour", "owner/reserved cost"),
            /** A cloud's on-demand list price ({@code price.onDemandUsdPerGpuHour}). */
            ON_DEMAND("onDemandUsdPerGpuHour", "on-demand list price");

            private final String key;
            private final String label;

            Kind(String key, String label) {
                this.key = key;
                this.label = label;
            }

            /** The profile YAML's key under {@code price:}. */
            public String key() {
                return key;
            }

            /** How a chart or a table names this kind. */
            public String label() {
                return label;
            }
        }

        /** The price of {@code kind}, if the profile has one. */
        public java.util.Optional<Quantity> of(Kind kind) {
            return java.util.Optional.ofNullable(switch (kind) {
                case OWNER -> usdPerGpuHour;
                case ON_DEMAND -> onDemandUsdPerGpuHour;
            });
        }
    }

    /**
     * What real kernels reach on this hardware.
     *
     * @param gemmCompute                fraction of peak FLOPs of a (grouped) GEMM by tokens per group
     * @param gemmHbmFraction            fraction of HBM bandwidth a GEMM reaches streaming its weights
     * @param attentionComputeFraction   fraction of BF16 peak the attention core reaches when compute-bound
     * @param attentionHbmFraction       fraction of HBM bandwidth the attention core reaches reading the KV cache
     * @param nvlinkBytesPerSecond       achievable all-to-all bandwidth per GPU over NVLink, throughput kernels
     * @param nvlinkLowLatencyBytesPerSecond achievable over NVLink with the low-latency (decode) kernels
     * @param rdmaBytesPerSecond         achievable all-to-all bandwidth per GPU over the NICs, throughput kernels
     * @param rdmaLowLatencyBytesPerSecond achievable over the NICs with the low-latency (decode) kernels
     * @param collectiveLatencySeconds   fixed cost of one collective with the throughput kernels or NCCL
     * @param lowLatencyDispatchSeconds  fixed cost of one low-latency dispatch call (the part of its time not
     *                                   explained by bytes over bandwidth)
     * @param lowLatencyCombineSeconds   the same for one low-latency combine call
     * @param lowLatencyNvlinkCallSeconds fixed cost of one low-latency dispatch or combine when the whole
     *                                   expert-parallel group sits in one NVLink domain (no RDMA involved)
     * @param communicationSmFraction    share of the SMs the throughput all-to-all kernels take while they run
     *                                   beside compute (the low-latency kernels take none while in flight)
     * @param overlapFraction            with the throughput all-to-all kernels (steps with prompt tokens): share of
     *                                   the shorter of compute and communication that two micro-batches hide behind
     *                                   the longer one (1 = perfect overlap)
     * @param lowLatencyOverlapFraction  the same for decode-only steps on the low-latency kernels, which overlap
     *                                   differently (no SMs while RDMA is in flight; DeepSeek pipelines decode in
     *                                   five stages rather than two micro-batches)
     * @param layerOverheadSeconds       per layer and micro-batch: the small kernels the operation model does not
     *                                   count (norms, rope, quantisation, top-k, activation, residual) and launch gaps
     */
    public record Efficiency(EfficiencyCurve gemmCompute, Quantity gemmHbmFraction, Quantity attentionComputeFraction,
                             Quantity attentionHbmFraction, Quantity nvlinkBytesPerSecond,
                             Quantity nvlinkLowLatencyBytesPerSecond, Quantity rdmaBytesPerSecond,
                             Quantity rdmaLowLatencyBytesPerSecond, Quantity collectiveLatencySeconds,
                             Quantity lowLatencyDispatchSeconds, Quantity lowLatencyCombineSeconds,
                             Quantity lowLatencyNvlinkCallSeconds,
                             Quantity communicationSmFraction, Quantity overlapFraction,
                             Quantity lowLatencyOverlapFraction, Quantity layerOverheadSeconds) {
    }
}
