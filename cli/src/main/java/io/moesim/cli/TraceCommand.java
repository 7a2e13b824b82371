package io.moesim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.models.trace.TraceJsonl;
import io.moesim.models.trace.TraceStats;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moesim trace}: router traces. The subcommands inspect a trace file ({@code export},
 * {@code stats}); the parent command itself records one by running a checkpoint's forward pass
 * on the CPU: {@code moesim trace --model DIR (--text FILE | --token-ids FILE) --out FILE}.
 */
@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        description = "Records and inspects router traces (which experts each token chose in each MoE layer).",
        subcommands = {TraceCommand.Export.class, TraceCommand.Stats.class})
public class TraceCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face checkpoint directory (config.json, safetensors, tokenizer.json for --text)")
    Path model;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
    Input input;

    /** Where the tokens come from. */
    static final class Input {
        @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text, tokenized with the model's tokenizer.json")
        Path text;

        @Option(names = "--token-ids", paramLabel = "FILE",
                description = "token ids separated by whitespace or commas (a JSON array works)")
        Path tokenIds;
    }

    @Option(names = "--out", paramLabel = "FILE", description = "the trace to write (.moetrace; .gz compresses)")
    Path out;

    @Option(names = "--context", paramLabel = "N", defaultValue = "512",
            description = "tokens per window; each window is a sequence of its own (default: ${DEFAULT-VALUE})")
    int context;

    @Option(names = "--max-tokens", paramLabel = "N", description = "record at most N tokens of the input")
    Integer maxTokens;

    @Override
    public Integer call() {
        if (model == null && input == null && out == null) {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 0;
        }
        if (model == null || input == null || out == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "recording needs --model DIR, --text FILE or --token-ids FILE, and --out FILE");
        }
        if (context < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--context must be >= 1, got " + context);
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-tokens must be >= 1, got " + maxTokens);
        }
        return TraceRecording.run(model, input.text, input.tokenIds, out, context, maxTokens,
                spec.commandLine().getErr());
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
            io.moesim.models.InputFiles.requireOutputFile(out, "--jsonl");
            try {
                if (java.nio.file.Files.exists(out) && java.nio.file.Files.isSameFile(trace, out)) {
                    throw io.moesim.models.InputException.at(out, "--jsonl", "is the trace being exported; give another"
                            + " file name");
                }
            } catch (java.io.IOException e) {
                throw io.moesim.models.InputException.at(out, "--jsonl", io.moesim.models.InputFiles.describe(e));
            }
            long lines = TraceJsonl.export(trace, out);
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
