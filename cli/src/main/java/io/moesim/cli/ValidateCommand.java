package io.moesim.cli;

import io.moesim.models.io.OutputFiles;
import io.moesim.validation.Validator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moesim validate [--cases DIR] [--json FILE] [--write-bands [FILE]]}: every validation case's prediction against its
 * published figure; exit 1 when a case expected to pass leaves its tolerance.
 */
@Command(name = "validate", description = "Compares moesim's predictions with published measurements"
        + " (validation/cases/*.yaml); exits 1 when a case leaves its tolerance (known gaps are shown, not failed).")
public final class ValidateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--cases", paramLabel = "DIR", description = "folder of case files (default: validation/cases)")
    Path cases = Path.of("validation", "cases");

    @Option(names = "--json", paramLabel = "FILE", description = "also write the table and summary as JSON to FILE (- for standard output; the table then goes to standard error)")
    Path json;

    @Option(names = "--write-bands", paramLabel = "FILE", arity = "0..1", fallbackValue = "validation/error-bands.yaml",
            description = "also write the error bands of the validation cases (default FILE: validation/error-bands.yaml,"
                    + " the file `moesim run` reads; commit it)")
    Path writeBands;

    @Override
    public Integer call() {
        var loaded = io.moesim.validation.CaseLoader.loadDir(cases);
        Validator.Report report;
        try (Progress bar = Progress.start(spec.commandLine().getErr(), "validate", loaded.size(), "cases")) {
            report = Validator.run(loaded, bar::stepTo);
        }
        if (json != null) {
            Validator.writeJson(report, json);
        }
        if (writeBands != null) {
            Validator.writeBands(report, writeBands);
            spec.commandLine().getOut().printf("wrote %s%n", writeBands);
        }
        // With --json - the JSON owns standard output; the table goes to standard error.
        PrintWriter out = json != null && OutputFiles.isStandardOutput(json)
                ? spec.commandLine().getErr() : spec.commandLine().getOut();
        Validator.print(report, out);
        out.flush();
        return report.failures().isEmpty() ? 0 : 1;
    }
}
