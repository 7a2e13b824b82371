package io.moesim.simulator.analytic;

import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.LayerGroup;
import io.moesim.models.spec.ModelAccounting;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.OpCost;
import io.moesim.models.spec.Phase;
import io.moesim.models.spec.StepProfile;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Precision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Roofline model of one forward step of one GPU of a pool, assuming uniform routing (every expert
 * slot gets the same share of tokens). Each operation costs
 * {@code max(FLOPs / (peak x efficiency), bytes / (HBM bandwidth x efficiency))}, with the
 * efficiencies of the hardware profile: a grouped GEMM's compute efficiency depends on its tokens per
 * expert, and a GEMM with few tokens is bound by streaming all its weights. Communication:
 * expert-parallel dispatch and combine (NVLink inside the NVLink domain, the NICs across domains),
 * tensor-parallel all-reduces. With two micro-batches one micro-batch's communication hides behind the
 * other's compute: a layer takes {@code 2 x max(compute(T/2), communication(T/2))}; with one, compute
 * plus communication. Details and assumptions: {@code docs/results.md}.
 *
 * @param model     the model
 * @param hardware  the hardware
 * @param precision number formats
 * @param pool      the pool (its TP, EP and micro-batches)
 * @param redundantExperts extra expert slots per MoE layer
 */
public record StepModel(ModelSpec model, HardwareProfile hardware, Precision precision, Pool pool,
                        int redundantExperts) {

    /**
     * The time of one step and where it goes.
     *
     * @param stepSeconds          wall time of the step
     * @param computeSeconds       compute of all layers and the LM head (both micro-batches)
     * @param communicationSeconds all-to-all and all-reduce time (both micro-batches)
     * @param breakdownSeconds     compute and communication by operation (both micro-batches)
     */
    public record Step(double stepSeconds, double computeSeconds, double communicationSeconds,
                       Map<String, Double> breakdownSeconds) {
    }

    /**
     * One step in which each GPU carries {@code tokensPerGpu} new tokens of sequences shaped like
     * {@code profile} (per-token costs of a sequence with its cached and new tokens).
     */
    public Step step(StepProfile profile, double tokensPerGpu) {
        if (!(tokensPerGpu > 0)) {
            throw new IllegalArgumentException("tokensPerGpu must be > 0");
        }
        int micro = pool.microBatches();
        double t = tokensPerGpu / micro;
        Map<String, Double> breakdown = new LinkedHashMap<>();
        double step = 0;
        double compute = 0;
        double communication = 0;
        for (LayerGroup group : profile.layerGroups()) {
            Map<String, Double> parts = new LinkedHashMap<>();
            double c = layerCompute(group, profile, t, parts);
            double m = layerCommunication(group, profile.phase(), t, parts);
            double layer = micro == 1 ? c + m : micro * Math.max(c, m);
            step += group.layers() * layer;
            compute += group.layers() * micro * c;
            communication += group.layers() * micro * m;
            for (Map.Entry<String, Double> e : parts.entrySet()) {
                breakdown.merge(e.getKey(), group.layers() * micro * e.getValue(), Double::sum);
            }
        }
        double head = lmHead(profile, tokensPerGpu);
        breakdown.merge("lmHead", head, Double::sum);
        return new Step(step + head, compute + head, communication, breakdown);
    }

    private double layerCompute(LayerGroup group, StepProfile profile, double t, Map<String, Double> parts) {
        double tp = pool.attentionTp();
        double total = 0;
        for (OpCost op : group.ops()) {
            double seconds = switch (op.op()) {
                case ATTENTION_PROJECTIONS, SHARED_EXPERTS, DENSE_MLP ->
                        gemm(t * op.flopsPerToken(), op.weightParams() / tp * precision.weights().bytes(), t * tp,
                                precision.gemmType());
                case ROUTER -> gemm(t * op.flopsPerToken(), op.weightParams() * 2.0, t, DataType.BF16);
                case ATTENTION_CORE -> attentionCore(op, t);
                case ROUTED_EXPERTS -> routedExperts(op, t);
                case LM_HEAD -> 0;
            };
            parts.merge(key(op.op()), seconds, Double::sum);
            total += seconds;
        }
        return total;
    }

    private static String key(OpCost.Op op) {
        return switch (op) {
            case ATTENTION_PROJECTIONS -> "attentionProjections";
            case ATTENTION_CORE -> "attentionCore";
            case ROUTER -> "router";
            case ROUTED_EXPERTS -> "routedExperts";
            case SHARED_EXPERTS -> "sharedExperts";
            case DENSE_MLP -> "denseMlp";
            case LM_HEAD -> "lmHead";
        };
    }

    /** A GEMM of {@code flops} over {@code tokens} rows that streams {@code weightBytes} of weights. */
    double gemm(double flops, double weightBytes, double tokens, DataType type) {
        HardwareProfile.Efficiency e = hardware.efficiency();
        double compute = flops / (hardware.gpu().peakFlopsPerSecond(type) * e.gemmCompute().fractionAt(tokens));
        double memory = weightBytes / (hardware.gpu().hbmBytesPerSecond().value() * e.gemmHbmFraction().value());
        return Math.max(compute, memory);
    }

    private double attentionCore(OpCost op, double t) {
        double tp = pool.attentionTp();
        int shards = switch (model.attention()) {
            case AttentionSpec.Gqa g -> (int) Math.min(tp, g.numKvHeads());
            case AttentionSpec.Mla m -> 1;
        };
        HardwareProfile.Efficiency e = hardware.efficiency();
        double flops = t * op.flopsPerToken();
        double kvBytes = t * tp * (op.kvElementsReadPerToken() + op.kvElementsWrittenPerToken())
                * precision.kvCache().bytes() / shards;
        double compute = flops / (hardware.gpu().peakFlopsPerSecond(DataType.BF16) * e.attentionComputeFraction().value());
        double memory = kvBytes / (hardware.gpu().hbmBytesPerSecond().value() * e.attentionHbmFraction().value());
        return Math.max(compute, memory);
    }

    private double routedExperts(OpCost op, double t) {
        double assignments = t * model.moe().topK();
        double slots = expertSlotsPerGpu();
        double tokensPerSlot = assignments / slots;
        double slotsHit = slots * (1 - Math.pow(1 - 1 / slots, assignments));
        double weightBytes = slotsHit * op.weightParamsPerExpert() * precision.weights().bytes();
        HardwareProfile.Efficiency e = hardware.efficiency();
        double compute = t * op.flopsPerToken()
                / (hardware.gpu().peakFlopsPerSecond(precision.gemmType()) * e.gemmCompute().fractionAt(tokensPerSlot));
        double memory = weightBytes / (hardware.gpu().hbmBytesPerSecond().value() * e.gemmHbmFraction().value());
        return Math.max(compute, memory);
    }

    /** Routed-expert slots one GPU holds per MoE layer. */
    public double expertSlotsPerGpu() {
        return (double) (model.moe().numRoutedExperts() + redundantExperts) / pool.ep();
    }

    private double lmHead(StepProfile profile, double tokensPerGpu) {
        OpCost head = profile.lmHead();
        double tp = pool.attentionTp();
        double embeddingBytes = precision.embeddingBytes();
        DataType type = embeddingBytes >= 2 ? DataType.BF16 : precision.gemmType();
        double rows = tokensPerGpu * tp * head.flopsPerToken() / (2.0 * model.hiddenSize() * model.vocabSize());
        return gemm(tokensPerGpu * head.flopsPerToken(), head.weightParams() / tp * embeddingBytes, Math.max(1, rows), type);
    }

    private double layerCommunication(LayerGroup group, Phase phase, double t, Map<String, Double> parts) {
        double total = 0;
        if (group.moe() && pool.ep() > 1) {
            double dispatch = allToAll(phase, t, precision.dispatch().bytes());
            double combine = allToAll(phase, t, precision.combine().bytes());
            parts.merge("dispatch", dispatch, Double::sum);
            parts.merge("combine", combine, Double::sum);
            total += dispatch + combine;
        }
        if (pool.attentionTp() > 1) {
            double allReduce = 2 * allReduce(t);
            parts.merge("tpAllReduce", allReduce, Double::sum);
            total += allReduce;
        }
        return total;
    }

    /**
     * One all-to-all (dispatch or combine) of {@code t} tokens per GPU with {@code bytesPerElement}
     * per hidden element. Decode uses low-latency kernels that send one copy per (token, expert);
     * prefill uses throughput kernels that send a token once per remote NVLink domain over the NICs and
     * forward it over NVLink inside the domain (as DeepEP's normal kernels do).
     */
    double allToAll(Phase phase, double t, double bytesPerElement) {
        HardwareProfile.Efficiency e = hardware.efficiency();
        HardwareProfile.Network net = hardware.network();
        int ep = pool.ep();
        int domain = Math.min(net.nvlinkDomainCount(), ep);
        double message = model.hiddenSize() * bytesPerElement;
        double assignments = t * model.moe().topK();
        double rdmaPerGpu = net.nicsPerGpu().value() * (net.nicBitsPerSecond().value() / 400e9);
        double nvlinkBytes;
        double rdmaBytes;
        double nvlinkBandwidth;
        double rdmaBandwidth;
        if (phase == Phase.DECODE) {
            nvlinkBytes = assignments * message * (domain - 1) / ep;
            rdmaBytes = assignments * message * (ep - domain) / ep;
            nvlinkBandwidth = e.nvlinkLowLatencyBytesPerSecond().value();
            rdmaBandwidth = e.rdmaLowLatencyBytesPerSecond().value() * rdmaPerGpu;
        } else {
            double domains = (double) ep / domain;
            double remoteDomainsPerToken = (domains - 1) * (1 - Math.pow(1 - 1 / domains, model.moe().topK()));
            rdmaBytes = t * remoteDomainsPerToken * message;
            nvlinkBytes = assignments * message * (domain - 1) / domain;
            nvlinkBandwidth = e.nvlinkBytesPerSecond().value();
            rdmaBandwidth = e.rdmaBytesPerSecond().value() * rdmaPerGpu;
        }
        return e.collectiveLatencySeconds().value()
                + Math.max(nvlinkBytes / nvlinkBandwidth, rdmaBytes / rdmaBandwidth);
    }

    /** A ring all-reduce of the attention group's {@code t x tp} tokens' hidden states in BF16. */
    double allReduce(double t) {
        HardwareProfile.Efficiency e = hardware.efficiency();
        int tp = pool.attentionTp();
        double bytes = 2.0 * (tp - 1) / tp * t * tp * model.hiddenSize() * 2;
        boolean nvlink = tp <= hardware.network().nvlinkDomainCount();
        double bandwidth = nvlink ? e.nvlinkBytesPerSecond().value()
                : e.rdmaBytesPerSecond().value() * hardware.network().nicsPerGpu().value();
        return e.collectiveLatencySeconds().value() + bytes / bandwidth;
    }

    /** The step profile of a decode step at mean context {@code context}. */
    public StepProfile decodeProfile(double context) {
        return ModelAccounting.stepProfile(model, Phase.DECODE, Math.max(0, Math.round(context)), 1);
    }

    /** The step profile of prefilling {@code newTokens} after {@code cachedTokens} cached ones. */
    public StepProfile prefillProfile(double cachedTokens, double newTokens) {
        return ModelAccounting.stepProfile(model, Phase.PREFILL, Math.max(0, Math.round(cachedTokens)),
                Math.max(1, Math.round(newTokens)));
    }
}
