package io.moesim.cli;

import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import java.util.List;
import io.moesim.models.train.Corpus;
import io.moesim.models.train.TrainSettings;
import io.moesim.models.train.TwinCatalog;
import io.moesim.models.train.TwinConfig;
import io.moesim.models.train.TwinExport;
import io.moesim.models.train.TwinTrainer;
import io.moesim.models.train.TwinTraces;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moesim train}: trains a tiny twin on the corpus and writes it in Hugging Face layout. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains a tiny twin (mixtral-twin, qwen3-moe-twin, deepseek-v3-twin) on build/corpus.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--twin", required = true, description = "Twin name: ${COMPLETION-CANDIDATES}",
            completionCandidates = TwinNames.class)
    String twin;

    @Option(names = "--steps", defaultValue = "1500", description = "Optimiser steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "12", description = "Sequences per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "4e-3", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "1234", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", description = "Output directory (default models/twins/NAME).")
    Path out;

    @Option(names = "--corpus", defaultValue = "build/corpus", description = "Corpus directory (default ${DEFAULT-VALUE}).")
    Path corpusDir;

    @Option(names = "--checkpoint", description = "Checkpoint file (default build/twin-checkpoints/NAME.bin).")
    Path checkpoint;

    @Option(names = "--resume", description = "Continue from the checkpoint if there is one.")
    boolean resume;

    @Option(names = "--bf16", description = "Write BF16 weights instead of F32.")
    boolean bf16;

    @Option(names = "--traces-only", description = "Do not train: record router traces of the twin in --out "
            + "over held-out prose, code and a mix into DIR/traces/ with the inference forward pass.")
    boolean tracesOnly;

    @Option(names = "--trace-bytes", defaultValue = "16384", description = "Bytes per trace (default ${DEFAULT-VALUE}).")
    int traceBytes;

    /**
     * {@code --trace-bytes} must give every trace at least one window of the twin's context, and the
     * held-out corpus must hold the bytes the prose, code and mixed traces read.
     */
    private void checkTraceBytes(int context, Corpus corpus) {
        if (traceBytes < context) {
            throw InputException.at("--trace-bytes", "value", "must be at least the twin's context of " + context
                    + " tokens (one window), got " + traceBytes);
        }
        long windows = traceBytes / context;
        for (int d = 0; d < corpus.heldout().length; d++) {
            long needed = windows - 1 >= d ? (long) traceBytes + ((windows - 1 - d) / 3 + 1) * context : traceBytes;
            int have = corpus.heldout()[d].length;
            if (needed > have) {
                throw InputException.at("--trace-bytes", "value", traceBytes + " bytes per trace need " + needed
                        + " held-out bytes of " + Corpus.DOMAINS.get(d) + ", the corpus has " + have);
            }
        }
    }

    static final class TwinNames extends java.util.ArrayList<String> {
        TwinNames() {
            super(TwinCatalog.NAMES);
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public Integer call() throws Exception {
        TwinConfig config = TwinCatalog.get(twin);
        if (config == null) {
            throw InputException.at("--twin", "twin", "unknown twin '" + twin + "' (known: " + TwinCatalog.NAMES + ")");
        }
        if (steps <= 0) {
            throw InputException.at("--steps", "value", "must be a positive number of steps, got " + steps);
        }
        if (batch <= 0) {
            throw InputException.at("--batch", "value", "must be a positive number of sequences, got " + batch);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw InputException.at("--lr", "value", "must be a finite number > 0, got " + lr);
        }
        Path dir = out != null ? out : Path.of("models", "twins", twin);
        InputFiles.requireOutputFolder(dir, "--out");
        Path readmeFile = dir.resolve("README.md");
        if (Files.isDirectory(readmeFile)) {
            throw InputException.at(readmeFile, "--out", "README.md is a folder; train writes the twin's README there");
        }
        for (String name : List.of("model.safetensors", "config.json", "tokenizer.json", "traces")) {
            Path p = dir.resolve(name);
            if (name.equals("traces") ? Files.exists(p) && !Files.isDirectory(p) : Files.isDirectory(p)) {
                throw InputException.at(p, "--out", name + " is in the way (a " + (Files.isDirectory(p) ? "folder" : "file")
                        + " where train writes a " + (name.equals("traces") ? "folder" : "file") + ")");
            }
        }
        if (checkpoint != null && Files.isDirectory(checkpoint)) {
            throw InputException.at(checkpoint, "--checkpoint", "is a folder; give the checkpoint file's name");
        }
        TrainSettings d = TrainSettings.defaults(steps);
        TrainSettings settings = new TrainSettings(steps, batch, lr, d.warmupSteps(), d.minLrRatio(), d.weightDecay(),
                d.clipNorm(), seed, d.evalBytes());
        Corpus corpus = Corpus.load(corpusDir);
        if (tracesOnly) {
            if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
                throw InputException.at(dir.resolve("model.safetensors"), "file", "no trained twin here (train it first)");
            }
            checkTraceBytes(config.contextTokens(), corpus);
            io.moesim.models.train.TwinModel model = new io.moesim.models.train.TwinModel(config, 0);
            TwinExport.load(model, dir);
            StringBuilder section = new StringBuilder("\n## Traces\n\nRecorded by the inference forward pass (`moesim train --twin ")
                    .append(twin).append(" --traces-only`) over held-out bytes, windows of ").append(config.contextTokens())
                    .append(" tokens; agreement = share of (token, MoE layer) pairs where the trainer's own forward pass picks the same experts.\n\n")
                    .append("| trace | tokens | bytes | agreement |\n|---|---|---|---|\n");
            List<Path> traces;
            try {
                traces = TwinTraces.record(dir, corpus, config.contextTokens(), traceBytes);
            } catch (java.io.UncheckedIOException e) {
                throw InputException.at(dir.resolve("traces"), "--out", "cannot write the traces: "
                        + InputFiles.describe(e.getCause()));
            }
            for (Path p : traces) {
                double agree = TwinTraces.agreement(model, p);
                int tokens = io.moesim.models.trace.RouterTrace.read(p).numTokens();
                out().printf("wrote %s (%d tokens, %d bytes), expert-set agreement with the trainer %.4f%n",
                        p, tokens, Files.size(p), agree);
                section.append(String.format("| traces/%s | %d | %d | %.4f |%n", p.getFileName(), tokens, Files.size(p), agree));
            }
            Path readme = dir.resolve("README.md");
            String text = Files.isRegularFile(readme) ? InputFiles.readText(readme, "README.md") : "";
            int cut = text.indexOf("\n## Traces\n");
            io.moesim.models.io.OutputFiles.writeString(readme, (cut >= 0 ? text.substring(0, cut) : text) + section);
            return 0;
        }
        Path ckpt = checkpoint != null ? checkpoint : Path.of("build", "twin-checkpoints", twin + ".bin");
        TwinTrainer trainer = new TwinTrainer(config, settings, corpus, ckpt);
        if (resume && Files.exists(ckpt)) {
            trainer.load(ckpt); // a bad checkpoint is refused before anything is printed (run loads it again)
        }
        System.err.printf("%s: %d parameters, %d steps of %d x %d tokens%n", twin,
                trainer.model().parameterCount(), steps, batch, config.contextTokens());
        TwinTrainer.Result result;
        PrintWriter err = new PrintWriter(System.err, true);
        try (Progress bar = Progress.start(err, twin, steps, "steps")) {
            result = trainer.run(resume, 100, System.err, Progress.enabled() ? (step, line) -> {
                bar.stepTo(step);
                bar.message(line.substring(line.indexOf(" step ") + 1));
            } : null);
        } catch (java.io.UncheckedIOException e) {
            throw InputException.at(ckpt, "--checkpoint", "cannot write the training checkpoint: "
                    + InputFiles.describe(e.getCause()));
        }
        long bytes;
        try {
            bytes = TwinExport.write(trainer.model(), dir, bf16);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            java.io.IOException cause = e instanceof java.io.UncheckedIOException u ? u.getCause() : (java.io.IOException) e;
            throw InputException.at(dir, "--out", "cannot write the twin: " + InputFiles.describe(cause));
        }
        String readme = TwinExport.readme(config, settings, result, trainer.model().parameterCount(), bf16 ? "BF16" : "F32");
        io.moesim.models.io.OutputFiles.writeString(dir.resolve("README.md"), readme);
        out().printf("wrote %s (model.safetensors %.1f MB)%n", dir, bytes / 1e6);
        result.heldoutBitsPerByte().forEach((k, v) -> out().printf("held-out %s: %.3f bits/byte%n", k, v));
        return 0;
    }
}
