package io.moesim.cli;

import io.moesim.models.InputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code moesim} command: entry point and the table of its subcommands. */
@Command(
        name = "moesim",
        mixinStandardHelpOptions = true,
        version = "moesim 0.1.0",
        description = "Simulates and prices Mixture-of-Experts model deployments on GPU clusters.",
        subcommands = {
            CommandLine.HelpCommand.class,
            RunCommand.class,
            ModelsCommand.class,
            HardwareCommand.class,
            TrainCommand.class,
            TraceCommand.class,
            SweepCommand.class,
            ReportCommand.class,
            PlaceCommand.class,
            ValidateCommand.class,
            RegressCommand.class,
        })
public final class Moesim implements Runnable {

    /** Exit status for a user's mistake (bad file, bad field, bad argument). */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit status. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Moesim());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, arguments) -> {
            err.println("moesim: " + ex.getMessage());
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable cause = ex;
            while (cause != null && !(cause instanceof InputException)) {
                cause = cause.getCause();
            }
            if (cause != null) {
                err.println("moesim: " + cause.getMessage());
                return EXIT_USAGE;
            }
            throw ex;
        });
        return cli.execute(args);
    }
}
