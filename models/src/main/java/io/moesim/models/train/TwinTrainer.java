package io.moesim.models.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trains a tiny twin: AdamW with warmup + cosine learning rate, global gradient-norm clipping,
 * the load-balancing loss (softmax routers) or the auxiliary-loss-free bias update (sigmoid
 * routers), periodic checkpoints to resume from, and a progress line on stderr.
 * Deterministic given the seed: batches derive from (seed, step) and kernels use a fixed partition.
 */
public final class TwinTrainer {

    private static final int CHECKPOINT_MAGIC = 0x54574E31; // "TWN1"

    /** What a training run achieved. */
    public record Result(TwinModel model, int startStep, int steps, double finalTrainLoss, Map<String, Double> heldoutBitsPerByte,
                         double tokensPerSecond, double seconds, double[] maxOverMeanLoad) {
    }

    private final TwinModel model;
    private final TrainSettings s;
    private final Corpus corpus;
    private final Path checkpoint;
    private int step;

    public TwinTrainer(TwinConfig config, TrainSettings settings, Corpus corpus, Path checkpoint) {
        this.model = new TwinModel(config, settings.seed());
        this.s = settings;
        this.corpus = corpus;
        this.checkpoint = checkpoint;
    }

    public TwinModel model() {
        return model;
    }

    public int step() {
        return step;
    }

    /** Performs one optimiser step on the batch of the current step; returns its tape. */
    public TwinModel.Tape trainStep() {
        int[][] batch = corpus.batch(s.seed(), step, s.batch(), model.c.contextTokens() + 1);
        model.zeroGrad();
        TwinModel.Tape tape = model.forward(batch);
        model.backward(tape);
        double norm = 0;
        for (Param p : model.params()) {
            for (float g : p.g()) {
                norm += (double) g * g;
            }
        }
        norm = Math.sqrt(norm);
        float clip = norm > s.clipNorm() ? (float) (s.clipNorm() / norm) : 1f;
        adamw(clip, s.lr(step), step + 1);
        updateBiases(tape);
        step++;
        return tape;
    }

    private void adamw(float clip, double lr, int t) {
        double b1 = 0.9;
        double b2 = 0.95;
        float c1 = (float) (1 - Math.pow(b1, t));
        float c2 = (float) (1 - Math.pow(b2, t));
        float flr = (float) lr;
        for (Param p : model.params()) {
            float[] w = p.w();
            float[] g = p.g();
            float[] m = p.m();
            float[] v = p.v();
            float decay = p.decay() ? (float) (1 - lr * s.weightDecay()) : 1f;
            for (int i = 0; i < w.length; i++) {
                float gi = g[i] * clip;
                m[i] = (float) (b1 * m[i] + (1 - b1) * gi);
                v[i] = (float) (b2 * v[i] + (1 - b2) * gi * gi);
                w[i] = w[i] * decay - flr * (m[i] / c1) / ((float) Math.sqrt(v[i] / c2) + 1e-8f);
            }
        }
    }

    /** DeepSeek-V3's auxiliary-loss-free balancing: each bias moves by gamma up if its expert was under-loaded, down if over. */
    private void updateBiases(TwinModel.Tape tape) {
        if (!model.c.sigmoid()) {
            return;
        }
        float gamma = (float) model.c.biasUpdateSpeed();
        for (TwinModel.Layer l : model.layers) {
            if (l.bias == null) {
                continue;
            }
            int[] load = tape.expertLoad[l.index];
            double mean = (double) tape.n * model.c.topK() / model.c.numExperts();
            for (int e = 0; e < load.length; e++) {
                l.bias[e] += load[e] < mean ? gamma : load[e] > mean ? -gamma : 0f;
            }
        }
    }

    /**
     * Told after each step: the step reached and a one-line summary (loss, learning rate, speed);
     * the command line draws it as a progress bar on a terminal.
     */
    @FunctionalInterface
    public interface StepListener {
        void stepped(int step, String summary);
    }

    /**
     * Runs to {@code settings.steps()}, checkpointing every {@code checkpointEvery} steps; a summary line
     * to {@code err} every 50 steps, or each step to {@code listener} instead when it is not null.
     */
    public Result run(boolean resume, int checkpointEvery, PrintStream err, StepListener listener) {
        if (resume && checkpoint != null && Files.exists(checkpoint)) {
            load(checkpoint);
            err.println("resumed " + model.c.name() + " at step " + step);
        }
        int tokensPerStep = s.batch() * model.c.contextTokens();
        long start = System.nanoTime();
        int startStep = step;
        double ema = Double.NaN;
        double emaAux = 0;
        while (step < s.steps()) {
            TwinModel.Tape tape = trainStep();
            ema = Double.isNaN(ema) ? tape.ce : 0.98 * ema + 0.02 * tape.ce;
            emaAux = 0.98 * emaAux + 0.02 * tape.aux;
            double secs = (System.nanoTime() - start) / 1e9;
            double tps = (step - startStep) * (double) tokensPerStep / Math.max(secs, 1e-9);
            String line = String.format("%s step %d/%d  loss %.3f (%.2f bits/byte)  aux %.4f  lr %.2e  %.0f tok/s",
                    model.c.name(), step, s.steps(), ema, ema / Math.log(2), emaAux, s.lr(step - 1), tps);
            if (listener != null) {
                listener.stepped(step, line);
            } else if (step % 50 == 0 || step == s.steps()) {
                err.println(line);
            }
            if (checkpoint != null && (step % checkpointEvery == 0 || step == s.steps())) {
                save(checkpoint);
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        Map<String, Double> bpb = evaluate();
        double[] balance = loadBalance();
        return new Result(model, startStep, step, ema, bpb, (step - startStep) * (double) tokensPerStep / Math.max(secs, 1e-9),
                secs, balance);
    }

    /** Held-out bits per byte per domain over the first {@code evalBytes} bytes of each held-out part. */
    public Map<String, Double> evaluate() {
        Map<String, Double> out = new LinkedHashMap<>();
        int t = model.c.contextTokens();
        for (int d = 0; d < corpus.domains().size(); d++) {
            byte[] text = corpus.heldout()[d];
            int limit = Math.min(text.length, s.evalBytes());
            double nats = 0;
            long count = 0;
            int windows = (limit - 1) / t;
            int chunk = 8;
            for (int w0 = 0; w0 < windows; w0 += chunk) {
                int nw = Math.min(chunk, windows - w0);
                int[][] seqs = new int[nw][t + 1];
                for (int w = 0; w < nw; w++) {
                    for (int i = 0; i <= t; i++) {
                        seqs[w][i] = text[(w0 + w) * t + i] & 0xFF;
                    }
                }
                TwinModel.Tape tape = model.forward(seqs);
                nats += tape.ce * tape.n;
                count += tape.n;
            }
            out.put(corpus.domains().get(d), count == 0 ? Double.NaN : nats / count / Math.log(2));
        }
        return out;
    }

    /** Per layer, max over mean tokens per expert over the held-out mix (NaN for dense layers). */
    public double[] loadBalance() {
        int t = model.c.contextTokens();
        int[][] seqs = new int[corpus.domains().size() * 4][t + 1];
        for (int b = 0; b < seqs.length; b++) {
            byte[] text = corpus.heldout()[b % corpus.domains().size()];
            int off = (b / corpus.domains().size()) * t;
            for (int i = 0; i <= t; i++) {
                seqs[b][i] = text[off + i] & 0xFF;
            }
        }
        TwinModel.Tape tape = model.forward(seqs);
        double[] out = new double[model.layers.length];
        for (int l = 0; l < out.length; l++) {
            int[] load = tape.expertLoad[l];
            if (load == null) {
                out[l] = Double.NaN;
                continue;
            }
            int max = 0;
            for (int x : load) {
                max = Math.max(max, x);
            }
            out[l] = max / ((double) tape.n * model.c.topK() / model.c.numExperts());
        }
        return out;
    }

    /** Writes parameters, AdamW moments, selection biases and the step (temp file, then rename). */
    public void save(Path file) {
        io.moesim.models.io.OutputFiles.write(file, stream -> {
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(stream, 1 << 20));
            out.writeInt(CHECKPOINT_MAGIC);
            out.writeUTF(model.c.toString());
            out.writeInt(step);
            for (Param p : model.params()) {
                out.writeUTF(p.name());
                writeFloats(out, p.w());
                writeFloats(out, p.m());
                writeFloats(out, p.v());
            }
            for (float[] b : model.biases()) {
                if (b != null) {
                    writeFloats(out, b);
                }
            }
            out.flush();
        });
    }

    /** Restores a checkpoint written by {@link #save} for the same twin configuration. */
    public void load(Path file) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            if (in.readInt() != CHECKPOINT_MAGIC) {
                throw io.moesim.models.InputException.at(file, "magic", "not a twin checkpoint");
            }
            if (!in.readUTF().equals(model.c.toString())) {
                throw io.moesim.models.InputException.at(file, "config", "checkpoint is of another twin configuration");
            }
            step = in.readInt();
            for (Param p : model.params()) {
                if (!in.readUTF().equals(p.name())) {
                    throw io.moesim.models.InputException.at(file, p.name(), "tensor order differs");
                }
                readFloats(in, p.w());
                readFloats(in, p.m());
                readFloats(in, p.v());
            }
            for (float[] b : model.biases()) {
                if (b != null) {
                    readFloats(in, b);
                }
            }
        } catch (IOException e) {
            throw io.moesim.models.InputException.at(file, "file", "cannot read checkpoint: " + io.moesim.models.InputFiles.describe(e));
        }
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        byte[] buf = new byte[a.length * 4];
        java.nio.ByteBuffer.wrap(buf).asFloatBuffer().put(a);
        out.writeInt(a.length);
        out.write(buf);
    }

    private static void readFloats(DataInputStream in, float[] a) throws IOException {
        int n = in.readInt();
        if (n != a.length) {
            throw new IOException("tensor length " + n + ", expected " + a.length);
        }
        byte[] buf = new byte[n * 4];
        in.readFully(buf);
        java.nio.ByteBuffer.wrap(buf).asFloatBuffer().get(a);
    }
}
