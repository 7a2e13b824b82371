package io.moesim.simulator.hardware;

import io.moesim.simulator.kernels.KernelProfile;
import java.util.Map;
import java.util.Objects;

/**
 * A GPU system as the simulator sees it: what the hardware is (one GPU's compute and memory, how
 * GPUs are wired, its price; every number a {@link Quantity} that names its source, loaded from
 * {@code hardware-profiles/<id>.yaml} by {@link HardwareProfiles}) bound to what kernels achieve on
 * it, a {@link KernelProfile} from its own file ({@code kernel-profiles/<id>.yaml} by default).
 *
 * @param id          profile id ({@code h800})
 * @param name        human name
 * @param description one line: which variant this is
 * @param gpu         one GPU
 * @param network     NVLink domain and NICs
 * @param price       prices per GPU-hour by kind (the default is the owner/reserved one)
 * @param kernels     what kernels achieve on it (a separate file, bound at loading)
 */
public record HardwareProfile(String id, String name, String description, Gpu gpu, Network network, Price price,
                              KernelProfile kernels) {

    public HardwareProfile {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(kernels, "kernels");
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

    /** The same hardware with another kernel profile (a scenario's {@code kernels:}). */
    public HardwareProfile withKernels(KernelProfile other) {
        return new HardwareProfile(id, name, description, gpu, network, price, other);
    }
}
