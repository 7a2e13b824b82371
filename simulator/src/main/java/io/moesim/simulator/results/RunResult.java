package io.moesim.simulator.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.models.io.OutputFiles;
import io.moesim.simulator.analytic.AnalyticModel;
import io.moesim.simulator.analytic.PoolEstimate;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.cost.CostModel;
import io.moesim.simulator.memory.FitSearch;
import io.moesim.simulator.memory.PoolMemory;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.serving.PoolSpec;
import io.moesim.simulator.serving.ServingSimulation;
import io.moesim.simulator.serving.ServingSpecs;
import io.moesim.simulator.serving.SimulationResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@code moesim run}: the discrete-event simulation of the scenario (when run) and the
 * analytic estimate of every pool beside it, the deployment's totals and its cost, with the JSON form
 * documented in {@code docs/results.md}. Without a simulation the headline figures are the estimate's.
 *
 * @param scenario   the scenario
 * @param pools      one analytic estimate per pool
 * @param cost       the price of the analytic estimate
 * @param simulation the discrete-event simulation, or null (analytic only)
 */
public record RunResult(Scenario scenario, List<PoolEstimate> pools, CostModel.Cost cost,
                        SimulationResult simulation) {

    /** Runs the analytic model on {@code scenario}. */
    public static RunResult of(Scenario scenario) {
        List<PoolEstimate> pools = AnalyticModel.estimate(scenario);
        return new RunResult(scenario, pools, CostModel.of(pools, scenario.usdPerGpuHour()), null);
    }

    /**
     * Runs the discrete-event simulation of {@code scenario} and the analytic estimate beside it. A
     * deployment that does not fit in memory is not simulated (there is nothing to run): the result is
     * the analytic one, {@link #feasible()} false, with {@link #fixes()} saying what would fit.
     */
    public static RunResult simulate(Scenario scenario) {
        return simulate(scenario, seconds -> { });
    }

    /**
     * {@link #simulate(Scenario)}, telling {@code progress} the simulated time reached (seconds) about a
     * hundred times along the way; the results are the same with or without it.
     */
    public static RunResult simulate(Scenario scenario, java.util.function.DoubleConsumer progress) {
        io.moesim.simulator.scenario.SimulationLimits.check(scenario);
        RunResult analytic = of(scenario);
        if (!analytic.feasible()) {
            return analytic;
        }
        ServingSimulation serving;
        try {
            serving = new ServingSimulation(ServingSpecs.from(scenario, analytic.pools()));
        } catch (IllegalArgumentException e) {
            // What the simulation cannot run although the memory plan fits (e.g. KV room for less than
            // a sixty-fourth of the model's context per rank) is the deployment's, in its own words.
            throw io.moesim.models.InputException.at(scenario.source(), "deployment", e.getMessage());
        }
        SimulationResult simulation = serving.run(progress);
        return new RunResult(scenario, analytic.pools(), analytic.cost(), simulation);
    }

    /** For each pool that does not fit, the single changes that would make it fit (empty when all fit). */
    public List<FitSearch.Fix> fixes() {
        List<FitSearch.Fix> fixes = new ArrayList<>();
        for (PoolEstimate p : pools) {
            if (!p.memory().fits()) {
                fixes.addAll(FitSearch.fixes(scenario, p.pool()));
            }
        }
        return fixes;
    }

    /** Output tokens per second one request sees while it decodes: 1 / TPOT (p50 when simulated); NaN without decoding. */
    public double tokensPerSecondPerUser() {
        double tpot = simulation == null ? tpotSeconds() : simulation.tpotSeconds().p50();
        return tpot > 0 ? 1 / tpot : Double.NaN;
    }

    /** Prompt tokens per second (cache hits included) the simulation served over its prefilling pools. */
    public double simulatedInputTokensPerSecond() {
        return simulation.pools().stream().filter(p -> p.role() != PoolSpec.Role.DECODE)
                .mapToDouble(SimulationResult.PoolResult::inputTokensPerSecond).sum();
    }

    /** Tokens per second the simulation generated over its decoding pools. */
    public double simulatedOutputTokensPerSecond() {
        return simulation.pools().stream().filter(p -> p.role() != PoolSpec.Role.PREFILL)
                .mapToDouble(SimulationResult.PoolResult::outputTokensPerSecond).sum();
    }

    /** The cost at the simulated rates (time shares of a colocated pool from the estimate). */
    public CostModel.Cost simulatedCost() {
        double price = scenario.usdPerGpuHour();
        double prefillUsd = 0;
        double decodeUsd = 0;
        for (PoolEstimate p : pools) {
            double usd = p.pool().gpus() * price;
            prefillUsd += usd * p.prefillTimeFraction();
            decodeUsd += usd * (1 - p.prefillTimeFraction());
        }
        double input = simulatedInputTokensPerSecond();
        double output = simulatedOutputTokensPerSecond();
        boolean prefills = pools.stream().anyMatch(p -> p.pool().role().prefills());
        boolean decodes = pools.stream().anyMatch(p -> p.pool().role().decodes());
        return new CostModel.Cost(cost.usdPerHour(),
                prefills && input > 0 ? prefillUsd / (input * 3600) * 1e6 : Double.NaN,
                decodes && output > 0 ? decodeUsd / (output * 3600) * 1e6 : Double.NaN);
    }

    /** Whether every pool fits in memory. */
    public boolean feasible() {
        return pools.stream().allMatch(p -> p.memory().fits());
    }

    /** One line per pool that does not fit, with the numbers. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (PoolEstimate p : pools) {
            PoolMemory m = p.memory();
            if (!m.fits()) {
                problems.add(String.format(Locale.ROOT,
                        "%s pool does not fit: %.1f GB needed per GPU (weights %.1f, KV cache %.1f for %.0f tokens,"
                                + " activations %.1f, buffers %.1f, reserved %.1f) > %.1f GB HBM; KV room for %.0f tokens",
                        p.pool().role().key(), m.totalBytes() / 1e9, m.weightsBytes() / 1e9, m.kvCacheBytes() / 1e9,
                        m.kvCacheTokensNeeded(), m.activationBytes() / 1e9, m.bufferBytes() / 1e9,
                        m.reservedBytes() / 1e9, m.capacityBytes() / 1e9, m.kvCacheCapacityTokens()));
            }
        }
        return problems;
    }

    /** Prompt tokens per second, cache hits included, over the prefilling pools. */
    public double inputTokensPerSecond() {
        return pools.stream().mapToDouble(PoolEstimate::inputTokensPerSecond).sum();
    }

    /** Generated tokens per second over the decoding pools. */
    public double outputTokensPerSecond() {
        return pools.stream().mapToDouble(PoolEstimate::outputTokensPerSecond).sum();
    }

    /** GPUs of the pools that prefill. */
    public int prefillGpus() {
        return pools.stream().filter(p -> p.pool().role().prefills()).mapToInt(p -> p.pool().gpus()).sum();
    }

    /** GPUs of the pools that decode. */
    public int decodeGpus() {
        return pools.stream().filter(p -> p.pool().role().decodes()).mapToInt(p -> p.pool().gpus()).sum();
    }

    /** Time to first token: the prefilling pool's (NaN without one). */
    public double ttftSeconds() {
        return pools.stream().filter(p -> p.pool().role().prefills()).mapToDouble(PoolEstimate::ttftSeconds)
                .findFirst().orElse(Double.NaN);
    }

    /** Time per output token: the decoding pool's (NaN without one). */
    public double tpotSeconds() {
        return pools.stream().filter(p -> p.pool().role().decodes()).mapToDouble(PoolEstimate::tpotSeconds)
                .findFirst().orElse(Double.NaN);
    }

    /** The JSON tree (maps, lists, numbers, strings, null for a figure that does not apply). */
    public Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenario.name());
        root.put("source", scenario.source());
        root.put("model", scenario.model().id());
        root.put("hardware", scenario.hardware().id());
        root.put("method", simulation == null ? "analytic" : "simulation");
        root.put("seed", scenario.seed());
        root.put("feasible", feasible());
        root.put("problems", problems());
        List<Map<String, Object>> fixes = new ArrayList<>();
        for (FitSearch.Fix fix : fixes()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("set", fix.set());
            f.put("what", fix.what());
            f.put("totalBytes", fix.totalBytes());
            f.put("capacityBytes", fix.capacityBytes());
            fixes.add(f);
        }
        root.put("fixes", fixes);

        Map<String, Object> memory = new LinkedHashMap<>();
        for (PoolEstimate p : pools) {
            PoolMemory m = p.memory();
            Map<String, Object> pool = new LinkedHashMap<>();
            pool.put("weightsBytes", m.weightsBytes());
            pool.put("kvCacheBytes", m.kvCacheBytes());
            pool.put("activationBytes", m.activationBytes());
            pool.put("bufferBytes", m.bufferBytes());
            pool.put("reservedBytes", m.reservedBytes());
            pool.put("totalBytes", m.totalBytes());
            pool.put("capacityBytes", m.capacityBytes());
            pool.put("kvCacheTokensNeeded", m.kvCacheTokensNeeded());
            pool.put("kvCacheCapacityTokens", m.kvCacheCapacityTokens());
            pool.put("fits", m.fits());
            memory.put(p.pool().role().key(), pool);
        }
        root.put("memory", memory);

        int gpusPerNode = scenario.hardware().network().gpusPerNodeCount();
        int prefillGpus = prefillGpus();
        int decodeGpus = decodeGpus();
        root.put("throughput", simulation == null ? analyticThroughput(gpusPerNode, prefillGpus, decodeGpus)
                : throughput(simulatedInputTokensPerSecond(), simulatedOutputTokensPerSecond(),
                        simulation.pools().stream().filter(p -> p.role() != PoolSpec.Role.DECODE)
                                .mapToDouble(SimulationResult.PoolResult::computedInputTokensPerSecond).sum(),
                        gpusPerNode, prefillGpus, decodeGpus));
        @SuppressWarnings("unchecked")
        Map<String, Object> headline = (Map<String, Object>) root.get("throughput");
        headline.put("tokensPerSecondPerUser", number(tokensPerSecondPerUser()));
        Map<String, Object> latency = new LinkedHashMap<>();
        if (simulation == null) {
            latency.put("ttftSeconds", percentiles(ttftSeconds()));
            latency.put("tpotSeconds", percentiles(tpotSeconds()));
        } else {
            latency.put("ttftSeconds", percentiles(simulation.ttftSeconds()));
            latency.put("tpotSeconds", percentiles(simulation.tpotSeconds()));
        }
        root.put("latency", latency);
        root.put("cost", cost(simulation == null ? cost : simulatedCost()));
        root.put("pools", poolDetails());
        if (simulation != null) {
            Map<String, Object> analytic = new LinkedHashMap<>();
            analytic.put("throughput", analyticThroughput(gpusPerNode, prefillGpus, decodeGpus));
            Map<String, Object> analyticLatency = new LinkedHashMap<>();
            analyticLatency.put("ttftSeconds", percentiles(ttftSeconds()));
            analyticLatency.put("tpotSeconds", percentiles(tpotSeconds()));
            analytic.put("latency", analyticLatency);
            analytic.put("cost", cost(cost));
            analytic.put("pools", poolDetails());
            root.put("analytic", analytic);
            root.put("simulatedSeconds", simulation.simulatedSeconds());
            root.put("measuredSeconds", simulation.measuredSeconds());
            root.put("requestsArrived", simulation.requestsArrived());
            root.put("requestsCompleted", simulation.requestsCompleted());
            root.put("requestsInFlight", simulation.requestsInFlight());
            root.put("preemptions", simulation.preemptions());
            root.put("events", simulation.events());
            root.put("steps", simulation.steps());
            root.put("measurement", measurement(simulation.measurement()));
            Map<String, Object> simPools = new LinkedHashMap<>();
            for (SimulationResult.PoolResult p : simulation.pools()) {
                Map<String, Object> pool = new LinkedHashMap<>();
                pool.put("gpus", p.gpus());
                pool.put("utilisation", p.utilisation());
                Map<String, Object> split = new LinkedHashMap<>();
                split.put("compute", p.computeFraction());
                split.put("communication", p.communicationFraction());
                split.put("idle", p.idleFraction());
                pool.put("timeSplit", split);
                pool.put("inputTokensPerSecond", p.inputTokensPerSecond());
                pool.put("computedInputTokensPerSecond", p.computedInputTokensPerSecond());
                pool.put("outputTokensPerSecond", p.outputTokensPerSecond());
                pool.put("meanBatchTokensPerRank", p.meanBatchTokensPerRank());
                pool.put("meanStepSeconds", p.meanStepSeconds());
                pool.put("steps", p.steps());
                pool.put("rankBalance", p.rankBalance());
                simPools.put(p.name(), pool);
            }
            root.put("simulation", simPools);
        }
        root.put("uncertainty", ErrorBands.shipped().uncertainty(scenario.hardware().id(), root));
        return root;
    }

    private static Map<String, Object> measurement(SimulationResult.Measurement m) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("warmupSeconds", m.warmupSeconds());
        map.put("windowSeconds", m.windowSeconds());
        map.put("completedRequests", m.completedRequests());
        map.put("requestsInSystem", m.requestsInSystem());
        map.put("enoughCompleted", m.enoughCompleted());
        map.put("stop", m.stop().key());
        map.put("batches", m.throughput().batches());
        map.put("batchSeconds", m.batchSeconds());
        Map<String, Object> ci = new LinkedHashMap<>();
        ci.put("mean", number(m.throughput().mean()));
        ci.put("halfWidth", number(m.throughput().halfWidth()));
        ci.put("relativeHalfWidth", number(m.throughput().relativeHalfWidth()));
        ci.put("targetRelativeHalfWidth", number(m.targetRelativeHalfWidth()));
        map.put("throughputCi95", ci);
        return map;
    }

    private Map<String, Object> analyticThroughput(int gpusPerNode, int prefillGpus, int decodeGpus) {
        return throughput(inputTokensPerSecond(), outputTokensPerSecond(),
                pools.stream().mapToDouble(PoolEstimate::computedInputTokensPerSecond).sum(), gpusPerNode, prefillGpus,
                decodeGpus);
    }

    private static Map<String, Object> throughput(double input, double output, double computed, int gpusPerNode,
                                                  int prefillGpus, int decodeGpus) {
        Map<String, Object> throughput = new LinkedHashMap<>();
        throughput.put("inputTokensPerSecond", input);
        throughput.put("outputTokensPerSecond", output);
        throughput.put("inputTokensPerSecondPerGpu", prefillGpus == 0 ? null : input / prefillGpus);
        throughput.put("outputTokensPerSecondPerGpu", decodeGpus == 0 ? null : output / decodeGpus);
        throughput.put("inputTokensPerSecondPerNode", prefillGpus == 0 ? null : input / prefillGpus * gpusPerNode);
        throughput.put("outputTokensPerSecondPerNode", decodeGpus == 0 ? null : output / decodeGpus * gpusPerNode);
        throughput.put("computedInputTokensPerSecond", computed);
        return throughput;
    }

    private Map<String, Object> cost(CostModel.Cost c) {
        Map<String, Object> costs = new LinkedHashMap<>();
        costs.put("usdPerGpuHour", scenario.usdPerGpuHour());
        costs.put("usdPerGpuHourSource", scenario.priceSource());
        costs.put("usdPerHour", c.usdPerHour());
        costs.put("usdPerMillionInputTokens", number(c.usdPerMillionInputTokens()));
        costs.put("usdPerMillionOutputTokens", number(c.usdPerMillionOutputTokens()));
        return costs;
    }

    private Map<String, Object> poolDetails() {
        Map<String, Object> poolDetails = new LinkedHashMap<>();
        for (PoolEstimate p : pools) {
            Pool pool = p.pool();
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("gpus", pool.gpus());
            detail.put("attentionTp", pool.attentionTp());
            detail.put("attentionDp", pool.attentionDp());
            detail.put("ep", pool.ep());
            detail.put("microBatches", pool.microBatches());
            detail.put("balancer", pool.balancer().key());
            detail.put("batchPerGpu", p.batchPerGpu());
            detail.put("prefillTokensPerGpu", p.prefillTokensPerGpu());
            detail.put("saturated", p.saturated());
            detail.put("inputTokensPerSecondPerGpu", p.inputTokensPerSecondPerGpu());
            detail.put("outputTokensPerSecondPerGpu", p.outputTokensPerSecondPerGpu());
            detail.put("prefillStep", step(p.prefillStep()));
            detail.put("decodeStep", step(p.decodeStep()));
            poolDetails.put(pool.role().key(), detail);
        }
        return poolDetails;
    }

    private static Map<String, Object> percentiles(SimulationResult.Percentiles p) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("p50", number(p.p50()));
        map.put("p90", number(p.p90()));
        map.put("p99", number(p.p99()));
        return map;
    }

    private static Map<String, Object> step(StepModel.Step step) {
        if (step == null) {
            return null;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("stepSeconds", step.stepSeconds());
        map.put("computeSeconds", step.computeSeconds());
        map.put("communicationSeconds", step.communicationSeconds());
        map.put("breakdownSeconds", step.breakdown());
        return map;
    }

    private static Map<String, Object> percentiles(double value) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("p50", number(value));
        map.put("p90", number(value));
        map.put("p99", number(value));
        return map;
    }

    private static Double number(double value) {
        return Double.isFinite(value) ? value : null;
    }

    /** Writes the JSON to {@code file} ({@code -}: standard output) through {@link OutputFiles}. */
    public void writeJson(Path file) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        OutputFiles.write(file, out -> mapper.writeValue(out, toJson()));
    }
}
