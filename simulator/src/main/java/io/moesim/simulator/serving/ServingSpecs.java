package io.moesim.simulator.serving;

import io.moesim.models.InputException;
import io.moesim.simulator.routing.SyntheticRouting;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.TokenCount;
import java.io.IOException;
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
 *   <li>Routing: {@code synthetic: uniform} or {@code zipf} (exponent 0 is uniform); {@code trace:}
 *       is not yet supported.</li>
 * </ul>
 */
public final class ServingSpecs {

    private ServingSpecs() {
    }

    /** The serving spec of {@code scenario}. */
    public static ServingSpec from(Scenario scenario) {
        List<PoolSpec> pools = new ArrayList<>();
        for (Pool pool : scenario.deployment().pools()) {
            pools.add(pool(pool, scenario.placement().redundantExperts()));
        }
        io.moesim.simulator.scenario.Workload w = scenario.workload();
        Pool loopPool = scenario.deployment().decode() != null ? scenario.deployment().decode()
                : scenario.deployment().pools().getFirst();
        Workload.Arrivals arrivals = switch (w.arrival()) {
            case io.moesim.simulator.scenario.Workload.Arrival.Concurrency c ->
                    new Workload.Concurrency((int) Math.max(1, Math.round(c.perGpu() * loopPool.gpus())));
            case io.moesim.simulator.scenario.Workload.Arrival.Poisson p -> new Workload.Poisson(p.requestsPerSecond());
            case io.moesim.simulator.scenario.Workload.Arrival.Trace t -> {
                try {
                    yield Workload.Trace.read(t.path());
                } catch (IOException e) {
                    throw InputException.at(scenario.source(), "workload.arrival.trace",
                            "cannot read " + t.path() + ": " + e.getMessage());
                }
            }
        };
        Workload workload = new Workload(arrivals, lengths(w.inputTokens()), lengths(w.outputTokens()),
                w.prefixCacheHitRate());
        SyntheticRouting.Distribution routing = switch (scenario.routing()) {
            case Scenario.Routing.Uniform u -> new SyntheticRouting.Uniform();
            case Scenario.Routing.Zipf z -> z.exponent() > 0 ? new SyntheticRouting.Zipf(z.exponent())
                    : new SyntheticRouting.Uniform();
            case Scenario.Routing.Trace t -> throw InputException.at(scenario.source(), "routing.trace",
                    "replaying a router trace is not yet supported; use { synthetic: uniform } or"
                            + " { synthetic: zipf, exponent: X }");
        };
        return new ServingSpec(scenario.model(), scenario.hardware(), pools, workload, routing, scenario.precision(),
                scenario.seed(), scenario.simulation().durationSeconds(), scenario.simulation().warmupSeconds());
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
                maxRequests, maxTokens, chunk, redundantExperts, pool.microBatches() == 2, 0);
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
