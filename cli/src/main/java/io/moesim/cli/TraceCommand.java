package io.moesim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.models.trace.TraceJsonl;
import io.moesim.models.trace.TraceStats;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moesim trace}: router traces. The subcommands inspect a trace file ({@code export},
 * {@code stats}); recording a trace with the forward pass is the parent command's own job.
 */
@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        description = "Records and inspects router traces (which experts each token chose in each MoE layer).",
        subcommands = {TraceCommand.Export.class, TraceCommand.Stats.class})
public class TraceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code moesim trace export FILE --jsonl OUT}. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Writes a trace as JSON Lines: one object per token and MoE layer "
                    + "{\"seq\",\"pos\",\"token\",\"layer\",\"experts\",\"weights\"}, experts by descending weight.")
    static final class Export implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "the trace file (.moetrace, .moetrace.gz)")
        Path trace;

        @Option(names = "--jsonl", required = true, paramLabel = "OUT", description = "the JSON Lines file to write")
        Path out;

        @Override
        public Integer call() {
            long lines;
            try {
                lines = TraceJsonl.export(trace, out);
            } catch (UncheckedIOException e) {
                throw new io.moesim.models.InputException(e.getMessage(), e);
            }
            spec.commandLine().getErr().println("moesim: wrote " + lines + " lines to " + out);
            return 0;
        }
    }

    /** {@code moesim trace stats FILE [--json] [--top N]}. */
    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Per MoE layer: token share of the top experts, max/mean load, coefficient of variation, "
                    + "entropy of the expert load (bits and normalised by log2 E), most frequent expert pairs; "
                    + "then a summary over the layers.")
    static final class Stats implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "the trace file")
        Path trace;

        @Option(names = "--json", description = "print the statistics as JSON (all expert counts included)")
        boolean json;

        @Option(names = "--top", paramLabel = "N", defaultValue = "5",
                description = "experts and pairs listed per layer (default: ${DEFAULT-VALUE})")
        int top;

        @Override
        public Integer call() throws Exception {
            if (top < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--top must be >= 1, got " + top);
            }
            TraceStats stats = TraceStats.of(trace, top);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                out.println(mapper.writeValueAsString(stats));
            } else {
                out.print(stats.toText());
            }
            out.flush();
            return 0;
        }
    }
}
