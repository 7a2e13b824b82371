package io.moesim.simulator.serving;

import io.moesim.models.spec.ModelAccounting;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.OpCost;
import io.moesim.models.spec.Phase;
import io.moesim.models.spec.StepProfile;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.EfficiencyCurve;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.network.AllToAllKernel;
import io.moesim.simulator.network.Collectives;
import io.moesim.simulator.network.LinkSpec;
import io.moesim.simulator.network.Topology;
import io.moesim.simulator.routing.ExpertPlacement;
import io.moesim.simulator.routing.RoutingSource;
import java.util.Arrays;

/**
 * The duration of one step of one instance, layer by layer, from the per-operation costs of
 * {@link ModelAccounting#stepProfile} and the hardware profile's efficiencies.
 *
 * <p>Per layer and DP rank: attention projections and core (against each request's own context),
 * then the dense MLP, or the router and shared experts of an MoE layer. An MoE layer routes the
 * step's tokens ({@link RoutingSource}), splits them over the expert slots of the placement, and
 * times each GPU's expert GEMMs from the tokens each local expert receives (an expert with few
 * tokens still streams all its weights); dispatch (FP8) and combine (BF16) cost what the busiest
 * port carries. Each phase of a layer ends when its slowest rank or GPU ends. With two micro-batches
 * the layer costs max(compute, communication) of the two halves, else their sum.
 *
 * <p>A GEMM costs max(FLOPs / (peak x efficiency(tokens)), weight bytes / (HBM x fraction)); the
 * attention core max(FLOPs / (BF16 peak x fraction), KV bytes / (HBM x fraction)).
 */
public final class StepModel {

    /** The batch of one step, one entry per DP rank; filled by the scheduler, reused between steps. */
    public static final class Batch {
        final int[] newTokens;
        final int[] lmHeadTokens;
        final double[] decodeAttended;
        final double[] decodeKvRead;
        final double[] prefillAttended;
        final double[] prefillKvRead;

        public Batch(int ranks) {
            newTokens = new int[ranks];
            lmHeadTokens = new int[ranks];
            decodeAttended = new double[ranks];
            decodeKvRead = new double[ranks];
            prefillAttended = new double[ranks];
            prefillKvRead = new double[ranks];
        }

        public void clear() {
            Arrays.fill(newTokens, 0);
            Arrays.fill(lmHeadTokens, 0);
            Arrays.fill(decodeAttended, 0);
            Arrays.fill(decodeKvRead, 0);
            Arrays.fill(prefillAttended, 0);
            Arrays.fill(prefillKvRead, 0);
        }

        /** Adds one decoding request with {@code contextTokens} tokens in its KV cache to rank {@code r}. */
        public void addDecode(int r, int contextTokens) {
            newTokens[r]++;
            lmHeadTokens[r]++;
            decodeAttended[r] += contextTokens + 1;
            decodeKvRead[r] += contextTokens;
        }

        /** Adds a prefill chunk of {@code chunk} tokens after {@code cached} cached tokens to rank {@code r}. */
        public void addPrefill(int r, int cached, int chunk) {
            newTokens[r] += chunk;
            lmHeadTokens[r]++;
            prefillAttended[r] += (double) chunk * cached + chunk * (chunk + 1.0) / 2.0;
            prefillKvRead[r] += cached;
        }

        public int totalTokens() {
            int sum = 0;
            for (int n : newTokens) {
                sum += n;
            }
            return sum;
        }
    }

    /** The cost of a step: its wall time, the compute on its critical path, and Σ over GPUs of their own compute. */
    public record StepTime(double stepSeconds, double criticalComputeSeconds, double exposedCommunicationSeconds,
                           double gpuComputeSeconds) {
    }

    private final ModelSpec spec;
    private final PoolSpec pool;
    private final RoutingSource routing;
    private final ExpertPlacement placement;
    private final Topology topology;
    private final AllToAllKernel kernel;
    private final LinkSpec tpLink;
    private final int tp;
    private final int ranks;
    private final int gpus;
    private final int microBatches;

    private final double gemmPeak;
    private final double bf16Peak;
    private final EfficiencyCurve gemmCurve;
    private final double weightBandwidth;
    private final double attentionFlopsRate;
    private final double attentionBandwidth;

    private final double weightBytes;
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

    private final double[] expertSecondsCache = new double[16384];
    private final int[] expertLoads;
    private final int[] slotLoads;
    private final double[] sourceTokens;
    private final double[] copies;
    private final double[] domainScratch;
    private final double[] rankAttention;
    private final double[] rankAttentionMb;

    public StepModel(ModelSpec spec, HardwareProfile hardware, DataType weightType, DataType kvCacheType,
                     PoolSpec pool, RoutingSource routing) {
        this.spec = spec;
        this.pool = pool;
        this.routing = routing;
        this.tp = pool.attentionTp();
        this.ranks = pool.ranksPerInstance();
        this.gpus = pool.gpusPerInstance();
        this.microBatches = pool.twoMicroBatches() ? 2 : 1;
        int experts = spec.moe().numRoutedExperts();
        this.placement = ExpertPlacement.contiguous(experts, gpus, pool.redundantExperts());
        this.topology = new Topology(gpus, hardware.network().nvlinkDomainCount());
        HardwareProfile.Efficiency eff = hardware.efficiency();
        double latency = eff.collectiveLatencySeconds().value();
        this.kernel = pool.lowLatencyKernels()
                ? new AllToAllKernel("low-latency", eff.nvlinkLowLatencyBytesPerSecond().value(),
                        eff.rdmaLowLatencyBytesPerSecond().value(), latency)
                : new AllToAllKernel("normal", eff.nvlinkBytesPerSecond().value(), eff.rdmaBytesPerSecond().value(), latency);
        this.tpLink = new LinkSpec(eff.nvlinkBytesPerSecond().value(), latency);

        HardwareProfile.Gpu gpu = hardware.gpu();
        this.gemmPeak = gpu.peakFlopsPerSecond(weightType);
        this.bf16Peak = gpu.peakFlopsPerSecond(DataType.BF16);
        this.gemmCurve = eff.gemmCompute();
        this.weightBandwidth = gpu.hbmBytesPerSecond().value() * eff.gemmHbmFraction().value();
        this.attentionFlopsRate = bf16Peak * eff.attentionComputeFraction().value();
        this.attentionBandwidth = gpu.hbmBytesPerSecond().value() * eff.attentionHbmFraction().value();
        this.weightBytes = weightType.bytes();

        // Per-token coefficients read off ModelAccounting's op costs at known shapes.
        StepProfile decodeAt1023 = ModelAccounting.stepProfile(spec, Phase.DECODE, 1023, 1);
        StepProfile prefillAt0 = ModelAccounting.stepProfile(spec, Phase.PREFILL, 0, 1);
        StepProfile prefillAt1000 = ModelAccounting.stepProfile(spec, Phase.PREFILL, 1000, 1);
        OpCost proj = op(prefillAt0, OpCost.Op.ATTENTION_PROJECTIONS);
        this.projFlopsPerToken = proj.flopsPerToken();
        this.projWeightBytes = proj.weightParams() * weightBytes;
        this.prefixDecompressFlopsPerCached =
                (op(prefillAt1000, OpCost.Op.ATTENTION_PROJECTIONS).flopsPerToken() - proj.flopsPerToken()) / 1000.0;
        OpCost decodeCore = op(decodeAt1023, OpCost.Op.ATTENTION_CORE);
        this.decodeCoreFlopsPerAttended = decodeCore.flopsPerToken() / 1024.0;
        this.prefillCoreFlopsPerAttended = op(prefillAt0, OpCost.Op.ATTENTION_CORE).flopsPerToken();
        this.kvBytesPerTokenLayer = ModelAccounting.kvCacheElementsPerTokenPerLayer(spec) * kvCacheType.bytes();
        this.routerFlopsPerToken = 2.0 * ModelAccounting.routerWeightsPerLayer(spec);
        this.routerWeightBytes = ModelAccounting.routerWeightsPerLayer(spec) * DataType.BF16.bytes();
        long shared = ModelAccounting.sharedExpertWeightsPerLayer(spec);
        this.sharedFlopsPerToken = 2.0 * shared;
        this.sharedWeightBytes = shared * weightBytes;
        long dense = ModelAccounting.denseMlpWeightsPerLayer(spec);
        this.denseFlopsPerToken = 2.0 * dense;
        this.denseWeightBytes = dense * weightBytes;
        this.expertWeightParams = ModelAccounting.routedExpertWeights(spec);
        this.lmHeadFlopsPerToken = 2.0 * spec.hiddenSize() * (double) spec.vocabSize();
        this.lmHeadWeightBytes = (double) spec.hiddenSize() * spec.vocabSize() * DataType.BF16.bytes();
        // DeepEP: FP8 dispatch carries the hidden vector plus one FP32 scale per 128 values; BF16 combine.
        this.dispatchBytesPerCopy = spec.hiddenSize() * weightType.bytes()
                + (weightType == DataType.FP8 ? spec.hiddenSize() / 128.0 * 4 : 0);
        this.combineBytesPerCopy = spec.hiddenSize() * DataType.BF16.bytes();
        this.denseLayers = spec.numDenseLayers();
        this.moeLayers = spec.numMoeLayers();

        Arrays.fill(expertSecondsCache, -1);
        this.expertLoads = new int[experts];
        this.slotLoads = new int[experts + pool.redundantExperts()];
        this.sourceTokens = new double[gpus];
        this.copies = new double[gpus];
        this.domainScratch = new double[2 * topology.numDomains()];
        this.rankAttention = new double[ranks];
        this.rankAttentionMb = new double[ranks];
    }

    private static OpCost op(StepProfile profile, OpCost.Op op) {
        return profile.layerGroups().stream().flatMap(g -> g.ops().stream()).filter(o -> o.op() == op).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + op + " in the step profile"));
    }

    public ExpertPlacement placement() {
        return placement;
    }

    public AllToAllKernel kernel() {
        return kernel;
    }

    /** Bytes of one token copy in the FP8 dispatch and the BF16 combine. */
    public double dispatchBytesPerCopy() {
        return dispatchBytesPerCopy;
    }

    public double combineBytesPerCopy() {
        return combineBytesPerCopy;
    }

    /** Time of a GEMM of {@code flops} over {@code tokens} tokens streaming {@code bytes} of weights. */
    public double gemmSeconds(double flops, double bytes, double tokens) {
        return gemmSeconds(flops, bytes, tokens, gemmPeak);
    }

    private double gemmSeconds(double flops, double bytes, double tokens, double peak) {
        if (tokens <= 0) {
            return 0;
        }
        return Math.max(flops / (peak * gemmCurve.fractionAt(tokens)), bytes / weightBandwidth);
    }

    /** Time of one routed expert's GEMMs (gate, up, down) over {@code tokens} tokens; 0 when none. Cached. */
    public double expertSeconds(int tokens) {
        if (tokens <= 0) {
            return 0;
        }
        if (tokens < expertSecondsCache.length) {
            double cached = expertSecondsCache[tokens];
            if (cached >= 0) {
                return cached;
            }
        }
        double s = gemmSeconds(2.0 * expertWeightParams * tokens, expertWeightParams * weightBytes, tokens);
        if (tokens < expertSecondsCache.length) {
            expertSecondsCache[tokens] = s;
        }
        return s;
    }

    private double attentionSeconds(int r, int tokens, double fraction) {
        double projTokens = tokens;
        double proj = gemmSeconds((projFlopsPerToken * projTokens + prefixDecompressFlopsPerCached * current.prefillKvRead[r] * fraction) / tp,
                projWeightBytes / tp, projTokens);
        double coreFlops = (decodeCoreFlopsPerAttended * current.decodeAttended[r]
                + prefillCoreFlopsPerAttended * current.prefillAttended[r]) * fraction / tp;
        double kvBytes = (current.decodeKvRead[r] + current.prefillKvRead[r]) * kvBytesPerTokenLayer * fraction / tp;
        double core = tokens == 0 ? 0 : Math.max(coreFlops / attentionFlopsRate, kvBytes / attentionBandwidth);
        return proj + core;
    }

    private Batch current;

    /**
     * Normal (throughput) kernels send a token once to each remote domain its experts sit in, then
     * forward it over NVLink: the NIC carries (distinct domains per token) / topK of the copies.
     * With q_d the share of copies landing in domain d, a token's topK picks hit
     * sum_d (1 - (1 - q_d)^topK) distinct domains on average.
     */
    private double nodeDedupFactor(int tokens) {
        int domains = topology.numDomains();
        if (domains <= 1 || tokens == 0) {
            return 1.0;
        }
        int k = spec.moe().topK();
        double totalCopies = (double) tokens * k;
        double distinct = 0;
        for (int d = 0; d < domains; d++) {
            double inDomain = 0;
            for (int g = d * topology.gpusPerDomain(); g < Math.min(gpus, (d + 1) * topology.gpusPerDomain()); g++) {
                inDomain += copies[g];
            }
            distinct += 1 - Math.pow(1 - inDomain / totalCopies, k);
        }
        return distinct / k;
    }

    /** Times one step of the instance for {@code batch}; draws the step's routing from the routing source. */
    public StepTime step(Batch batch) {
        this.current = batch;
        int m = microBatches;
        int total = batch.totalTokens();
        if (total == 0) {
            return new StepTime(0, 0, 0, 0);
        }
        double critical = 0;
        double exposed = 0;
        double gpuCompute = 0;

        // Per-rank attention and MLP times per micro-batch (identical in every layer of a kind).
        double maxAttnDense = 0, maxAttnMoe = 0;
        double sumAttnDense = 0, sumAttnMoe = 0;
        double tpComm = 0;
        for (int r = 0; r < ranks; r++) {
            int n = batch.newTokens[r];
            int nMb = (n + m - 1) / m;
            double attn = n == 0 ? 0 : attentionSeconds(r, nMb, 1.0 / m);
            double denseMlp = gemmSeconds(denseFlopsPerToken * nMb / tp, denseWeightBytes / tp, nMb);
            double moeFixed = gemmSeconds(routerFlopsPerToken * nMb, routerWeightBytes, nMb)
                    + gemmSeconds(sharedFlopsPerToken * nMb / tp, sharedWeightBytes / tp, nMb);
            maxAttnDense = Math.max(maxAttnDense, attn + denseMlp);
            maxAttnMoe = Math.max(maxAttnMoe, attn + moeFixed);
            sumAttnDense += m * (attn + denseMlp) * tp;
            sumAttnMoe += m * (attn + moeFixed) * tp;
            if (tp > 1) {
                // All-reduce after attention and after the MLP, per micro-batch.
                tpComm = Math.max(tpComm, m * 2 * Collectives.allReduceSeconds(nMb * spec.hiddenSize() * DataType.BF16.bytes(), tp, tpLink));
            }
        }

        // Dense layers: no all-to-all.
        double denseCompute = m * maxAttnDense;
        double denseLayer = m > 1 ? Math.max(denseCompute, tpComm) : denseCompute + tpComm;
        critical += denseLayers * denseCompute;
        exposed += denseLayers * (denseLayer - denseCompute);
        gpuCompute += denseLayers * sumAttnDense;
        double stepSeconds = denseLayers * denseLayer;

        // Token sources of the all-to-all: each rank's tokens spread over its TP GPUs.
        for (int r = 0; r < ranks; r++) {
            for (int k = 0; k < tp; k++) {
                sourceTokens[r * tp + k] = (double) batch.newTokens[r] / tp;
            }
        }
        int slotsPerGpu = placement.slotsPerGpu();
        for (int layer = 0; layer < moeLayers; layer++) {
            routing.expertLoads(layer, total, expertLoads);
            placement.slotLoads(expertLoads, slotLoads);
            double maxExpert = 0;
            double sumExpert = 0;
            for (int g = 0; g < gpus; g++) {
                double t = 0;
                int received = 0;
                for (int s = g * slotsPerGpu, end = s + slotsPerGpu; s < end; s++) {
                    int load = slotLoads[s];
                    received += load;
                    if (m == 1) {
                        t += expertSeconds(load);
                    } else {
                        t += expertSeconds((load + 1) / 2) + expertSeconds(load / 2);
                    }
                }
                copies[g] = received;
                maxExpert = Math.max(maxExpert, t);
                sumExpert += t;
            }
            // Both micro-batches carry half the traffic each: the busiest port carries half, latency paid twice.
            double nicBytes = dispatchBytesPerCopy * (pool.lowLatencyKernels() ? 1.0 : nodeDedupFactor(total));
            double dispatchFull = kernel.secondsProductForm(sourceTokens, copies, dispatchBytesPerCopy, nicBytes,
                    topology, domainScratch);
            double transferFull = dispatchFull - kernel.latencySeconds();
            double combineTransfer = transferFull * combineBytesPerCopy / dispatchBytesPerCopy;
            double comm = transferFull + combineTransfer + 2 * m * kernel.latencySeconds() + tpComm;
            double compute = m * maxAttnMoe + maxExpert;
            double layerSeconds = m > 1 ? Math.max(compute, comm) : compute + comm;
            critical += compute;
            exposed += layerSeconds - compute;
            gpuCompute += sumAttnMoe + sumExpert;
            stepSeconds += layerSeconds;
        }

        // LM head, once per step per rank.
        double maxHead = 0;
        for (int r = 0; r < ranks; r++) {
            int h = batch.lmHeadTokens[r];
            double head = gemmSeconds(lmHeadFlopsPerToken * h / tp, lmHeadWeightBytes / tp, h, bf16Peak);
            maxHead = Math.max(maxHead, head);
            gpuCompute += head * tp;
        }
        critical += maxHead;
        stepSeconds += maxHead;
        return new StepTime(stepSeconds, critical, exposed, gpuCompute);
    }
}
