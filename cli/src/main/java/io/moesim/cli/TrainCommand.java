package io.moesim.cli;

import io.moesim.models.InputException;
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
        if (steps <= 0 || batch <= 0 || !(lr > 0)) {
            throw InputException.at("--steps/--batch/--lr", "value", "must be positive");
        }
        TrainSettings d = TrainSettings.defaults(steps);
        TrainSettings settings = new TrainSettings(steps, batch, lr, d.warmupSteps(), d.minLrRatio(), d.weightDecay(),
                d.clipNorm(), seed, d.evalBytes());
        Corpus corpus = Corpus.load(corpusDir);
        Path dir = out != null ? out : Path.of("models", "twins", twin);
        if (tracesOnly) {
            if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
                throw InputException.at(dir.resolve("model.safetensors"), "file", "no trained twin here (train it first)");
            }
            io.moesim.models.train.TwinModel model = new io.moesim.models.train.TwinModel(config, 0);
            TwinExport.load(model, dir);
            StringBuilder section = new StringBuilder("\n## Traces\n\nRecorded by the inference forward pass (`moesim train --twin ")
                    .append(twin).append(" --traces-only`) over held-out bytes, windows of ").append(config.contextTokens())
                    .append(" tokens; agreement = share of (token, MoE layer) pairs where the trainer's own forward pass picks the same experts.\n\n")
                    .append("| trace | tokens | bytes | agreement |\n|---|---|---|---|\n");
            for (Path p : TwinTraces.record(dir, corpus, config.contextTokens(), traceBytes)) {
                double agree = TwinTraces.agreement(model, p);
                int tokens = io.moesim.models.trace.RouterTrace.read(p).numTokens();
                out().printf("wrote %s (%d tokens, %d bytes), expert-set agreement with the trainer %.4f%n",
                        p, tokens, Files.size(p), agree);
                section.append(String.format("| traces/%s | %d | %d | %.4f |%n", p.getFileName(), tokens, Files.size(p), agree));
            }
            Path readme = dir.resolve("README.md");
            String text = Files.isRegularFile(readme) ? Files.readString(readme) : "";
            int cut = text.indexOf("\n## Traces\n");
            Files.writeString(readme, (cut >= 0 ? text.substring(0, cut) : text) + section, StandardCharsets.UTF_8);
            return 0;
        }
        Path ckpt = checkpoint != null ? checkpoint : Path.of("build", "twin-checkpoints", twin + ".bin");
        TwinTrainer trainer = new TwinTrainer(config, settings, corpus, ckpt);
        System.err.printf("%s: %d parameters, %d steps of %d x %d tokens%n", twin,
                trainer.model().parameterCount(), steps, batch, config.contextTokens());
        TwinTrainer.Result result;
        PrintWriter err = new PrintWriter(System.err, true);
        try (Progress bar = Progress.start(err, twin, steps, "steps")) {
            result = trainer.run(resume, 100, System.err, Progress.enabled() ? (step, line) -> {
                bar.stepTo(step);
                bar.message(line.substring(line.indexOf(" step ") + 1));
            } : null);
        }
        long bytes = TwinExport.write(trainer.model(), dir, bf16);
        String readme = TwinExport.readme(config, settings, result, trainer.model().parameterCount(), bf16 ? "BF16" : "F32");
        Files.writeString(dir.resolve("README.md"), readme, StandardCharsets.UTF_8);
        out().printf("wrote %s (model.safetensors %.1f MB)%n", dir, bytes / 1e6);
        result.heldoutBitsPerByte().forEach((k, v) -> out().printf("held-out %s: %.3f bits/byte%n", k, v));
        return 0;
    }
}
