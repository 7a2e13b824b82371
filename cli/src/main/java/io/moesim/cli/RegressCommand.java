package io.moesim.cli;

import io.moesim.validation.CaseLoader;
import io.moesim.validation.Regression;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moesim regress --scenarios DIR --golden DIR [--tolerance 2%] [--update] [--junit FILE]}: the
 * regression gate of cost predictions against golden files.
 */
@Command(name = "regress", description = "Runs every scenario of a folder and compares its key predictions with"
        + " golden files; exits 1 when one moves past the tolerance, a golden file is missing or a scenario fails."
        + " --update rewrites the golden files after a reviewed change.")
public final class RegressCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--scenarios", paramLabel = "DIR", description = "folder of scenario files (default: scenarios)")
    Path scenarios = Path.of("scenarios");

    @Option(names = "--golden", paramLabel = "DIR", description = "folder of golden files (default: validation/golden)")
    Path golden = Path.of("validation", "golden");

    @Option(names = "--tolerance", paramLabel = "REL", description = "relative tolerance, e.g. 2%% or 0.02 (default 2%%)")
    String tolerance = "2%";

    @Option(names = "--update", description = "rewrite the golden files from this run")
    boolean update;

    @Option(names = "--junit", paramLabel = "FILE", description = "also write JUnit XML (one testcase per scenario)")
    Path junit;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "overrides applied to every scenario"
            + " (replace the default simulation.durationSeconds=20; recorded in the golden files)")
    List<String> sets = new ArrayList<>();

    @Override
    public Integer call() {
        double rel;
        try {
            rel = CaseLoader.parseTolerance(tolerance);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tolerance: " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        List<String> applied = sets.isEmpty() ? Regression.DEFAULT_SETS : sets;
        Regression.Report report = Regression.run(scenarios, golden, applied, rel, update, out);
        if (junit != null) {
            Regression.writeJUnit(report, junit);
        }
        Regression.printSummary(report, out);
        return report.failed() ? 1 : 0;
    }
}
