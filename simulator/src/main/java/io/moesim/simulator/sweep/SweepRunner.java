package io.moesim.simulator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import io.moesim.simulator.results.RunResult;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs a scenario over the grid of every combination of the varied keys' values, in parallel, and
 * marks the Pareto fronts. Every point is loaded (and so validated) first, in grid order, so a bad
 * key or value is reported before any work and always the same way; results come back in grid order
 * whatever the thread scheduling.
 */
public final class SweepRunner {

    /** Told after each point completes (from worker threads, one call at a time). */
    @FunctionalInterface
    public interface Progress {
        void completed(int done, int total);

        Progress NONE = (done, total) -> { };
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ScenarioLoader loader;
    private final Function<Scenario, JsonNode> evaluator;
    private final int threads;

    /** A runner using {@code moesim run}'s evaluation (the simulation, {@link RunResult#simulate}) on every core. */
    public SweepRunner() {
        this(new ScenarioLoader(), SweepRunner::runResults, Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param loader    reads the scenario with each point's overrides
     * @param evaluator runs a scenario and returns its results JSON (docs/results.md)
     * @param threads   worker threads (at least 1)
     */
    public SweepRunner(ScenarioLoader loader, Function<Scenario, JsonNode> evaluator, int threads) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        this.threads = threads;
    }

    /** The results JSON of {@code moesim run} for {@code scenario} (simulation and analytic estimate), as a tree. */
    public static JsonNode runResults(Scenario scenario) {
        return MAPPER.valueToTree(RunResult.simulate(scenario).toJson());
    }

    /** The results JSON of {@code moesim run --analytic-only} for {@code scenario}, as a tree. */
    public static JsonNode analyticResults(Scenario scenario) {
        return MAPPER.valueToTree(RunResult.of(scenario).toJson());
    }

    /**
     * The most points a sweep runs. Every point is loaded (and checked) before any runs, and each
     * holds its scenario: 1,000 points of the DeepSeek-V3 decode scenario took 36 s and 950 MB with
     * {@code --analytic-only} on 2 cores, and a simulated point about a second of one core.
     */
    public static final int MAX_POINTS = 1000;

    /** Number of points of the grid of {@code axes}; more than {@link #MAX_POINTS} is refused. */
    public static int gridSize(List<SweepAxis> axes) {
        long size = 1;
        for (SweepAxis axis : axes) {
            size *= axis.values().size();
            if (size > MAX_POINTS) {
                long total = 1;
                for (SweepAxis a : axes) {
                    total = Math.min(Long.MAX_VALUE / 2, total * a.values().size());
                }
                throw new InputException("--vary: the grid has " + String.format(java.util.Locale.ROOT, "%,d", total)
                        + " points (" + String.join(" x ", axes.stream().map(a -> a.values().size() + " " + a.key())
                        .toList()) + "), more than the " + String.format(java.util.Locale.ROOT, "%,d", MAX_POINTS)
                        + " a sweep runs");
            }
        }
        return (int) size;
    }

    /**
     * The value index of each axis at grid point {@code index}: the first axis varies slowest,
     * the last fastest.
     */
    public static int[] coordinates(List<SweepAxis> axes, int index) {
        int[] at = new int[axes.size()];
        for (int k = axes.size() - 1; k >= 0; k--) {
            int n = axes.get(k).values().size();
            at[k] = index % n;
            index /= n;
        }
        return at;
    }

    /**
     * Runs {@code scenario} with {@code sets} and then each grid point's values as overrides.
     *
     * @throws InputException for a bad key or value (naming it), or duplicate keys
     */
    public SweepResult run(Path scenario, List<String> sets, List<SweepAxis> axes, Progress progress) {
        if (axes.isEmpty()) {
            throw new InputException("sweep: give at least one --vary KEY=V1,V2,...");
        }
        Set<String> keys = new HashSet<>();
        for (SweepAxis axis : axes) {
            if (!keys.add(axis.key())) {
                throw new InputException("--vary " + axis.key() + ": the key is varied twice");
            }
        }
        int size = gridSize(axes);
        List<Scenario> scenarios = new ArrayList<>(size);
        List<List<String>> values = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int[] at = coordinates(axes, i);
            List<String> pointSets = new ArrayList<>(sets);
            List<String> pointValues = new ArrayList<>();
            for (int k = 0; k < axes.size(); k++) {
                pointSets.add(axes.get(k).set(at[k]));
                pointValues.add(axes.get(k).values().get(at[k]));
            }
            scenarios.add(load(scenario, pointSets, axes, at));
            values.add(pointValues);
        }

        List<SweepPoint> points = evaluate(scenarios, values, axes, progress);
        // The sweep's name is the scenario's with the fixed overrides, not that of one point (a point
        // varying the hardware renames itself: "... on H200 ...").
        String name = scenarios.getFirst().name();
        if (axes.stream().anyMatch(a -> a.key().equals("hardware") || a.key().equals("name"))) {
            try {
                name = loader.load(scenario, sets).name();
            } catch (InputException e) {
                // The file is complete only with the varied keys: keep the first point's name.
            }
        }
        return new SweepResult(scenario.toString(), name, sets, axes, markPareto(points));
    }

    private Scenario load(Path scenario, List<String> pointSets, List<SweepAxis> axes, int[] at) {
        try {
            return loader.load(scenario, pointSets);
        } catch (InputException e) {
            // Name the varied key the message is about, else every value of this point.
            for (int k = 0; k < axes.size(); k++) {
                if (e.getMessage().contains(axes.get(k).key())) {
                    throw new InputException("--vary " + axes.get(k).set(at[k]) + ": " + e.getMessage(), e);
                }
            }
            throw new InputException("--vary " + describe(axes, at) + ": " + e.getMessage(), e);
        }
    }

    private static String describe(List<SweepAxis> axes, int[] at) {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < axes.size(); k++) {
            parts.add(axes.get(k).set(at[k]));
        }
        return String.join(", ", parts);
    }

    private List<SweepPoint> evaluate(List<Scenario> scenarios, List<List<String>> values, List<SweepAxis> axes,
                                      Progress progress) {
        int size = scenarios.size();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, size));
        try {
            List<Future<SweepPoint>> futures = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    SweepPoint point = SweepPoint.fromResults(index, values.get(index),
                            evaluator.apply(scenarios.get(index)));
                    int finished = done.incrementAndGet();
                    synchronized (progress) {
                        progress.completed(finished, size);
                    }
                    return point;
                }));
            }
            List<SweepPoint> points = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                try {
                    points.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    String where = describe(axes, coordinates(axes, i));
                    if (cause instanceof InputException || cause instanceof IllegalArgumentException) {
                        throw new InputException("--vary " + where + ": " + cause.getMessage(), cause);
                    }
                    throw new IllegalStateException("sweep point " + where + " failed", cause);
                }
            }
            return points;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The points with both Pareto flags set (infeasible points are never on a front). */
    public static List<SweepPoint> markPareto(List<SweepPoint> points) {
        int n = points.size();
        double[] outPerGpu = new double[n];
        double[] perUser = new double[n];
        double[] usdOut = new double[n];
        double[] tpot = new double[n];
        boolean[] feasible = new boolean[n];
        for (int i = 0; i < n; i++) {
            SweepPoint p = points.get(i);
            outPerGpu[i] = p.outputTokensPerSecondPerGpu();
            perUser[i] = p.tokensPerSecondPerUser();
            usdOut[i] = p.usdPerMillionOutputTokens();
            tpot[i] = p.tpotSeconds().p50();
            feasible[i] = p.feasible();
        }
        boolean[] throughput = Pareto.front(outPerGpu, Pareto.Sense.MAXIMIZE, perUser, Pareto.Sense.MAXIMIZE, feasible);
        boolean[] cost = Pareto.front(usdOut, Pareto.Sense.MINIMIZE, tpot, Pareto.Sense.MINIMIZE, feasible);
        List<SweepPoint> marked = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            marked.add(points.get(i).withPareto(throughput[i], cost[i]));
        }
        return marked;
    }
}
