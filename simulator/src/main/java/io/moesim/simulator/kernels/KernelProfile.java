package io.moesim.simulator.kernels;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What kernels achieve on one GPU with one software generation: attention, GEMMs by data type,
 * all-to-all by kernel family, link and EP size, achievable HBM bandwidth, overlap and per-step
 * overheads, each a {@link KernelTable} that names its benchmark. Kept apart from the hardware
 * profile (what the GPU is): loaded from {@code kernel-profiles/<id>.yaml} by {@link KernelProfiles}.
 *
 * @param id            profile id (the hardware id it belongs to, by default)
 * @param hardware      the hardware profile id it was measured on
 * @param software      the software generation it describes (kernels, framework, dates)
 * @param interpolation how tables are read between points, as the file states it
 * @param tables        every entry of {@link #SCHEMA}, by key
 */
public record KernelProfile(String id, String hardware, String software, String interpolation,
                            Map<String, KernelTable> tables) {

    /**
     * One entry the model reads.
     *
     * @param key   the YAML key
     * @param unit  the unit its values are in
     * @param axes  the axes a table of it may use (a constant uses none)
     * @param min   smallest allowed value
     * @param max   largest allowed value
     * @param doc   what it is, for the docs and {@code hardware show}
     */
    public record Entry(String key, String unit, List<String> axes, double min, double max, String doc) {
    }

    public static final String TOKENS = "tokens";
    public static final String BATCH = "batch";
    public static final String CONTEXT = "context";
    public static final String EP = "ep";

    /** Every entry a kernel profile must have, in file order. */
    public static final List<Entry> SCHEMA = List.of(
            new Entry("hbm.achievableFraction", "fraction", List.of(), 1e-3, 1,
                    "share of the HBM bandwidth a streaming kernel reaches (small kernels, activations)"),
            new Entry("gemm.weightStreamingFraction", "fraction", List.of(TOKENS), 1e-3, 1,
                    "share of HBM bandwidth a GEMM reaches while bound by streaming its weights"),
            new Entry("gemm.bf16", "fraction", List.of(TOKENS), 1e-3, 1, "BF16 GEMM: share of the BF16 peak by tokens per group"),
            new Entry("gemm.fp8", "fraction", List.of(TOKENS), 1e-3, 1, "FP8 GEMM: share of the FP8 peak by tokens per group"),
            new Entry("gemm.fp4", "fraction", List.of(TOKENS), 1e-3, 1,
                    "NVFP4 (W4A4) GEMM: share of the FP4 peak (the FP8 peak where the GPU has none) by tokens per group"),
            new Entry("attention.mlaDecode.compute", "fraction", List.of(BATCH, CONTEXT), 1e-3, 1,
                    "MLA decode core: share of the BF16 peak by requests per kernel call x mean context"),
            new Entry("attention.mlaDecode.hbm", "fraction", List.of(BATCH, CONTEXT), 1e-3, 1,
                    "MLA decode core: share of HBM bandwidth reading the KV cache, by batch x context"),
            new Entry("attention.gqaDecode.compute", "fraction", List.of(BATCH, CONTEXT), 1e-3, 1,
                    "GQA/MHA decode core: share of the BF16 peak"),
            new Entry("attention.gqaDecode.hbm", "fraction", List.of(BATCH, CONTEXT), 1e-3, 1,
                    "GQA/MHA decode core: share of HBM bandwidth reading the KV cache"),
            new Entry("attention.prefill.compute", "fraction", List.of(TOKENS), 1e-3, 1,
                    "prefill attention (MLA in MHA form, or MHA/GQA): share of the BF16 peak by chunk tokens"),
            new Entry("allToAll.normal.nvlink.dispatchBytesPerSecond", "B/s", List.of(EP), 1e6, 1e14,
                    "throughput kernels, NVLink port: dispatch bandwidth per GPU and direction"),
            new Entry("allToAll.normal.nvlink.combineBytesPerSecond", "B/s", List.of(EP), 1e6, 1e14,
                    "throughput kernels, NVLink port: combine bandwidth"),
            new Entry("allToAll.normal.rdma.dispatchBytesPerSecond", "B/s", List.of(EP), 1e6, 1e14,
                    "throughput kernels, per 400 Gb/s NIC (scaled by the hardware's NICs): dispatch bandwidth"),
            new Entry("allToAll.normal.rdma.combineBytesPerSecond", "B/s", List.of(EP), 1e6, 1e14,
                    "throughput kernels, per 400 Gb/s NIC: combine bandwidth"),
            new Entry("allToAll.normal.dispatchSeconds", "s", List.of(EP), 0, 1, "throughput kernels: fixed cost of one dispatch"),
            new Entry("allToAll.normal.combineSeconds", "s", List.of(EP), 0, 1, "throughput kernels: fixed cost of one combine"),
            new Entry("allToAll.lowLatency.nvlink.bytesPerSecond", "B/s", List.of(EP), 1e6, 1e14,
                    "low-latency kernels inside one NVLink domain: bandwidth of the busiest port"),
            new Entry("allToAll.lowLatency.nvlink.dispatchSeconds", "s", List.of(EP), 0, 1,
                    "low-latency kernels inside one NVLink domain: fixed cost of one dispatch"),
            new Entry("allToAll.lowLatency.nvlink.combineSeconds", "s", List.of(EP), 0, 1,
                    "low-latency kernels inside one NVLink domain: fixed cost of one combine"),
            new Entry("allToAll.lowLatency.rdma.bytesPerSecond", "B/s", List.of(EP), 1e6, 1e14,
                    "low-latency kernels across NVLink domains, per 400 Gb/s NIC: bandwidth"),
            new Entry("allToAll.lowLatency.rdma.dispatchSeconds", "s", List.of(EP), 0, 1,
                    "low-latency kernels across domains: fixed cost of one dispatch"),
            new Entry("allToAll.lowLatency.rdma.combineSeconds", "s", List.of(EP), 0, 1,
                    "low-latency kernels across domains: fixed cost of one combine"),
            new Entry("overlap.communicationSmFraction", "fraction", List.of(), 0, 0.9,
                    "share of SMs the throughput all-to-all kernels take beside compute"),
            new Entry("overlap.throughputKernels", "fraction", List.of(), 0, 1,
                    "two micro-batches: share of the shorter of compute and communication hidden (steps with prompt tokens)"),
            new Entry("overlap.lowLatencyKernels", "fraction", List.of(), 0, 1,
                    "the same for decode-only steps on the low-latency kernels"),
            new Entry("smallKernels.launchSeconds", "s", List.of(), 0, 1e-2,
                    "per layer and micro-batch: fixed GPU time of the small kernels (norms, RoPE, quantisation, top-k, residuals)"),
            new Entry("smallKernels.hiddenPassesPerToken", "passes", List.of(), 0, 1000,
                    "per layer and token: BF16 hidden vectors the small kernels read and write, at hbm.achievableFraction"),
            new Entry("host.stepSeconds", "s", List.of(), 0, 1, "per step: host work not hidden behind the GPU (scheduling, sampling)"),
            new Entry("host.launchSecondsPerKernel", "s", List.of(), 0, 1e-3,
                    "CPU time to launch one kernel without CUDA graphs (eager launches)"),
            new Entry("host.kernelsPerLayer", "kernels", List.of(), 0, 1000,
                    "kernels one decoder layer launches per micro-batch"));

    public KernelProfile {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(software, "software");
        Objects.requireNonNull(interpolation, "interpolation");
        Map<String, KernelTable> copy = new LinkedHashMap<>();
        for (Entry entry : SCHEMA) {
            KernelTable table = tables.get(entry.key());
            if (table == null) {
                throw new IllegalArgumentException("kernel profile " + id + " lacks " + entry.key());
            }
            copy.put(entry.key(), table);
        }
        tables = Collections.unmodifiableMap(copy);
    }

    /** The entry {@code key} (one of {@link #SCHEMA}). */
    public KernelTable table(String key) {
        KernelTable table = tables.get(key);
        if (table == null) {
            throw new IllegalArgumentException("no kernel table " + key);
        }
        return table;
    }

    /** A constant entry's value. */
    public double value(String key) {
        return table(key).at(Double.NaN);
    }

    /** Keys of the entries with no kernel figure ({@code basis: none}). */
    public List<String> uncalibrated() {
        return tables.values().stream().filter(t -> !t.calibrated()).map(KernelTable::key).toList();
    }

    /** A copy with {@code key} replaced (tests, what-ifs). */
    public KernelProfile with(KernelTable table) {
        Map<String, KernelTable> copy = new LinkedHashMap<>(tables);
        copy.put(table.key(), table);
        return new KernelProfile(id, hardware, software, interpolation, copy);
    }
}
