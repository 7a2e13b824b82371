package io.moesim.validation;

import io.moesim.models.InputException;
import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.ModelAccounting;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.ModelSpecs;
import io.moesim.models.spec.ParameterCounts;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Precision;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a validation case computes with moesim to set against the published figure: a key of
 * {@code moesim run}'s results, or a lower-level figure of the step model (an all-to-all kernel, a
 * GEMM, the attention core) or of the model accounting. Every probe returns an SI value.
 */
public sealed interface Probe {

    /** The figure in SI units; {@code runs} caches scenario runs shared by several cases. */
    double predict(Runs runs);

    /** The precision DeepSeek and its kernel benchmarks use: FP8 GEMMs and dispatch, BF16 KV cache and combine. */
    Precision DEEPSEEK_PRECISION = new Precision(DataType.FP8, DataType.FP8, DataType.BF16, DataType.FP8, DataType.BF16);

    /**
     * Runs of {@code moesim run}, by scenario, overrides and method, so that cases reading two keys
     * of one run simulate it once.
     */
    final class Runs {
        private final Map<String, Map<String, Object>> cache = new HashMap<>();

        /** The JSON tree of {@code moesim run scenario --set ...} (or {@code --analytic-only}). */
        public Map<String, Object> json(Path scenario, List<String> sets, boolean analytic) {
            String key = scenario.toAbsolutePath().normalize() + "|" + String.join("|", sets) + "|" + analytic;
            return cache.computeIfAbsent(key, k -> {
                Scenario loaded = new ScenarioLoader().load(scenario, sets);
                RunResult result = analytic ? RunResult.of(loaded) : RunResult.simulate(loaded);
                return result.toJson();
            });
        }
    }

    /**
     * A key of {@code moesim run}'s JSON (docs/results.md), e.g. {@code throughput.outputTokensPerSecondPerNode},
     * times {@code scale} (e.g. a unit's hourly cost to a fleet's daily cost).
     *
     * @param scenario scenario file
     * @param sets     {@code --set} overrides, in order
     * @param analytic true for {@code --analytic-only}
     * @param key      dotted path in the JSON tree
     * @param scale    factor applied to the value
     */
    record Run(Path scenario, List<String> sets, boolean analytic, String key, double scale) implements Probe {
        public Run {
            sets = List.copyOf(sets);
        }

        @Override
        public double predict(Runs runs) {
            Object node = runs.json(scenario, sets, analytic);
            for (String part : key.split("\\.")) {
                if (!(node instanceof Map<?, ?> map) || !map.containsKey(part)) {
                    throw new InputException(scenario + ": result key '" + key + "' not found in moesim run's results");
                }
                node = map.get(part);
            }
            if (!(node instanceof Number number)) {
                throw new InputException(scenario + ": result key '" + key + "' is " + (node == null ? "null (does not apply)"
                        : "not a number"));
            }
            return number.doubleValue() * scale;
        }
    }

    /** Which all-to-all kernel form. */
    enum Kernel {
        /** DeepEP's throughput kernels (prefill steps). */
        NORMAL,
        /** DeepEP's low-latency kernels (decode steps). */
        LOW_LATENCY
    }

    /** Dispatch or combine. */
    enum Phase {
        DISPATCH, COMBINE
    }

    /**
     * One dispatch or combine of the step model, per MoE layer, for DeepSeek-V3 (hidden 7168, top-8;
     * FP8 dispatch, BF16 combine) on an EP group of {@code ep} GPUs with uniform routing and one
     * micro-batch, {@code tokensPerGpu} tokens per GPU (a prefill batch for the normal kernels, a
     * decode batch for the low-latency ones). Output either its time (seconds) or its achieved
     * bandwidth on the named bottleneck link: that link's bandwidth in the profile times the share
     * of the call's time spent transferring (the rest is the kernel's fixed cost).
     */
    record AllToAll(String hardware, String model, int ep, Kernel kernel, Phase phase, double tokensPerGpu,
                    String output, String link, DataType dispatch) implements Probe {
        @Override
        public double predict(Runs runs) {
            ModelSpec spec = ModelSpecs.resolve(model, Path.of("."));
            HardwareProfile hw = HardwareProfiles.byId(hardware);
            Precision precision = new Precision(DataType.FP8, DataType.FP8, DataType.BF16, dispatch, DataType.BF16);
            StepModel steps = new StepModel(spec, hw, precision, new StepModel.Shape(ep, 1, 1, 0));
            StepModel.Batch batch = kernel == Kernel.NORMAL ? steps.prefillBatch(tokensPerGpu, 0, tokensPerGpu)
                    : steps.decodeBatch(tokensPerGpu, 4096);
            StepModel.Step step = steps.step(batch);
            StepModel.Part part = phase == Phase.DISPATCH ? StepModel.Part.DISPATCH : StepModel.Part.COMBINE;
            double seconds = step.breakdownSeconds()[part.ordinal()] / spec.numMoeLayers();
            if (output.equals("seconds")) {
                return seconds;
            }
            var kernelUsed = steps.allToAll(kernel == Kernel.LOW_LATENCY, phase == Phase.COMBINE);
            double fixed = kernelUsed.latencySeconds();
            double bandwidth = link.equals("nvlink") ? kernelUsed.nvlinkBytesPerSecond() : kernelUsed.rdmaBytesPerSecond();
            return bandwidth * Math.max(0, seconds - fixed) / seconds;
        }
    }

    /**
     * A GEMM of {@code m} tokens by an {@code n x k} weight (FP8), {@code groups} times (a grouped
     * GEMM: each group streams its own weights), timed by the step model's GEMM cost (the profile's
     * efficiency curve and HBM fraction); output in FLOP/s.
     */
    record Gemm(String hardware, double m, double n, double k, int groups, DataType dtype) implements Probe {
        @Override
        public double predict(Runs runs) {
            ModelSpec spec = ModelSpecs.resolve("deepseek-v3", Path.of("."));
            HardwareProfile hw = HardwareProfiles.byId(hardware);
            StepModel steps = new StepModel(spec, hw, DEEPSEEK_PRECISION, new StepModel.Shape(1, 1, 1, 0));
            double flops = 2 * m * n * k;
            double seconds = groups * steps.gemmSeconds(flops, n * k * dtype.bytes(), m, dtype, hw.gpu());
            return groups * flops / seconds;
        }
    }

    /**
     * The step model's MLA decode attention core for {@code batchPerGpu} requests at
     * {@code contextTokens} tokens on one GPU, in FLOP/s counted as FlashMLA counts them:
     * {@code 2 x heads x contextTokens x (kvLoraRank + ropeDim + kvLoraRank)} per request and layer.
     */
    record MlaDecodeAttention(String hardware, String model, double batchPerGpu, double contextTokens, String output)
            implements Probe {
        @Override
        public double predict(Runs runs) {
            ModelSpec spec = ModelSpecs.resolve(model, Path.of("."));
            if (!(spec.attention() instanceof AttentionSpec.Mla mla)) {
                throw new InputException("model " + model + " does not use MLA");
            }
            StepModel steps = new StepModel(spec, HardwareProfiles.byId(hardware), DEEPSEEK_PRECISION,
                    new StepModel.Shape(1, 1, 1, 0));
            StepModel.Step step = steps.step(steps.decodeBatch(batchPerGpu, contextTokens));
            double coreSeconds = step.breakdownSeconds()[StepModel.Part.ATTENTION_CORE.ordinal()] / spec.numLayers();
            double dk = mla.kvLoraRank() + mla.qkRopeHeadDim();
            double dv = mla.kvLoraRank();
            if (output.equals("kvBandwidth")) {
                // KV bytes read per layer (BF16 latent + rope part), as sgl-kernel's bench_cutlass_mla counts them.
                return batchPerGpu * contextTokens * dk * DataType.BF16.bytes() / coreSeconds;
            }
            double flops = 2.0 * mla.numHeads() * contextTokens * (dk + dv) * batchPerGpu;
            return flops / coreSeconds;
        }
    }

    /** A figure of the model accounting: total or active parameters, or KV-cache bytes per token. */
    record ModelFigure(String model, String quantity, double kvBytesPerElement) implements Probe {
        @Override
        public double predict(Runs runs) {
            ModelSpec spec = ModelSpecs.resolve(model, Path.of("."));
            ParameterCounts counts = ModelAccounting.parameters(spec);
            return switch (quantity) {
                case "totalParameters" -> counts.total();
                case "activeParameters" -> counts.activePerToken();
                case "kvCacheBytesPerToken" -> ModelAccounting.kvCacheBytesPerToken(spec, kvBytesPerElement);
                default -> throw new IllegalStateException("unknown quantity " + quantity);
            };
        }
    }
}
