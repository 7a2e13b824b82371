package io.moesim.cli;

import io.moesim.simulator.sweep.SweepAxis;
import io.moesim.simulator.sweep.SweepPoint;
import io.moesim.simulator.sweep.SweepResult;
import io.moesim.simulator.sweep.SweepRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moesim sweep SCENARIO --vary KEY=V1,V2,... [--set K=V]... --out DIR}: runs a grid of scenarios. */
@Command(name = "sweep", description = "Runs a scenario over every combination of the varied keys' values;"
        + " writes DIR/sweep.csv and DIR/sweep.json with the Pareto fronts marked.")
public final class SweepCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "scenario YAML file")
    Path scenario;

    @Option(names = "--vary", required = true, paramLabel = "KEY=V1,V2,...",
            description = "a dotted scenario key and its values (repeatable; the grid is every combination),"
                    + " e.g. --vary hardware=h800,h200")
    List<String> vary = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a key for every point (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder for sweep.csv and sweep.json, replaced whole (it may hold only those files)")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: the machine's cores)")
    Integer threads;

    @Option(names = "--analytic-only", description = "evaluate each point with the analytic estimate only (fast), not the simulation")
    boolean analyticOnly;

    @Override
    public Integer call() {
        List<SweepAxis> axes = vary.stream().map(SweepAxis::parse).toList();
        if (threads != null && (threads < 1 || threads > MAX_THREADS)) {
            throw new io.moesim.models.InputException("--threads: " + threads + " is out of range [1, " + MAX_THREADS + "]");
        }
        checkOutFolder(out);
        SweepResult.checkFolder(out);
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        SweepRunner runner = new SweepRunner(new io.moesim.simulator.scenario.ScenarioLoader(),
                analyticOnly ? SweepRunner::analyticResults : SweepRunner::runResults, workers);
        PrintWriter err = spec.commandLine().getErr();
        SweepResult result;
        try (Progress bar = Progress.start(err, "sweep", SweepRunner.gridSize(axes), "points")) {
            result = runner.run(scenario, sets, axes, (done, total) -> bar.stepTo(done));
        }
        result.write(out);
        PrintWriter stdout = spec.commandLine().getOut();
        long feasible = result.points().stream().filter(SweepPoint::feasible).count();
        stdout.printf("%d points (%d feasible), %d on the throughput front, %d on the cost front%n",
                result.points().size(), feasible,
                result.points().stream().filter(SweepPoint::paretoThroughput).count(),
                result.points().stream().filter(SweepPoint::paretoCost).count());
        stdout.printf("wrote %s and %s%n", out.resolve(SweepResult.CSV), out.resolve(SweepResult.JSON));
        stdout.flush();
        return 0;
    }

    /** The most worker threads (each simulating one point holds its own state). */
    static final int MAX_THREADS = 256;

    /** Refuses an output folder that is a file or lies under one, before any work. */
    static void checkOutFolder(Path out) {
        java.nio.file.Path absolute = out.toAbsolutePath();
        for (java.nio.file.Path p = absolute; p != null; p = p.getParent()) {
            if (java.nio.file.Files.exists(p)) {
                if (!java.nio.file.Files.isDirectory(p)) {
                    throw io.moesim.models.InputException.at("--out", out.toString(), p.equals(absolute)
                            ? "is a file, expected a folder" : p + " is a file, not a folder");
                }
                if (!java.nio.file.Files.isWritable(p)) {
                    throw io.moesim.models.InputException.at("--out", out.toString(), "cannot write into " + p
                            + ": permission denied");
                }
                return;
            }
        }
    }

}
