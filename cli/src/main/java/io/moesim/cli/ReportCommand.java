package io.moesim.cli;

import io.moesim.reports.Report;
import io.moesim.reports.ReportWriter;
import io.moesim.reports.Reports;
import io.moesim.reports.ValidationRow;
import io.moesim.validation.ValidationCase;
import io.moesim.validation.Validator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moesim report (SCENARIO | RESULTS_JSON | SWEEP_DIR) --out DIR [--format pdf,png]}: charts and a PDF. */
@Command(name = "report", description = "Draws the charts of a scenario, a run's results JSON or a sweep folder;"
        + " writes DIR/report.pdf and one PNG per chart.")
public final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT",
            description = "a scenario YAML (run here), a results JSON (moesim run --json) or a sweep's --out folder")
    Path input;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a scenario key (scenario input only)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder for report.pdf and the PNGs, replaced whole (it may hold only a report's files)")
    Path out;

    @Option(names = "--format", paramLabel = "pdf,png", defaultValue = "pdf,png",
            description = "what to write (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--validation", paramLabel = "CASES_DIR",
            description = "also run the validation cases in this folder (e.g. validation/cases) and add their table")
    Path validationCases;

    @Override
    public Integer call() {
        Set<ReportWriter.Format> formats = ReportWriter.Format.parse(format);
        ReportWriter.checkFolder(out);
        Report report = Reports.of(input, sets, validationRows());
        List<Path> files = ReportWriter.write(report, out, formats);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf("%s: %d pages%n", report.title(), report.pages().size());
        for (Path file : files) {
            stdout.println("wrote " + file);
        }
        stdout.flush();
        return 0;
    }

    /** The rows of {@code moesim validate} over {@link #validationCases}, or none without the option. */
    private List<ValidationRow> validationRows() {
        if (validationCases == null) {
            return List.of();
        }
        List<ValidationRow> rows = new ArrayList<>();
        List<ValidationCase> cases = io.moesim.validation.CaseLoader.loadDir(validationCases);
        Validator.Report report;
        try (Progress bar = Progress.start(spec.commandLine().getErr(), "validation", cases.size(), "cases")) {
            report = Validator.run(cases, bar::stepTo);
        }
        for (Validator.Row row : report.rows()) {
            ValidationCase c = row.validationCase();
            String quantity = c.name() + (c.role() == ValidationCase.Role.CALIBRATION ? " (calibration)" : "")
                    + (row.status() == Validator.Status.KNOWN_GAP ? " (known gap)" : "");
            rows.add(new ValidationRow(quantity, c.unit(), row.predicted(), row.measured(), c.sourceSection()));
        }
        return rows;
    }
}
