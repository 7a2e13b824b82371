package io.moesim.simulator.analytic;

import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.ModelAccounting;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.OpCost;
import io.moesim.models.spec.Phase;
import io.moesim.models.spec.StepProfile;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.kernels.KernelProfile;
import io.moesim.simulator.kernels.KernelTable;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.network.AllToAllKernel;
import io.moesim.simulator.network.Collectives;
import io.moesim.simulator.network.LinkSpec;
import io.moesim.simulator.network.Topology;
import io.moesim.simulator.routing.ExpertPlacement;
import io.moesim.simulator.routing.RoutingSource;
import io.moesim.simulator.scenario.Precision;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * THE cost of one forward step of one instance (an expert-parallel group of GPUs that steps
 * together), operation by operation and layer by layer. Both the analytic estimate and the
 * discrete-event simulator use it: the estimate with every rank carrying the same full batch and
 * the expected (fractional, uniform) tokens per expert ({@link #expectedLoads()}); the simulator
 * with each rank's actual batch and the per-expert token counts the routing source draws for that
 * batch ({@link #drawnLoads(RoutingSource)}).
 *
 * <p>Per layer and micro-batch, for each data-parallel attention rank: attention projections
 * (GEMM; prefix-cache hits are decompressed for MLA), attention core (against each request's own
 * context; causal within a prefill chunk), then the dense MLP, or the router and shared experts of
 * an MoE layer, plus a fixed per-layer cost of small kernels. Per MoE layer and GPU: one grouped
 * GEMM per local expert slot from the tokens that slot receives (a slot with few tokens still
 * streams its weights). Dispatch and combine cost their busiest port's bytes over the kernel's
 * bandwidth plus a fixed cost per call; decode steps use the low-latency kernels, steps with
 * prefill tokens the throughput kernels. TP all-reduces after attention and MLP.
 *
 * <p>A GEMM costs {@code max(FLOPs / (peak x efficiency(tokens per group)), weight bytes / (HBM x
 * fraction))}; the attention core {@code max(FLOPs / (BF16 peak x fraction), KV bytes / (HBM x
 * fraction))}. A phase ends when its slowest rank or GPU ends. With one micro-batch a layer costs
 * compute + communication. With two, communication runs beside the other micro-batch's compute:
 * compute slows by the SMs the throughput kernels take, and the layer costs
 * {@code max(C, M) + (1 - overlap) x min(C, M)}. All parameters come from the hardware profile.
 */
public final class StepModel {

    /**
     * The shape of an instance.
     *
     * @param gpus             GPUs of the instance (its expert-parallel degree)
     * @param attentionTp      tensor-parallel degree of attention inside a data-parallel rank
     * @param microBatches     1, or 2 to overlap communication with compute
     * @param redundantExperts extra expert slots per MoE layer (contiguous placement); each GPU has
     *                         ceil((experts + redundant) / gpus) slots, the last GPUs one fewer expert
     * @param cudaGraphs       decode-only steps replay CUDA graphs; without, and in every step with prompt
     *                         tokens, a layer takes at least its kernels' CPU launch time
     */
    public record Shape(int gpus, int attentionTp, int microBatches, int redundantExperts, boolean cudaGraphs) {
        /** An instance whose decode steps replay CUDA graphs. */
        public Shape(int gpus, int attentionTp, int microBatches, int redundantExperts) {
            this(gpus, attentionTp, microBatches, redundantExperts, true);
        }

        public Shape {
            if (gpus <= 0 || attentionTp <= 0 || gpus % attentionTp != 0) {
                throw new IllegalArgumentException("need gpus > 0 and attentionTp dividing gpus");
            }
            if (microBatches != 1 && microBatches != 2) {
                throw new IllegalArgumentException("microBatches must be 1 or 2");
            }
        }

        /** Data-parallel attention ranks. */
        public int ranks() {
            return gpus / attentionTp;
        }
    }

    /** The parts of a step, in the order of {@link Step#breakdownSeconds()}. */
    public enum Part {
        ATTENTION_PROJECTIONS("attentionProjections"), ATTENTION_CORE("attentionCore"), ROUTER("router"),
        ROUTED_EXPERTS("routedExperts"), SHARED_EXPERTS("sharedExperts"), DENSE_MLP("denseMlp"),
        SMALL_KERNELS("smallKernels"), DISPATCH("dispatch"), COMBINE("combine"), TP_ALL_REDUCE("tpAllReduce"),
        LM_HEAD("lmHead"), HOST("host");

        private final String key;

        Part(String key) {
            this.key = key;
        }

        /** The JSON key. */
        public String key() {
            return key;
        }
    }

    /**
     * The batch of one step, one entry per data-parallel rank. Counts may be fractional (the
     * analytic estimate's mean batch). Filled by the scheduler and reused between steps.
     */
    public static final class Batch {
        final double[] newTokens;
        final double[] lmHeadTokens;
        final double[] decodeAttended;
        final double[] kvRead;
        final double[] prefillAttended;
        final double[] prefillCached;
        final double[] decodeRequests;
        double prefillTokens;

        public Batch(int ranks) {
            newTokens = new double[ranks];
            lmHeadTokens = new double[ranks];
            decodeAttended = new double[ranks];
            kvRead = new double[ranks];
            prefillAttended = new double[ranks];
            prefillCached = new double[ranks];
            decodeRequests = new double[ranks];
        }

        public int ranks() {
            return newTokens.length;
        }

        public void clear() {
            Arrays.fill(newTokens, 0);
            Arrays.fill(lmHeadTokens, 0);
            Arrays.fill(decodeAttended, 0);
            Arrays.fill(kvRead, 0);
            Arrays.fill(prefillAttended, 0);
            Arrays.fill(prefillCached, 0);
            Arrays.fill(decodeRequests, 0);
            prefillTokens = 0;
        }

        /** Adds one decoding request with {@code contextTokens} tokens in its KV cache to rank {@code r}. */
        public void addDecode(int r, int contextTokens) {
            addDecode(r, contextTokens, 1);
        }

        /** Adds {@code count} decoding requests with {@code contextTokens} each to rank {@code r}. */
        public void addDecode(int r, double contextTokens, double count) {
            newTokens[r] += count;
            lmHeadTokens[r] += count;
            decodeRequests[r] += count;
            decodeAttended[r] += count * (contextTokens + 1);
            kvRead[r] += count * contextTokens;
        }

        /**
         * Adds {@code count} decoding requests whose KV caches hold {@code contextTokens} tokens in all
         * to rank {@code r}: the same sums as {@code count} calls of {@link #addDecode(int, int)}, since
         * the attention cost is linear in each request's context.
         */
        public void addDecodes(int r, long count, long contextTokens) {
            newTokens[r] += count;
            lmHeadTokens[r] += count;
            decodeRequests[r] += count;
            decodeAttended[r] += contextTokens + count;
            kvRead[r] += contextTokens;
        }

        /** Adds a prefill chunk of {@code chunk} tokens after {@code cached} tokens already in the KV cache. */
        public void addPrefill(int r, int cached, int chunk) {
            addPrefill(r, cached, chunk, 1);
        }

        /** Adds {@code count} prefill chunks of {@code chunk} tokens after {@code cached} each. */
        public void addPrefill(int r, double cached, double chunk, double count) {
            newTokens[r] += count * chunk;
            lmHeadTokens[r] += count;
            prefillAttended[r] += count * (chunk * cached + chunk * (chunk + 1.0) / 2.0);
            kvRead[r] += count * cached;
            prefillCached[r] += count * cached;
            prefillTokens += count * chunk;
        }

        /**
         * Makes this batch the balanced form of {@code from}: every rank gets the mean over the ranks of
         * each of {@code from}'s per-rank sums (same totals, no rank slower than another).
         */
        public void setBalanced(Batch from) {
            int n = ranks();
            for (int i = 0; i < 6; i++) {
                double[] src = i == 0 ? from.newTokens : i == 1 ? from.lmHeadTokens : i == 2 ? from.decodeAttended
                        : i == 3 ? from.kvRead : i == 4 ? from.prefillAttended : from.prefillCached;
                double[] dst = i == 0 ? newTokens : i == 1 ? lmHeadTokens : i == 2 ? decodeAttended
                        : i == 3 ? kvRead : i == 4 ? prefillAttended : prefillCached;
                Arrays.fill(dst, Arrays.stream(src).sum() / n);
            }
            prefillTokens = from.prefillTokens;
        }

        /** New tokens over all ranks. */
        public double totalTokens() {
            double sum = 0;
            for (double n : newTokens) {
                sum += n;
            }
            return sum;
        }
    }

    /** Where the tokens per expert slot of each MoE layer come from. */
    @FunctionalInterface
    public interface Loads {
        /** Fills {@code slotLoads} (one entry per physical slot) for {@code totalTokens} tokens at {@code moeLayer}. */
        void fill(int moeLayer, double totalTokens, double[] slotLoads);
    }

    /**
     * The time of one step and where it went.
     *
     * @param stepSeconds                 wall time
     * @param computeSeconds              compute on the critical path (slowest rank, slowest GPU), SM loss included
     * @param communicationSeconds        all-to-all and all-reduce time, hidden or not
     * @param exposedCommunicationSeconds step time beyond the critical compute (communication not hidden)
     * @param gpuComputeSeconds           sum over the instance's GPUs of their own compute time
     * @param breakdownSeconds            critical-path seconds by {@link Part} (index = ordinal)
     */
    public record Step(double stepSeconds, double computeSeconds, double communicationSeconds,
                       double exposedCommunicationSeconds, double gpuComputeSeconds, double[] breakdownSeconds) {

        /** The breakdown as a map from JSON key to seconds. */
        public Map<String, Double> breakdown() {
            Map<String, Double> map = new LinkedHashMap<>();
            for (Part part : Part.values()) {
                map.put(part.key(), breakdownSeconds[part.ordinal()]);
            }
            return map;
        }
    }

    private final ModelSpec spec;
    private final Shape shape;
    private final ExpertPlacement placement;
    private final ExpertPlacement[] layerPlacements;
    private final Topology topology;
    private final KernelProfile kernels;
    private final AllToAllKernel normalDispatch;
    private final AllToAllKernel normalCombine;
    private final AllToAllKernel lowLatencyDispatch;
    private final AllToAllKernel lowLatencyCombine;
    private final LinkSpec tpLink;
    private final LinkSpec kvLink;
    private final int tp;
    private final int ranks;
    private final int gpus;
    private final int m;
    private final int topK;
    private final double kvShards;
    private final boolean mla;

    private final double bf16Peak;
    private final double hbm;
    private final Gemm projGemm;
    private final Gemm routerGemm;
    private final Gemm expertGemm;
    private final Gemm denseGemm;
    private final Gemm lmHeadGemm;
    private final KernelTable weightStreaming;
    private final KernelTable decodeCompute;
    private final KernelTable decodeHbm;
    private final KernelTable prefillCompute;
    private final double smKeep;
    private final double overlap;
    private final double lowLatencyOverlap;
    private final double smallLaunch;
    private final double smallSecondsPerToken;
    private final double hostStepSeconds;
    private final double eagerLayerFloor;
    private final boolean cudaGraphs;

    private final double projFlopsPerToken;
    private final double projWeightBytes;
    private final double prefixDecompressFlopsPerCached;
    private final double decodeCoreFlopsPerAttended;
    private final double prefillCoreFlopsPerAttended;
    private final double kvBytesPerTokenLayer;
    private final double routerFlopsPerToken;
    private final double routerWeightBytes;
    private final double sharedFlopsPerToken;
    private final double sharedWeightBytes;
    private final double denseFlopsPerToken;
    private final double denseWeightBytes;
    private final double expertWeightParams;
    private final double lmHeadFlopsPerToken;
    private final double lmHeadWeightBytes;
    private final double dispatchBytesPerCopy;
    private final double combineBytesPerCopy;
    private final int denseLayers;
    private final int moeLayers;

    private final double[] expertSecondsCache = new double[1 << 16];
    private final double[] expertPairCache = new double[1 << 16];
    private final double[] slotLoads;
    private final double[] sourceTokens;
    private final double[] copies;
    private final AllToAllKernel.Sources sources;
    private final AllToAllKernel.BusiestPorts busiest = new AllToAllKernel.BusiestPorts();

    public StepModel(ModelSpec spec, HardwareProfile hardware, Precision precision, Shape shape) {
        this(spec, hardware, precision, shape, null);
    }

    /**
     * A step model whose MoE layer {@code i} places its experts by {@code layerPlacements.get(i)}
     * (see {@code io.moesim.simulator.placement}); {@code null} places every layer contiguously.
     * Every layer must have {@code ceil((experts + shape.redundantExperts()) / shape.gpus())} slots per
     * GPU (empty slots cost nothing).
     */
    public StepModel(ModelSpec spec, HardwareProfile hardware, Precision precision, Shape shape,
                     java.util.List<ExpertPlacement> layerPlacements) {
        this.spec = spec;
        this.shape = shape;
        this.tp = shape.attentionTp();
        this.ranks = shape.ranks();
        this.gpus = shape.gpus();
        this.m = shape.microBatches();
        this.topK = spec.moe().topK();
        int experts = spec.moe().numRoutedExperts();
        this.placement = ExpertPlacement.contiguous(experts, gpus, shape.redundantExperts());
        int moeLayerCount = spec.numMoeLayers();
        this.layerPlacements = new ExpertPlacement[Math.max(1, moeLayerCount)];
        if (layerPlacements != null && layerPlacements.size() != moeLayerCount) {
            throw new IllegalArgumentException(layerPlacements.size() + " layer placements for "
                    + moeLayerCount + " MoE layers");
        }
        for (int l = 0; l < this.layerPlacements.length; l++) {
            ExpertPlacement p = layerPlacements == null ? placement : layerPlacements.get(l);
            if (p.numGpus() != gpus || p.numExperts() != experts || p.slotsPerGpu() != placement.slotsPerGpu()) {
                throw new IllegalArgumentException("layer " + l + ": placement of " + p.numExperts() + " experts in "
                        + p.slotsPerGpu() + " slots on " + p.numGpus() + " GPUs does not fit the instance");
            }
            this.layerPlacements[l] = p;
        }
        this.topology = new Topology(gpus, hardware.network().nvlinkDomainCount());
        this.kernels = hardware.kernels();
        HardwareProfile.Network net = hardware.network();
        double nics = net.nicsPerGpu().value() * net.nicBitsPerSecond().value() / 400e9;
        // Inside one NVLink domain the low-latency kernels make no RDMA round trips: their own fixed costs.
        boolean oneDomain = topology.numDomains() == 1;
        String ll = oneDomain ? "allToAll.lowLatency.nvlink." : "allToAll.lowLatency.rdma.";
        double llNv = ep("allToAll.lowLatency.nvlink.bytesPerSecond");
        double llRdma = ep("allToAll.lowLatency.rdma.bytesPerSecond") * nics;
        this.lowLatencyDispatch = new AllToAllKernel("low-latency dispatch", llNv, llRdma, ep(ll + "dispatchSeconds"));
        this.lowLatencyCombine = new AllToAllKernel("low-latency combine", llNv, llRdma, ep(ll + "combineSeconds"));
        this.normalDispatch = new AllToAllKernel("normal dispatch", ep("allToAll.normal.nvlink.dispatchBytesPerSecond"),
                ep("allToAll.normal.rdma.dispatchBytesPerSecond") * nics, ep("allToAll.normal.dispatchSeconds"));
        this.normalCombine = new AllToAllKernel("normal combine", ep("allToAll.normal.nvlink.combineBytesPerSecond"),
                ep("allToAll.normal.rdma.combineBytesPerSecond") * nics, ep("allToAll.normal.combineSeconds"));
        this.tpLink = new LinkSpec(tp <= net.nvlinkDomainCount() ? normalDispatch.nvlinkBytesPerSecond()
                : normalDispatch.rdmaBytesPerSecond(), normalDispatch.latencySeconds());
        this.kvLink = new LinkSpec(ep("allToAll.normal.rdma.dispatchBytesPerSecond"), normalDispatch.latencySeconds());
        this.mla = spec.attention() instanceof AttentionSpec.Mla;
        this.kvShards = switch (spec.attention()) {
            case AttentionSpec.Gqa g -> Math.min(tp, g.numKvHeads());
            case AttentionSpec.Mla mla -> 1;
        };

        HardwareProfile.Gpu gpu = hardware.gpu();
        this.bf16Peak = gpu.peakFlopsPerSecond(DataType.BF16);
        this.hbm = gpu.hbmBytesPerSecond().value();
        this.projGemm = gemm(gpu, precision.compute(Precision.Module.ATTENTION), precision.weights(Precision.Module.ATTENTION));
        this.routerGemm = gemm(gpu, precision.compute(Precision.Module.ROUTER), precision.weights(Precision.Module.ROUTER));
        this.expertGemm = gemm(gpu, precision.compute(Precision.Module.EXPERTS), precision.weights(Precision.Module.EXPERTS));
        this.denseGemm = gemm(gpu, precision.compute(Precision.Module.DENSE), precision.weights(Precision.Module.DENSE));
        double embeddingBytes = precision.embeddingBytes();
        DataType headType = embeddingBytes >= 2 ? DataType.BF16 : precision.gemmType();
        this.lmHeadGemm = new Gemm(gpu.peakFlopsPerSecond(headType), kernels.table(gemmKey(headType)), embeddingBytes);
        this.weightStreaming = kernels.table("gemm.weightStreamingFraction");
        String decodeKey = mla ? "attention.mlaDecode." : "attention.gqaDecode.";
        this.decodeCompute = kernels.table(decodeKey + "compute");
        this.decodeHbm = kernels.table(decodeKey + "hbm");
        this.prefillCompute = kernels.table("attention.prefill.compute");
        this.smKeep = 1 - kernels.value("overlap.communicationSmFraction");
        this.overlap = kernels.value("overlap.throughputKernels");
        this.lowLatencyOverlap = kernels.value("overlap.lowLatencyKernels");
        this.smallLaunch = kernels.value("smallKernels.launchSeconds");
        this.smallSecondsPerToken = kernels.value("smallKernels.hiddenPassesPerToken") * spec.hiddenSize()
                * DataType.BF16.bytes() / (hbm * kernels.value("hbm.achievableFraction"));
        this.hostStepSeconds = kernels.value("host.stepSeconds");
        this.eagerLayerFloor = kernels.value("host.kernelsPerLayer") * kernels.value("host.launchSecondsPerKernel");
        this.cudaGraphs = shape.cudaGraphs();

        // Per-token coefficients read off ModelAccounting's operation costs at known shapes.
        StepProfile decodeAt1023 = ModelAccounting.stepProfile(spec, Phase.DECODE, 1023, 1);
        StepProfile prefillAt0 = ModelAccounting.stepProfile(spec, Phase.PREFILL, 0, 1);
        StepProfile prefillAt1000 = ModelAccounting.stepProfile(spec, Phase.PREFILL, 1000, 1);
        OpCost proj = op(prefillAt0, OpCost.Op.ATTENTION_PROJECTIONS);
        this.projFlopsPerToken = proj.flopsPerToken();
        this.projWeightBytes = proj.weightParams() * projGemm.weightBytes();
        this.prefixDecompressFlopsPerCached =
                (op(prefillAt1000, OpCost.Op.ATTENTION_PROJECTIONS).flopsPerToken() - proj.flopsPerToken()) / 1000.0;
        this.decodeCoreFlopsPerAttended = op(decodeAt1023, OpCost.Op.ATTENTION_CORE).flopsPerToken() / 1024.0;
        this.prefillCoreFlopsPerAttended = op(prefillAt0, OpCost.Op.ATTENTION_CORE).flopsPerToken();
        this.kvBytesPerTokenLayer = ModelAccounting.kvCacheElementsPerTokenPerLayer(spec) * precision.kvCache().bytes();
        this.routerFlopsPerToken = 2.0 * ModelAccounting.routerWeightsPerLayer(spec);
        this.routerWeightBytes = ModelAccounting.routerWeightsPerLayer(spec) * routerGemm.weightBytes();
        long shared = ModelAccounting.sharedExpertWeightsPerLayer(spec);
        this.sharedFlopsPerToken = 2.0 * shared;
        this.sharedWeightBytes = shared * expertGemm.weightBytes();
        long dense = ModelAccounting.denseMlpWeightsPerLayer(spec);
        this.denseFlopsPerToken = 2.0 * dense;
        this.denseWeightBytes = dense * denseGemm.weightBytes();
        this.expertWeightParams = ModelAccounting.routedExpertWeights(spec);
        OpCost head = prefillAt0.lmHead();
        this.lmHeadFlopsPerToken = head.flopsPerToken();
        this.lmHeadWeightBytes = head.weightParams() * embeddingBytes;
        // DeepEP: FP8 dispatch carries the hidden vector plus one FP32 scale per 128 values.
        this.dispatchBytesPerCopy = spec.hiddenSize() * precision.dispatch().bytes()
                + (precision.dispatch().bytes() < 2 ? spec.hiddenSize() / 128.0 * 4 : 0);
        this.combineBytesPerCopy = spec.hiddenSize() * precision.combine().bytes();
        this.denseLayers = spec.numDenseLayers();
        this.moeLayers = spec.numMoeLayers();

        Arrays.fill(expertSecondsCache, -1);
        Arrays.fill(expertPairCache, -1);
        this.slotLoads = new double[gpus * placement.slotsPerGpu()];
        this.sourceTokens = new double[gpus];
        this.copies = new double[gpus];
        this.sources = new AllToAllKernel.Sources(topology);
    }

    /** A GEMM kind: its tensor-core peak, its kernel table (fraction of that peak by tokens) and bytes per weight. */
    private record Gemm(double peak, KernelTable fraction, double weightBytes) {
    }

    private Gemm gemm(HardwareProfile.Gpu gpu, DataType compute, DataType weights) {
        return new Gemm(gpu.peakFlopsPerSecond(compute), kernels.table(gemmKey(compute)), weights.bytes());
    }

    private static String gemmKey(DataType type) {
        return switch (type) {
            case FP4 -> "gemm.fp4";
            case FP8 -> "gemm.fp8";
            default -> "gemm.bf16";
        };
    }

    /** A kernel table by EP size, at this instance's EP size. */
    private double ep(String key) {
        return kernels.table(key).at(KernelProfile.EP, gpus, KernelProfile.EP, gpus);
    }

    private static OpCost op(StepProfile profile, OpCost.Op op) {
        return profile.layerGroups().stream().flatMap(g -> g.ops().stream()).filter(o -> o.op() == op).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + op + " in the step profile"));
    }

    public Shape shape() {
        return shape;
    }

    /** Fixed cost of one low-latency dispatch call on this instance (smaller inside one NVLink domain). */
    public double lowLatencyDispatchFixedSeconds() {
        return lowLatencyDispatch.latencySeconds();
    }

    /** Fixed cost of one low-latency combine call on this instance (smaller inside one NVLink domain). */
    public double lowLatencyCombineFixedSeconds() {
        return lowLatencyCombine.latencySeconds();
    }

    /**
     * The all-to-all kernel this instance uses: throughput ({@code lowLatency} false) or low-latency,
     * dispatch or combine, with its bandwidths and fixed cost at this EP size (RDMA per GPU, NICs counted).
     */
    public AllToAllKernel allToAll(boolean lowLatency, boolean combine) {
        return lowLatency ? (combine ? lowLatencyCombine : lowLatencyDispatch) : (combine ? normalCombine : normalDispatch);
    }

    /** The link a KV cache crosses between pools: one NIC at the throughput kernels' dispatch rate. */
    public LinkSpec kvTransferLink() {
        return kvLink;
    }

    /** The kernel profile the step model reads. */
    public KernelProfile kernels() {
        return kernels;
    }

    /** The placement of MoE layer 0 (every layer's, unless per-layer placements were given). */
    public ExpertPlacement placement() {
        return layerPlacements[0];
    }

    /** The placement of MoE layer {@code moeLayer}. */
    public ExpertPlacement placement(int moeLayer) {
        return layerPlacements[moeLayer];
    }

    /** Routed-expert slots per GPU and MoE layer. */
    public int slotsPerGpu() {
        return placement.slotsPerGpu();
    }

    /**
     * The expected tokens per slot under uniform routing: {@code tokens x topK / experts} per
     * logical expert, split evenly over its replicas. Fractional.
     */
    public Loads expectedLoads() {
        int experts = spec.moe().numRoutedExperts();
        double[][] shares = new double[layerPlacements.length][];
        for (int l = 0; l < shares.length; l++) {
            ExpertPlacement p = layerPlacements[l];
            if (l > 0 && p == layerPlacements[l - 1]) {
                shares[l] = shares[l - 1];
                continue;
            }
            double[] share = new double[slotLoads.length];
            int[] replicas = new int[experts];
            for (int s = 0; s < share.length; s++) {
                if (p.slotExpert(s) != ExpertPlacement.EMPTY) {
                    replicas[p.slotExpert(s)]++;
                }
            }
            for (int s = 0; s < share.length; s++) {
                share[s] = p.slotExpert(s) == ExpertPlacement.EMPTY ? 0
                        : (double) topK / experts / replicas[p.slotExpert(s)];
            }
            shares[l] = share;
        }
        return (layer, tokens, out) -> {
            double[] share = shares[layer];
            for (int s = 0; s < out.length; s++) {
                out[s] = tokens * share[s];
            }
        };
    }

    /** Tokens per slot from {@code routing}'s draw for each batch and layer (total tokens rounded). */
    public Loads drawnLoads(RoutingSource routing) {
        int[] expertLoads = new int[spec.moe().numRoutedExperts()];
        int[] slots = new int[slotLoads.length];
        return (layer, tokens, out) -> {
            routing.expertLoads(layer, (int) Math.round(tokens), expertLoads);
            layerPlacements[layer].slotLoads(expertLoads, slots);
            for (int s = 0; s < out.length; s++) {
                out[s] = slots[s];
            }
        };
    }

    /** Time of a GEMM of {@code flops} over {@code tokens} rows streaming {@code bytes} of weights, of kind {@code g}. */
    private double gemmSeconds(double flops, double bytes, double tokens, Gemm g) {
        if (tokens <= 0) {
            return 0;
        }
        return Math.max(flops / (g.peak() * g.fraction().at(tokens)), bytes / (hbm * weightStreaming.at(tokens)));
    }

    /** A GEMM of the routed experts' type (their peak and kernel table). */
    public double gemmSeconds(double flops, double bytes, double tokens) {
        return gemmSeconds(flops, bytes, tokens, expertGemm);
    }

    /** A GEMM at {@code type}'s peak and kernel table (the validation probes' single-GEMM figures). */
    public double gemmSeconds(double flops, double bytes, double tokens, DataType type, HardwareProfile.Gpu gpu) {
        return gemmSeconds(flops, bytes, tokens, new Gemm(gpu.peakFlopsPerSecond(type), kernels.table(gemmKey(type)), 1));
    }

    /** Time of one routed expert's GEMMs (gate, up, down) over {@code tokens} tokens; 0 when none. */
    public double expertSeconds(double tokens) {
        if (tokens <= 0) {
            return 0;
        }
        int whole = (int) tokens;
        boolean cacheable = whole == tokens && whole < expertSecondsCache.length;
        if (cacheable && expertSecondsCache[whole] >= 0) {
            return expertSecondsCache[whole];
        }
        double s = gemmSeconds(2.0 * expertWeightParams * tokens, expertWeightParams * expertGemm.weightBytes(), tokens);
        if (cacheable) {
            expertSecondsCache[whole] = s;
        }
        return s;
    }

    /** Both micro-batches' GEMMs of one expert slot with {@code load} tokens: ceil and floor halves. Cached. */
    private double expertPairSeconds(double load) {
        int whole = (int) load;
        boolean cacheable = whole == load && whole < expertPairCache.length;
        if (cacheable && expertPairCache[whole] >= 0) {
            return expertPairCache[whole];
        }
        double first = whole == load ? Math.ceil(load / 2) : load / 2;
        double s = expertSeconds(first) + expertSeconds(load - first);
        if (cacheable) {
            expertPairCache[whole] = s;
        }
        return s;
    }

    /**
     * Normal (throughput) kernels send a token once to each remote NVLink domain holding one of
     * its experts, then forward it over NVLink: the NICs carry (distinct domains per token) / topK
     * of the copies. With q_d the share of copies landing in domain d, a token's topK picks hit
     * about sum_d (1 - (1 - q_d)^topK) domains.
     */
    private double nicDedupFactor() {
        int domains = topology.numDomains();
        if (domains <= 1) {
            return 1.0;
        }
        double total = 0;
        for (int g = 0; g < gpus; g++) {
            total += copies[g];
        }
        if (total == 0) {
            return 1.0;
        }
        double distinct = 0;
        int per = topology.gpusPerDomain();
        for (int d = 0; d < domains; d++) {
            double inDomain = 0;
            for (int g = d * per; g < Math.min(gpus, (d + 1) * per); g++) {
                inDomain += copies[g];
            }
            distinct += 1 - Math.pow(1 - inDomain / total, topK);
        }
        return distinct / topK;
    }

    /**
     * What a prefill chunk costs one attention rank per layer (averaged over dense and MoE layers),
     * at the compute-bound rates {@link #step} uses for a rank of {@code tokensPerRank} new tokens:
     * projections, router and shared expert (dense MLP in a dense layer) per token, the attention
     * core per attended pair, and MLA's decompression of cached tokens. Routed experts are left
     * out: they run on every GPU after the dispatch, whichever rank the tokens came from.
     */
    public RankPrefillCost rankPrefillCost(double tokensPerRank) {
        double projRate = rate(projGemm, tokensPerRank);
        int layers = Math.max(1, denseLayers + moeLayers);
        double mlpSeconds = (denseLayers * denseFlopsPerToken / rate(denseGemm, tokensPerRank)
                + moeLayers * sharedFlopsPerToken / rate(expertGemm, tokensPerRank)) / layers;
        double routerSeconds = moeLayers * routerFlopsPerToken / rate(routerGemm, tokensPerRank) / layers;
        double perToken = (projFlopsPerToken / projRate + mlpSeconds + routerSeconds) / tp;
        return new RankPrefillCost(perToken, prefillCoreFlopsPerAttended / (bf16Peak * prefillCompute.at(tokensPerRank)) / tp,
                prefixDecompressFlopsPerCached / projRate / tp);
    }

    /**
     * The decode-time estimate of one attention rank the KV balancer compares, per layer. Per request: projections, router and shared expert
     * for one token at the FLOP rate of a {@code requestsPerRank}-token GEMM, plus sending its top-k
     * copies out and taking them back with the low-latency kernels (the rank's own port; over RDMA
     * unless the group is one NVLink domain); per context token: the attention core, compute- or
     * KV-read-bound as in {@link #step}.
     */
    public RankDecodeCost rankDecodeCost(double requestsPerRank) {
        double linkBytesPerSecond = topology.numDomains() == 1 ? lowLatencyDispatch.nvlinkBytesPerSecond()
                : lowLatencyDispatch.rdmaBytesPerSecond();
        double perRequest = (projFlopsPerToken / rate(projGemm, requestsPerRank)
                + sharedFlopsPerToken / rate(expertGemm, requestsPerRank)
                // The router at the projections' rate, as this estimate always had it: the KV balancer's
                // result swings by 20% on a 0.1% change of this ratio (DpBalancingSimulationTest), see the report.
                + routerFlopsPerToken / rate(projGemm, requestsPerRank)) / tp
                + topK * (dispatchBytesPerCopy + combineBytesPerCopy) / linkBytesPerSecond / tp;
        // The balancer's estimate reads the decode tables at the rank's batch and a 4,096-token context.
        double c = decodeCompute.at(KernelProfile.BATCH, requestsPerRank, KernelProfile.CONTEXT, 4096);
        double h = decodeHbm.at(KernelProfile.BATCH, requestsPerRank, KernelProfile.CONTEXT, 4096);
        double perContext = Math.max(decodeCoreFlopsPerAttended / (bf16Peak * c) / tp,
                kvBytesPerTokenLayer / kvShards / (hbm * h));
        return new RankDecodeCost(perRequest, perContext);
    }

    private static double rate(Gemm g, double tokens) {
        return g.peak() * g.fraction().at(Math.max(1, tokens));
    }

    /** Times one step with the expected (uniform, fractional) tokens per expert slot. */
    public Step step(Batch batch) {
        return step(batch, expectedLoads());
    }

    /** A batch with {@code requestsPerGpu} decoding requests per GPU at {@code context} tokens, on every rank. */
    public Batch decodeBatch(double requestsPerGpu, double context) {
        Batch batch = new Batch(ranks);
        for (int r = 0; r < ranks; r++) {
            batch.addDecode(r, context, requestsPerGpu * tp);
        }
        return batch;
    }

    /**
     * A batch with {@code tokensPerGpu} new prompt tokens per GPU on every rank, as whole prompts of
     * {@code newTokens} tokens after {@code cachedTokens} cached ones (fractional prompt counts).
     */
    public Batch prefillBatch(double tokensPerGpu, double cachedTokens, double newTokens) {
        Batch batch = new Batch(ranks);
        double chunk = Math.min(newTokens, tokensPerGpu * tp);
        for (int r = 0; r < ranks; r++) {
            batch.addPrefill(r, cachedTokens, chunk, tokensPerGpu * tp / chunk);
        }
        return batch;
    }

    /** Times one step of the instance for {@code batch}, with tokens per expert slot from {@code loads}. */
    public Step step(Batch batch, Loads loads) {
        double[] parts = new double[Part.values().length];
        double total = batch.totalTokens();
        if (total <= 0) {
            return new Step(0, 0, 0, 0, 0, parts);
        }
        boolean lowLatency = batch.prefillTokens == 0;
        // Throughput kernels run on SMs beside the other micro-batch's compute.
        double slow = m > 1 && !lowLatency ? 1 / smKeep : 1;

        // Per-rank attention and MLP per micro-batch (the same in every layer of a kind); keep the slowest rank.
        double maxDense = 0;
        double maxMoe = 0;
        double sumDense = 0;
        double sumMoe = 0;
        double tpComm = 0;
        double[] denseParts = new double[parts.length];
        double[] moeParts = new double[parts.length];
        for (int r = 0; r < ranks; r++) {
            double n = batch.newTokens[r];
            if (n <= 0) {
                continue;
            }
            double t = n / m;
            double f = 1.0 / m;
            double proj = gemmSeconds((projFlopsPerToken * t + prefixDecompressFlopsPerCached * batch.prefillCached[r] * f) / tp,
                    projWeightBytes / tp, t * tp, projGemm);
            // Attention core: decode requests at the decode kernel's rate for this batch and mean context,
            // prompt chunks at the prefill kernel's; KV reads at the decode kernel's achieved bandwidth.
            double requests = batch.decodeRequests[r];
            double prefillNew = n - requests;
            double perCall = requests * f;
            double context = requests > 0 ? (batch.decodeAttended[r] - requests) / requests : 0;
            double decodeFlops = decodeCoreFlopsPerAttended * batch.decodeAttended[r] * f / tp;
            double prefillFlops = prefillCoreFlopsPerAttended * batch.prefillAttended[r] * f / tp;
            double kvBytes = batch.kvRead[r] * kvBytesPerTokenLayer * f / kvShards;
            double c = decodeCompute.at(KernelProfile.BATCH, Math.max(1, perCall), KernelProfile.CONTEXT, Math.max(1, context));
            double h = decodeHbm.at(KernelProfile.BATCH, Math.max(1, perCall), KernelProfile.CONTEXT, Math.max(1, context));
            double computeSeconds = decodeFlops / (bf16Peak * c)
                    + (prefillFlops > 0 ? prefillFlops / (bf16Peak * prefillCompute.at(Math.max(1, prefillNew * f))) : 0);
            double core = Math.max(computeSeconds, kvBytes / (hbm * h));
            double dense = gemmSeconds(denseFlopsPerToken * t / tp, denseWeightBytes / tp, t * tp, denseGemm);
            double router = gemmSeconds(routerFlopsPerToken * t, routerWeightBytes, t, routerGemm);
            double shared = gemmSeconds(sharedFlopsPerToken * t / tp, sharedWeightBytes / tp, t * tp, expertGemm);
            double small = smallLaunch + t * smallSecondsPerToken;
            double attn = proj + core + small;
            if (attn + dense > maxDense) {
                maxDense = attn + dense;
                set(denseParts, proj, core, 0, 0, dense, small);
            }
            if (attn + router + shared > maxMoe) {
                maxMoe = attn + router + shared;
                set(moeParts, proj, core, router, shared, 0, small);
            }
            sumDense += m * (attn + dense) * tp;
            sumMoe += m * (attn + router + shared) * tp;
            if (tp > 1) {
                // All-reduce after attention and after the MLP, per micro-batch.
                tpComm = Math.max(tpComm, m * 2 * Collectives.allReduceSeconds(t * tp * spec.hiddenSize()
                        * DataType.BF16.bytes(), tp, tpLink));
            }
        }

        double compute = 0;
        double communication = 0;
        double gpuCompute = 0;
        double stepSeconds = 0;

        // Dense layers: no all-to-all.
        double denseCompute = m * maxDense;
        double hidden = lowLatency ? lowLatencyOverlap : overlap;
        // Eager launches (no CUDA graph: always for steps with prompt tokens) floor each layer at its CPU launch time.
        double floor = lowLatency && cudaGraphs ? 0 : m * eagerLayerFloor;
        double hostSeconds = 0;
        double denseLayer = layer(denseCompute, tpComm, hidden);
        stepSeconds += denseLayers * Math.max(denseLayer, floor);
        hostSeconds += denseLayers * Math.max(0, floor - denseLayer);
        compute += denseLayers * denseCompute;
        communication += denseLayers * tpComm;
        gpuCompute += denseLayers * sumDense;
        accumulate(parts, denseParts, denseLayers * m);
        parts[Part.TP_ALL_REDUCE.ordinal()] += denseLayers * tpComm;

        // Token sources of the all-to-all: each rank's tokens spread over its TP GPUs.
        for (int r = 0; r < ranks; r++) {
            for (int k = 0; k < tp; k++) {
                sourceTokens[r * tp + k] = batch.newTokens[r] / tp;
            }
        }
        sources.set(sourceTokens);
        int slotsPerGpu = placement.slotsPerGpu();
        AllToAllKernel dispatchKernel = lowLatency ? lowLatencyDispatch : normalDispatch;
        AllToAllKernel combineKernel = lowLatency ? lowLatencyCombine : normalCombine;
        // Fixed costs once per micro-batch; the transfers of both micro-batches together.
        double dispatchFixed = m * dispatchKernel.latencySeconds();
        double combineFixed = m * combineKernel.latencySeconds();
        for (int layer = 0; layer < moeLayers; layer++) {
            loads.fill(layer, total, slotLoads);
            double maxExpert = 0;
            double sumExpert = 0;
            for (int g = 0; g < gpus; g++) {
                double t = 0;
                double received = 0;
                for (int s = g * slotsPerGpu, end = s + slotsPerGpu; s < end; s++) {
                    double load = slotLoads[s];
                    received += load;
                    t += m == 1 ? expertSeconds(load) : expertPairSeconds(load);
                }
                copies[g] = received;
                maxExpert = Math.max(maxExpert, t);
                sumExpert += t;
            }
            double dedup = lowLatency ? 1.0 : nicDedupFactor();
            AllToAllKernel.BusiestPorts ports = AllToAllKernel.busiestPorts(sources, copies, busiest);
            double dispatch = dispatchKernel.transferSeconds(ports, dispatchBytesPerCopy, dispatchBytesPerCopy * dedup)
                    + dispatchFixed;
            double combine = combineKernel.transferSeconds(ports, combineBytesPerCopy, combineBytesPerCopy * dedup)
                    + combineFixed;
            double comm = dispatch + combine + tpComm;
            double layerCompute = (m * maxMoe + maxExpert) * slow;
            double moeLayer = layer(layerCompute, comm, hidden);
            stepSeconds += Math.max(moeLayer, floor);
            hostSeconds += Math.max(0, floor - moeLayer);
            compute += layerCompute;
            communication += comm;
            gpuCompute += (sumMoe + sumExpert) * slow;
            parts[Part.ROUTED_EXPERTS.ordinal()] += maxExpert * slow;
            parts[Part.DISPATCH.ordinal()] += dispatch;
            parts[Part.COMBINE.ordinal()] += combine;
            parts[Part.TP_ALL_REDUCE.ordinal()] += tpComm;
        }
        accumulate(parts, moeParts, moeLayers * m * slow);

        // LM head, once per step per rank, on the tokens that need logits.
        double maxHead = 0;
        for (int r = 0; r < ranks; r++) {
            double h = batch.lmHeadTokens[r];
            double head = gemmSeconds(lmHeadFlopsPerToken * h / tp, lmHeadWeightBytes / tp, h * tp, lmHeadGemm);
            maxHead = Math.max(maxHead, head);
            gpuCompute += head * tp;
        }
        parts[Part.LM_HEAD.ordinal()] += maxHead;
        compute += maxHead;
        stepSeconds += maxHead + hostStepSeconds;
        parts[Part.HOST.ordinal()] += hostSeconds + hostStepSeconds;
        return new Step(stepSeconds, compute, communication, Math.max(0, stepSeconds - compute), gpuCompute, parts);
    }

    /** One layer of {@code compute} and {@code comm} seconds (both micro-batches together), hiding {@code overlap}. */
    private double layer(double compute, double comm, double overlap) {
        if (m == 1 || comm == 0) {
            return compute + comm;
        }
        return Math.max(compute, comm) + (1 - overlap) * Math.min(compute, comm);
    }

    private void set(double[] p, double proj, double core, double router, double shared, double dense, double small) {
        p[Part.ATTENTION_PROJECTIONS.ordinal()] = proj;
        p[Part.ATTENTION_CORE.ordinal()] = core;
        p[Part.ROUTER.ordinal()] = router;
        p[Part.SHARED_EXPERTS.ordinal()] = shared;
        p[Part.DENSE_MLP.ordinal()] = dense;
        p[Part.SMALL_KERNELS.ordinal()] = small;
    }

    private static void accumulate(double[] into, double[] from, double times) {
        for (int i = 0; i < into.length; i++) {
            into[i] += from[i] * times;
        }
    }
}
