package io.moesim.simulator.serving;

import io.moesim.models.InputException;
import io.moesim.models.trace.RouterTrace;
import io.moesim.simulator.analytic.AnalyticModel;
import io.moesim.simulator.analytic.PoolEstimate;
import io.moesim.simulator.config.Node;
import io.moesim.simulator.placement.PlacementFile;
import io.moesim.simulator.placement.PlacementPlan;
import io.moesim.simulator.placement.PlacementStrategy;
import io.moesim.simulator.placement.Placer;
import io.moesim.simulator.routing.SyntheticRouting;
import io.moesim.simulator.routing.TraceRoutingPlan;
import io.moesim.simulator.routing.TraceRoutingWindow;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.TokenCount;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps a {@link Scenario} onto the {@link ServingSpec} of the discrete-event simulation.
 *
 * <ul>
 *   <li>Each scenario pool becomes {@code gpus / ep} instances of {@code ep} GPUs (an instance is
 *       one expert-parallel group stepping together) with {@code ep / tp} attention ranks each.</li>
 *   <li>Per rank: a decode pool runs at most {@code maxBatchPerGpu x tp} requests and as many tokens;
 *       a prefill pool at most {@code maxTokensPerGpu x tp} new tokens per step, whole prompts split
 *       into chunks of that size; a colocated pool both, decode tokens first.</li>
 *   <li>{@code concurrencyPerGpu} is per GPU of the decoding pool (of the prefill pool when it is
 *       alone): a closed loop of that many requests per GPU.</li>
 *   <li>Routing: {@code synthetic: uniform} or {@code zipf} (exponent 0 is uniform), or
 *       {@code trace: FILE} (optionally {@code tokens: A:B}) replayed by {@code TraceRouting}.</li>
 *   <li>Placement: the scenario's strategy, fitted per instance on the trace's expert counts over
 *       {@code placement.fitTokens} (default: the replayed tokens) or on the synthetic law's
 *       expected loads; or the layout of {@code placement.file}.</li>
 * </ul>
 */
public final class ServingSpecs {

    private ServingSpecs() {
    }

    /** The serving spec of {@code scenario}. */
    public static ServingSpec from(Scenario scenario) {
        return from(scenario, scenario.simulation().fixed() ? null : AnalyticModel.estimate(scenario));
    }

    /**
     * The serving spec of {@code scenario}; {@code analytic} (its analytic estimate) sizes the
     * simulated time when the scenario does not fix it (may be null otherwise).
     */
    public static ServingSpec from(Scenario scenario, List<PoolEstimate> analytic) {
        List<PoolSpec> pools = new ArrayList<>();
        for (Pool pool : scenario.deployment().pools()) {
            pools.add(pool(pool, scenario.placement().redundantExperts()));
        }
        io.moesim.simulator.scenario.Workload w = scenario.workload();
        Pool loopPool = scenario.deployment().decode() != null ? scenario.deployment().decode()
                : scenario.deployment().pools().getFirst();
        Workload.Arrivals arrivals = switch (w.arrival()) {
            case io.moesim.simulator.scenario.Workload.Arrival.Concurrency c ->
                    new Workload.Concurrency((int) Math.clamp(Math.round(c.perGpu() * loopPool.gpus()), 1,
                            Integer.MAX_VALUE));
            case io.moesim.simulator.scenario.Workload.Arrival.Poisson p -> new Workload.Poisson(p.requestsPerSecond());
            case io.moesim.simulator.scenario.Workload.Arrival.Trace t -> Workload.Trace.read(t.path());
        };
        Workload workload = new Workload(arrivals, lengths(w.inputTokens()), lengths(w.outputTokens()),
                w.prefixCacheHitRate());
        SyntheticRouting.Distribution routing = switch (scenario.routing()) {
            case Scenario.Routing.Zipf z -> z.exponent() > 0 ? new SyntheticRouting.Zipf(z.exponent())
                    : new SyntheticRouting.Uniform();
            default -> new SyntheticRouting.Uniform();
        };
        TraceRoutingPlan trace = null;
        if (scenario.routing() instanceof Scenario.Routing.Trace t) {
            RouterTrace recorded = RouterTrace.read(t.path());
            TraceRoutingWindow replay = t.tokens() == null ? TraceRoutingWindow.all(recorded.numTokens())
                    : TraceRoutingWindow.parse(t.tokens(), recorded.numTokens(), scenario.source(), "routing.tokens");
            String fitText = scenario.placement().fitTokens();
            TraceRoutingWindow fit = fitText == null ? replay
                    : TraceRoutingWindow.parse(fitText, recorded.numTokens(), scenario.source(), "placement.fitTokens");
            trace = new TraceRoutingPlan(recorded, t.path(), replay, fit);
            trace.replay(scenario.model());  // refuses a trace of another expert count or top-k now
        } else if (scenario.placement().fitTokens() != null) {
            throw InputException.at(scenario.source(), "placement.fitTokens", "needs routing: { trace: FILE }");
        }
        PlacementPlan placement = placementPlan(scenario, pools);
        Scenario.Simulation simulation = scenario.simulation();
        double duration = simulation.durationSeconds();
        double warmup = simulation.warmupSeconds();
        ServingSpec.Settle settle = null;
        if (!simulation.fixed()) {
            double lifetime = lifetimeSeconds(scenario, analytic, arrivals);
            boolean decodeOnly = scenario.deployment().prefill() == null && scenario.deployment().colocated() == null;
            if (arrivals instanceof Workload.Trace t) {
                // A finite trace: every request arrives, then a lifetime for the last ones to finish.
                double last = t.entries().isEmpty() ? 0 : t.entries().getLast().arrivalSeconds();
                duration = last + lifetime;
                warmup = Double.isNaN(warmup) ? Math.min(lifetime, duration / 3) : warmup;
                if (warmup >= duration) {
                    throw InputException.at(scenario.source(), "simulation.warmupSeconds", Node.format(warmup)
                            + " is not below the " + Node.format(duration) + " s the trace lasts");
                }
            } else {
                // A decode pool alone starts in steady state (requests part-way through their outputs).
                warmup = Double.isNaN(warmup) ? (decodeOnly ? 1 : WARMUP_LIFETIMES) * lifetime : warmup;
                double batch = Math.max(lifetime * BATCH_LIFETIMES, MIN_STEPS_PER_BATCH * longestStepSeconds(analytic));
                if (arrivals instanceof Workload.Poisson p) {
                    batch = Math.max(batch, MIN_ARRIVALS_PER_BATCH / p.requestsPerSecond());
                }
                duration = Double.isNaN(simulation.maxSeconds()) ? warmup + MAX_BATCHES * batch : simulation.maxSeconds();
                if (warmup >= duration) {
                    throw InputException.at(scenario.source(), "simulation.warmupSeconds", Node.format(warmup)
                            + " is not below the cap of " + Node.format(duration) + " s (simulation.maxSeconds)");
                }
                settle = new ServingSpec.Settle(batch, MIN_BATCHES, simulation.relativeHalfWidth());
            }
        }
        return new ServingSpec(scenario.model(), scenario.hardware(), pools, workload, routing, scenario.precision(),
                scenario.seed(), duration, warmup, placement, trace, settle);
    }

    /** Warm-up without a duration: this many request lifetimes (one for a decode pool alone). */
    public static final double WARMUP_LIFETIMES = 2;
    /** Length of a measured batch: this many request lifetimes... */
    public static final double BATCH_LIFETIMES = 0.5;
    /** ...and at least this many of the longest analytic step. */
    public static final double MIN_STEPS_PER_BATCH = 20;
    /** ...and with Poisson arrivals at least this many arrivals (so that a batch mean is near normal). */
    public static final double MIN_ARRIVALS_PER_BATCH = 50;
    /** Batches measured at least (the window is then at least 5 lifetimes)... */
    public static final int MIN_BATCHES = 10;
    /** ...and at most, by default (a window of 10 lifetimes). */
    public static final int MAX_BATCHES = 20;
    /** The lifetime assumed when the analytic estimate gives none (a pool it cannot size). */
    private static final double FALLBACK_LIFETIME_SECONDS = 20;

    /**
     * A request's expected time in the system from the analytic estimate: the prefilling pool's TTFT
     * plus the decoding pool's TPOT for each further output token (for a decode pool alone, every
     * output token); for a closed loop at least concurrency / request rate (Little's law), which
     * counts the queueing the estimate leaves out.
     */
    static double lifetimeSeconds(Scenario scenario, List<PoolEstimate> analytic, Workload.Arrivals arrivals) {
        double meanOutput = scenario.workload().outputTokens().mean();
        double meanInput = scenario.workload().inputTokens().mean();
        boolean prefills = analytic.stream().anyMatch(p -> p.pool().role().prefills());
        double lifetime = 0;
        double output = 0;
        double input = 0;
        for (PoolEstimate p : analytic) {
            if (p.pool().role().prefills()) {
                lifetime += finite(p.ttftSeconds());
                input += finite(p.inputTokensPerSecond());
            }
            if (p.pool().role().decodes()) {
                lifetime += finite(p.tpotSeconds()) * Math.max(0, meanOutput - (prefills ? 1 : 0));
                output += finite(p.outputTokensPerSecond());
            }
        }
        if (arrivals instanceof Workload.Concurrency c) {
            double requestsPerSecond = output > 0 ? output / meanOutput : input / meanInput;
            if (requestsPerSecond > 0) {
                lifetime = Math.max(lifetime, c.requests() / requestsPerSecond);
            }
        }
        return lifetime > 0 && Double.isFinite(lifetime) ? lifetime : FALLBACK_LIFETIME_SECONDS;
    }

    private static double longestStepSeconds(List<PoolEstimate> analytic) {
        double longest = 0;
        for (PoolEstimate p : analytic) {
            if (p.prefillStep() != null) {
                longest = Math.max(longest, finite(p.prefillStep().stepSeconds()));
            }
            if (p.decodeStep() != null) {
                longest = Math.max(longest, finite(p.decodeStep().stepSeconds()));
            }
        }
        return longest;
    }

    private static double finite(double x) {
        return Double.isFinite(x) ? x : 0;
    }

    /** The placement plan, checked against every pool's instance shape (one-line errors on the scenario). */
    private static PlacementPlan placementPlan(Scenario scenario, List<PoolSpec> pools) {
        Scenario.Placement p = scenario.placement();
        int experts = scenario.model().moe().numRoutedExperts();
        int layers = scenario.model().numMoeLayers();
        PlacementPlan plan = p.file() != null
                ? new PlacementPlan(PlacementStrategy.CONTIGUOUS, PlacementFile.read(p.file(), experts, layers))
                : new PlacementPlan(PlacementStrategy.parse(p.strategy()), null);
        if (layers == 0) {
            return plan;
        }
        for (PoolSpec pool : pools) {
            int gpus = pool.gpusPerInstance();
            try {
                plan.layers(scenario.model(), Placer.uniformLoads(layers, experts), gpus,
                        PlacementPlan.gpusPerNode(gpus, scenario.hardware().network().nvlinkDomainCount()),
                        pool.redundantExperts());
            } catch (IllegalArgumentException e) {
                throw InputException.at(scenario.source(), p.file() != null ? "placement.file" : "placement.strategy",
                        pool.name() + " pool: " + e.getMessage());
            }
        }
        return plan;
    }

    static PoolSpec pool(Pool pool, int redundantExperts) {
        int tp = pool.attentionTp();
        int instances = pool.gpus() / pool.ep();
        PoolSpec.Role role = switch (pool.role()) {
            case PREFILL -> PoolSpec.Role.PREFILL;
            case DECODE -> PoolSpec.Role.DECODE;
            case COLOCATED -> PoolSpec.Role.COLOCATED;
        };
        int maxRequests;
        int maxTokens;
        int chunk;
        switch (pool.role()) {
            case DECODE -> {
                maxRequests = pool.maxBatchPerGpu() * tp;
                maxTokens = maxRequests;
                chunk = maxRequests;
            }
            case PREFILL -> {
                maxTokens = pool.maxTokensPerGpu() * tp;
                maxRequests = maxTokens;
                chunk = maxTokens;
            }
            default -> {
                maxRequests = pool.maxBatchPerGpu() * tp;
                maxTokens = (pool.maxTokensPerGpu() + pool.maxBatchPerGpu()) * tp;
                chunk = pool.maxTokensPerGpu() * tp;
            }
        }
        return new PoolSpec(role.name().toLowerCase(java.util.Locale.ROOT), role, instances, pool.ep(), tp,
                maxRequests, maxTokens, chunk, redundantExperts, pool.microBatches() == 2, 0, pool.balancer(),
                pool.cudaGraphs());
    }

    /** The simulator's length distribution for a scenario's token count (same mean). */
    static LengthDistribution lengths(TokenCount count) {
        return switch (count) {
            case TokenCount.Fixed f -> new LengthDistribution.Fixed((int) Math.max(1, Math.round(f.tokens())));
            case TokenCount.Uniform u -> new LengthDistribution.Uniform((int) Math.round(u.min()),
                    (int) Math.round(u.max()));
            case TokenCount.Normal n -> new LengthDistribution.Normal(n.mean(), n.stddev());
            case TokenCount.LogNormal l -> l.sigma() == 0
                    ? new LengthDistribution.Fixed((int) Math.max(1, Math.round(l.median())))
                    : new LengthDistribution.LogNormal(l.mean(), l.mean() * Math.sqrt(Math.expm1(l.sigma() * l.sigma())));
            case TokenCount.Exponential e -> new LengthDistribution.Exponential(e.mean());
        };
    }
}
