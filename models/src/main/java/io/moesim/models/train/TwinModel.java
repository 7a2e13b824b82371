package io.moesim.models.train;

import static io.moesim.models.train.TrainKernels.attention;
import static io.moesim.models.train.TrainKernels.attentionBack;
import static io.moesim.models.train.TrainKernels.axpy;
import static io.moesim.models.train.TrainKernels.dot;
import static io.moesim.models.train.TrainKernels.linear;
import static io.moesim.models.train.TrainKernels.linearBackInput;
import static io.moesim.models.train.TrainKernels.linearBackWeight;
import static io.moesim.models.train.TrainKernels.rmsnorm;
import static io.moesim.models.train.TrainKernels.rmsnormBack;
import static io.moesim.models.train.TrainKernels.rope;
import static io.moesim.models.train.TrainKernels.swiglu;
import static io.moesim.models.train.TrainKernels.swigluBack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A tiny twin being trained: its parameters (named as in the target's Hugging Face checkpoint)
 * and a forward pass that saves its activations, with the backward pass of every operation.
 * Mixtral, Qwen3-MoE and DeepSeek-V3 layouts: RMSNorm, GQA with rope (per-head q/k norm for
 * Qwen3) or multi-head latent attention, SiLU-gated MLPs, softmax top-k routing with the
 * Switch/Mixtral load-balancing loss, or sigmoid group-limited routing with a selection bias.
 */
public final class TwinModel {

    final TwinConfig c;
    final List<Param> params = new ArrayList<>();
    final Param embed;
    final Param finalNorm;
    final Param lmHead;
    final Layer[] layers;

    /** Weights of one decoder layer. */
    final class Layer {
        final int index;
        Param ln1;
        Param ln2;
        Param wq;
        Param wk;
        Param wv;
        Param wo;
        Param qNorm;
        Param kNorm;
        Param qA;
        Param qANorm;
        Param qB;
        Param kvA;
        Param kvANorm;
        Param kvB;
        /** Dense MLP (dense layers) or the shared experts (MoE layers), or null. */
        Param mlpGate;
        Param mlpUp;
        Param mlpDown;
        int mlpWidth;
        Param router;
        Param[] eGate;
        Param[] eUp;
        Param[] eDown;
        /** DeepSeek-V3's {@code e_score_correction_bias}: moves selection only, updated by load, not by gradient. */
        float[] bias;

        Layer(int index) {
            this.index = index;
        }

        boolean moe() {
            return c.isMoeLayer(index);
        }
    }

    /** Creates a twin with weights drawn from N(0, 0.02) (output projections scaled by 1/sqrt(2 layers)). */
    public TwinModel(TwinConfig config, long seed) {
        this.c = config;
        int d = c.hiddenSize();
        embed = add("model.embed_tokens.weight", true, c.vocabSize(), d);
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            Layer l = new Layer(i);
            String p = "model.layers." + i + ".";
            l.ln1 = add(p + "input_layernorm.weight", false, d);
            String a = p + "self_attn.";
            int h = c.numHeads();
            if (c.isMla()) {
                int qk = c.qkHeadDim();
                if (c.qLoraRank() > 0) {
                    l.qA = add(a + "q_a_proj.weight", true, c.qLoraRank(), d);
                    l.qANorm = add(a + "q_a_layernorm.weight", false, c.qLoraRank());
                    l.qB = add(a + "q_b_proj.weight", true, h * qk, c.qLoraRank());
                } else {
                    l.wq = add(a + "q_proj.weight", true, h * qk, d);
                }
                l.kvA = add(a + "kv_a_proj_with_mqa.weight", true, c.kvLoraRank() + c.qkRopeHeadDim(), d);
                l.kvANorm = add(a + "kv_a_layernorm.weight", false, c.kvLoraRank());
                l.kvB = add(a + "kv_b_proj.weight", true, h * (c.qkNopeHeadDim() + c.vHeadDim()), c.kvLoraRank());
                l.wo = add(a + "o_proj.weight", true, d, h * c.vHeadDim());
            } else {
                int hd = c.headDim();
                l.wq = add(a + "q_proj.weight", true, h * hd, d);
                l.wk = add(a + "k_proj.weight", true, c.numKvHeads() * hd, d);
                l.wv = add(a + "v_proj.weight", true, c.numKvHeads() * hd, d);
                l.wo = add(a + "o_proj.weight", true, d, h * hd);
                if (c.qkNorm()) {
                    l.qNorm = add(a + "q_norm.weight", false, hd);
                    l.kNorm = add(a + "k_norm.weight", false, hd);
                }
            }
            l.ln2 = add(p + "post_attention_layernorm.weight", false, d);
            if (!l.moe()) {
                l.mlpWidth = c.denseIntermediate();
                l.mlpGate = add(p + "mlp.gate_proj.weight", true, l.mlpWidth, d);
                l.mlpUp = add(p + "mlp.up_proj.weight", true, l.mlpWidth, d);
                l.mlpDown = add(p + "mlp.down_proj.weight", true, d, l.mlpWidth);
            } else {
                int e = c.numExperts();
                int ff = c.moeIntermediate();
                boolean mixtral = c.arch() == TwinConfig.Arch.MIXTRAL;
                String m = p + (mixtral ? "block_sparse_moe." : "mlp.");
                l.router = add(m + "gate.weight", true, e, d);
                l.eGate = new Param[e];
                l.eUp = new Param[e];
                l.eDown = new Param[e];
                for (int x = 0; x < e; x++) {
                    String ex = m + "experts." + x + ".";
                    l.eGate[x] = add(ex + (mixtral ? "w1.weight" : "gate_proj.weight"), true, ff, d);
                    l.eUp[x] = add(ex + (mixtral ? "w3.weight" : "up_proj.weight"), true, ff, d);
                    l.eDown[x] = add(ex + (mixtral ? "w2.weight" : "down_proj.weight"), true, d, ff);
                }
                if (c.sharedExperts() > 0) {
                    l.mlpWidth = c.sharedExperts() * ff;
                    l.mlpGate = add(m + "shared_experts.gate_proj.weight", true, l.mlpWidth, d);
                    l.mlpUp = add(m + "shared_experts.up_proj.weight", true, l.mlpWidth, d);
                    l.mlpDown = add(m + "shared_experts.down_proj.weight", true, d, l.mlpWidth);
                }
                if (c.sigmoid()) {
                    l.bias = new float[e];
                }
            }
            layers[i] = l;
        }
        finalNorm = add("model.norm.weight", false, d);
        lmHead = add("lm_head.weight", true, c.vocabSize(), d);
        SplittableRandom rnd = new SplittableRandom(seed);
        double outScale = 1.0 / Math.sqrt(2.0 * c.numLayers());
        for (Param p : params) {
            if (!p.decay()) {
                Arrays.fill(p.w(), 1f);
                continue;
            }
            boolean out = p.name().endsWith("o_proj.weight") || p.name().endsWith("down_proj.weight")
                    || p.name().endsWith("w2.weight");
            double std = 0.02 * (out ? outScale : 1.0);
            float[] w = p.w();
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (gaussian(rnd) * std);
            }
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private Param add(String name, boolean decay, int... shape) {
        Param p = Param.of(name, 1, decay, shape);
        params.add(p);
        return p;
    }

    public TwinConfig config() {
        return c;
    }

    /** Parameters in a fixed order (checkpoint and export order). */
    public List<Param> params() {
        return params;
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Param p : params) {
            n += p.size();
        }
        return n;
    }

    /** Selection biases of the MoE layers (null entries for dense layers or softmax routers). */
    public float[][] biases() {
        float[][] b = new float[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            b[i] = layers[i].bias;
        }
        return b;
    }

    // ---------------------------------------------------------------- forward with saved activations

    /** Everything the backward needs, and the step's routing outcome. */
    public final class Tape {
        final int batch;
        final int t;
        final int n;
        final int[] inputs;
        final int[] targets;
        final float[][] hIn;
        final Object[] attn;
        final float[][] hMid;
        final float[][] mNorm;
        final float[][] rstd1;
        final float[][] rstd2;
        final Object[] mlp;
        float[] hFinalIn;
        float[] hFinal;
        float[] rstdF;
        float[] probs;
        /** Mean cross-entropy in nats. */
        public double ce;
        /** Sum over MoE layers of the (weighted) load-balancing loss. */
        public double aux;
        /** Per layer, tokens routed to each expert in this step (null for dense layers). */
        public final int[][] expertLoad;
        /** Per layer, [n * topK] chosen experts (null for dense layers). */
        public final int[][] selected;
        /** Per layer, [n * topK] gate weights of the chosen experts. */
        public final float[][] weights;

        Tape(int batch, int t) {
            this.batch = batch;
            this.t = t;
            this.n = batch * t;
            this.inputs = new int[n];
            this.targets = new int[n];
            int l = layers.length;
            hIn = new float[l][];
            attn = new Object[l];
            hMid = new float[l][];
            mNorm = new float[l][];
            rstd1 = new float[l][];
            rstd2 = new float[l][];
            mlp = new Object[l];
            expertLoad = new int[l][];
            selected = new int[l][];
            weights = new float[l][];
        }

        /** Total loss that is differentiated: cross-entropy plus the load-balancing loss. */
        public double loss() {
            return ce + aux;
        }
    }

    /**
     * Forward pass over {@code batch} sequences of {@code t + 1} tokens each ({@code seqs[b][0..t]}):
     * inputs are tokens 0..t-1, targets 1..t.
     */
    public Tape forward(int[][] seqs) {
        int batch = seqs.length;
        int t = seqs[0].length - 1;
        Tape tape = new Tape(batch, t);
        int d = c.hiddenSize();
        int n = tape.n;
        float[] h = new float[n * d];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < t; i++) {
                System.arraycopy(embed.w(), seqs[b][i] * d, h, (b * t + i) * d, d);
                tape.inputs[b * t + i] = seqs[b][i];
                tape.targets[b * t + i] = seqs[b][i + 1];
            }
        }
        float eps = (float) c.rmsEps();
        for (Layer l : layers) {
            int li = l.index;
            tape.hIn[li] = h;
            float[] a = new float[n * d];
            tape.rstd1[li] = new float[n];
            rmsnorm(h, l.ln1.w(), a, tape.rstd1[li], n, d, eps);
            float[] attnOut = new float[n * d];
            tape.attn[li] = c.isMla() ? mlaForward(l, a, attnOut, batch, t) : gqaForward(l, a, attnOut, batch, t);
            float[] h2 = h.clone();
            axpy(1f, attnOut, 0, h2, 0, n * d);
            tape.hMid[li] = h2;
            float[] m = new float[n * d];
            tape.rstd2[li] = new float[n];
            rmsnorm(h2, l.ln2.w(), m, tape.rstd2[li], n, d, eps);
            tape.mNorm[li] = m;
            float[] mlpOut = new float[n * d];
            if (l.moe()) {
                tape.mlp[li] = moeForward(l, m, mlpOut, tape);
            } else {
                tape.mlp[li] = mlpForward(l, m, mlpOut, n);
            }
            float[] h3 = h2.clone();
            axpy(1f, mlpOut, 0, h3, 0, n * d);
            h = h3;
        }
        tape.hFinalIn = h;
        tape.hFinal = new float[n * d];
        tape.rstdF = new float[n];
        rmsnorm(h, finalNorm.w(), tape.hFinal, tape.rstdF, n, d, eps);
        int v = c.vocabSize();
        float[] logits = new float[n * v];
        linear(tape.hFinal, lmHead.w(), logits, n, d, v);
        double ce = 0;
        for (int r = 0; r < n; r++) {
            int o = r * v;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, logits[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
                float e = (float) Math.exp(logits[o + j] - max);
                logits[o + j] = e;
                sum += e;
            }
            for (int j = 0; j < v; j++) {
                logits[o + j] = (float) (logits[o + j] / sum);
            }
            ce -= Math.log(Math.max(logits[o + tape.targets[r]], 1e-30f));
        }
        tape.probs = logits;
        tape.ce = ce / n;
        return tape;
    }

    private record GqaSaved(float[] a, float[] qPre, float[] kPre, float[] rstdQ, float[] rstdK,
                            float[] q, float[] k, float[] v, float[] p, float[] o) {
    }

    private GqaSaved gqaForward(Layer l, float[] a, float[] out, int batch, int t) {
        int n = batch * t;
        int d = c.hiddenSize();
        int h = c.numHeads();
        int hkv = c.numKvHeads();
        int hd = c.headDim();
        float[] q = new float[n * h * hd];
        float[] k = new float[n * hkv * hd];
        float[] v = new float[n * hkv * hd];
        linear(a, l.wq.w(), q, n, d, h * hd);
        linear(a, l.wk.w(), k, n, d, hkv * hd);
        linear(a, l.wv.w(), v, n, d, hkv * hd);
        float[] qPre = null;
        float[] kPre = null;
        float[] rq = null;
        float[] rk = null;
        if (c.qkNorm()) {
            qPre = q;
            kPre = k;
            q = new float[qPre.length];
            k = new float[kPre.length];
            rq = new float[n * h];
            rk = new float[n * hkv];
            rmsnorm(qPre, l.qNorm.w(), q, rq, n * h, hd, (float) c.rmsEps());
            rmsnorm(kPre, l.kNorm.w(), k, rk, n * hkv, hd, (float) c.rmsEps());
        }
        rope(q, n * h, hd, 0, hd, h, t, c.ropeTheta(), c.ropeInterleaved(), false);
        rope(k, n * hkv, hd, 0, hd, hkv, t, c.ropeTheta(), c.ropeInterleaved(), false);
        float[] p = new float[batch * h * t * t];
        float[] o = new float[n * h * hd];
        attention(q, k, v, o, p, batch, t, h, hkv, hd, hd, (float) (1.0 / Math.sqrt(hd)));
        linear(o, l.wo.w(), out, n, h * hd, d);
        return new GqaSaved(a, qPre, kPre, rq, rk, q, k, v, p, o);
    }

    private float[] gqaBackward(Layer l, GqaSaved s, float[] dOut, int batch, int t) {
        int n = batch * t;
        int d = c.hiddenSize();
        int h = c.numHeads();
        int hkv = c.numKvHeads();
        int hd = c.headDim();
        float[] dO = new float[n * h * hd];
        linearBackInput(dOut, l.wo.w(), dO, n, h * hd, d);
        linearBackWeight(dOut, s.o, l.wo.g(), n, h * hd, d);
        float[] dq = new float[s.q.length];
        float[] dk = new float[s.k.length];
        float[] dv = new float[s.v.length];
        attentionBack(s.q, s.k, s.v, s.p, dO, dq, dk, dv, batch, t, h, hkv, hd, hd, (float) (1.0 / Math.sqrt(hd)));
        rope(dq, n * h, hd, 0, hd, h, t, c.ropeTheta(), c.ropeInterleaved(), true);
        rope(dk, n * hkv, hd, 0, hd, hkv, t, c.ropeTheta(), c.ropeInterleaved(), true);
        if (c.qkNorm()) {
            float[] dqPre = new float[dq.length];
            float[] dkPre = new float[dk.length];
            rmsnormBack(s.qPre, l.qNorm.w(), s.rstdQ, dq, dqPre, l.qNorm.g(), n * h, hd);
            rmsnormBack(s.kPre, l.kNorm.w(), s.rstdK, dk, dkPre, l.kNorm.g(), n * hkv, hd);
            dq = dqPre;
            dk = dkPre;
        }
        float[] dA = new float[n * d];
        linearBackInput(dq, l.wq.w(), dA, n, d, h * hd);
        linearBackInput(dk, l.wk.w(), dA, n, d, hkv * hd);
        linearBackInput(dv, l.wv.w(), dA, n, d, hkv * hd);
        linearBackWeight(dq, s.a, l.wq.g(), n, d, h * hd);
        linearBackWeight(dk, s.a, l.wk.g(), n, d, hkv * hd);
        linearBackWeight(dv, s.a, l.wv.g(), n, d, hkv * hd);
        return dA;
    }

    private record MlaSaved(float[] a, float[] qa, float[] qan, float[] rstdQa, float[] q, float[] ckv,
                            float[] ckvn, float[] rstdKv, float[] k, float[] v, float[] p, float[] o) {
    }

    private MlaSaved mlaForward(Layer l, float[] a, float[] out, int batch, int t) {
        int n = batch * t;
        int d = c.hiddenSize();
        int h = c.numHeads();
        int nope = c.qkNopeHeadDim();
        int rp = c.qkRopeHeadDim();
        int qk = nope + rp;
        int vd = c.vHeadDim();
        int lr = c.kvLoraRank();
        float eps = (float) c.rmsEps();
        float[] q = new float[n * h * qk];
        float[] qa = null;
        float[] qan = null;
        float[] rqa = null;
        if (c.qLoraRank() > 0) {
            int ql = c.qLoraRank();
            qa = new float[n * ql];
            qan = new float[n * ql];
            rqa = new float[n];
            linear(a, l.qA.w(), qa, n, d, ql);
            rmsnorm(qa, l.qANorm.w(), qan, rqa, n, ql, eps);
            linear(qan, l.qB.w(), q, n, ql, h * qk);
        } else {
            linear(a, l.wq.w(), q, n, d, h * qk);
        }
        float[] kva = new float[n * (lr + rp)];
        linear(a, l.kvA.w(), kva, n, d, lr + rp);
        float[] ckv = new float[n * lr];
        float[] kpe = new float[n * rp];
        for (int r = 0; r < n; r++) {
            System.arraycopy(kva, r * (lr + rp), ckv, r * lr, lr);
            System.arraycopy(kva, r * (lr + rp) + lr, kpe, r * rp, rp);
        }
        float[] ckvn = new float[n * lr];
        float[] rkv = new float[n];
        rmsnorm(ckv, l.kvANorm.w(), ckvn, rkv, n, lr, eps);
        float[] kv = new float[n * h * (nope + vd)];
        linear(ckvn, l.kvB.w(), kv, n, lr, h * (nope + vd));
        rope(q, n * h, qk, nope, rp, h, t, c.ropeTheta(), true, false);
        rope(kpe, n, rp, 0, rp, 1, t, c.ropeTheta(), true, false);
        float[] k = new float[n * h * qk];
        float[] v = new float[n * h * vd];
        for (int r = 0; r < n; r++) {
            for (int hh = 0; hh < h; hh++) {
                int src = (r * h + hh) * (nope + vd);
                System.arraycopy(kv, src, k, (r * h + hh) * qk, nope);
                System.arraycopy(kpe, r * rp, k, (r * h + hh) * qk + nope, rp);
                System.arraycopy(kv, src + nope, v, (r * h + hh) * vd, vd);
            }
        }
        float[] p = new float[batch * h * t * t];
        float[] o = new float[n * h * vd];
        attention(q, k, v, o, p, batch, t, h, h, qk, vd, (float) (1.0 / Math.sqrt(qk)));
        linear(o, l.wo.w(), out, n, h * vd, d);
        return new MlaSaved(a, qa, qan, rqa, q, ckv, ckvn, rkv, k, v, p, o);
    }

    private float[] mlaBackward(Layer l, MlaSaved s, float[] dOut, int batch, int t) {
        int n = batch * t;
        int d = c.hiddenSize();
        int h = c.numHeads();
        int nope = c.qkNopeHeadDim();
        int rp = c.qkRopeHeadDim();
        int qk = nope + rp;
        int vd = c.vHeadDim();
        int lr = c.kvLoraRank();
        float[] dO = new float[n * h * vd];
        linearBackInput(dOut, l.wo.w(), dO, n, h * vd, d);
        linearBackWeight(dOut, s.o, l.wo.g(), n, h * vd, d);
        float[] dq = new float[s.q.length];
        float[] dk = new float[s.k.length];
        float[] dv = new float[s.v.length];
        attentionBack(s.q, s.k, s.v, s.p, dO, dq, dk, dv, batch, t, h, h, qk, vd, (float) (1.0 / Math.sqrt(qk)));
        float[] dkv = new float[n * h * (nope + vd)];
        float[] dkva = new float[n * (lr + rp)];
        float[] dkpe = new float[n * rp];
        for (int r = 0; r < n; r++) {
            for (int hh = 0; hh < h; hh++) {
                int dst = (r * h + hh) * (nope + vd);
                System.arraycopy(dk, (r * h + hh) * qk, dkv, dst, nope);
                System.arraycopy(dv, (r * h + hh) * vd, dkv, dst + nope, vd);
                axpy(1f, dk, (r * h + hh) * qk + nope, dkpe, r * rp, rp);
            }
        }
        rope(dkpe, n, rp, 0, rp, 1, t, c.ropeTheta(), true, true);
        rope(dq, n * h, qk, nope, rp, h, t, c.ropeTheta(), true, true);
        float[] dckvn = new float[n * lr];
        linearBackInput(dkv, l.kvB.w(), dckvn, n, lr, h * (nope + vd));
        linearBackWeight(dkv, s.ckvn, l.kvB.g(), n, lr, h * (nope + vd));
        float[] dckv = new float[n * lr];
        rmsnormBack(s.ckv, l.kvANorm.w(), s.rstdKv, dckvn, dckv, l.kvANorm.g(), n, lr);
        for (int r = 0; r < n; r++) {
            System.arraycopy(dckv, r * lr, dkva, r * (lr + rp), lr);
            System.arraycopy(dkpe, r * rp, dkva, r * (lr + rp) + lr, rp);
        }
        float[] dA = new float[n * d];
        linearBackInput(dkva, l.kvA.w(), dA, n, d, lr + rp);
        linearBackWeight(dkva, s.a, l.kvA.g(), n, d, lr + rp);
        if (c.qLoraRank() > 0) {
            int ql = c.qLoraRank();
            float[] dqan = new float[n * ql];
            linearBackInput(dq, l.qB.w(), dqan, n, ql, h * qk);
            linearBackWeight(dq, s.qan, l.qB.g(), n, ql, h * qk);
            float[] dqa = new float[n * ql];
            rmsnormBack(s.qa, l.qANorm.w(), s.rstdQa, dqan, dqa, l.qANorm.g(), n, ql);
            linearBackInput(dqa, l.qA.w(), dA, n, d, ql);
            linearBackWeight(dqa, s.a, l.qA.g(), n, d, ql);
        } else {
            linearBackInput(dq, l.wq.w(), dA, n, d, h * qk);
            linearBackWeight(dq, s.a, l.wq.g(), n, d, h * qk);
        }
        return dA;
    }

    private record MlpSaved(float[] x, float[] g, float[] u, float[] h, int n) {
    }

    /** SiLU-gated MLP y += down(silu(gate x) * up x) over n rows. */
    private static MlpSaved mlp(float[] x, Param gate, Param up, Param down, int width, float[] y, int n, int d,
                                boolean accumulate) {
        float[] g = new float[n * width];
        float[] u = new float[n * width];
        float[] hh = new float[n * width];
        linear(x, gate.w(), g, n, d, width);
        linear(x, up.w(), u, n, d, width);
        swiglu(g, u, hh, n * width);
        if (accumulate) {
            float[] tmp = new float[n * d];
            linear(hh, down.w(), tmp, n, width, d);
            axpy(1f, tmp, 0, y, 0, n * d);
        } else {
            linear(hh, down.w(), y, n, width, d);
        }
        return new MlpSaved(x, g, u, hh, n);
    }

    /** Backward of {@link #mlp}: dx += ..., weight gradients accumulated. */
    private static void mlpBack(MlpSaved s, Param gate, Param up, Param down, int width, float[] dy, float[] dx, int d) {
        int n = s.n;
        float[] dh = new float[n * width];
        linearBackInput(dy, down.w(), dh, n, width, d);
        linearBackWeight(dy, s.h, down.g(), n, width, d);
        float[] dg = new float[n * width];
        float[] du = new float[n * width];
        swigluBack(s.g, s.u, dh, dg, du, n * width);
        linearBackInput(dg, gate.w(), dx, n, d, width);
        linearBackInput(du, up.w(), dx, n, d, width);
        linearBackWeight(dg, s.x, gate.g(), n, d, width);
        linearBackWeight(du, s.x, up.g(), n, d, width);
    }

    private MlpSaved mlpForward(Layer l, float[] m, float[] out, int n) {
        return mlp(m, l.mlpGate, l.mlpUp, l.mlpDown, l.mlpWidth, out, n, c.hiddenSize(), false);
    }

    private record MoeSaved(float[] input, float[] scores, int[] sel, float[] wts, int[][] rowsOf, MlpSaved[] experts,
                            float[][] expertOut, MlpSaved shared, int[] load) {
    }

    /**
     * Chooses the experts of one token. Softmax: top-k of softmax(logits), weights renormalised
     * over the chosen. Sigmoid: scores s = sigmoid(logits); selection by s + bias, limited to the
     * top {@code topKGroups} groups ranked by the sum of their two best biased scores; weights are
     * the unbiased s of the chosen, normalised and times the routed scaling factor.
     * {@code scores} (row of E) receives softmax probabilities or sigmoid scores.
     */
    void route(float[] logits, int lo, float[] bias, float[] scores, int so, int[] sel, float[] wts, int ko) {
        int e = c.numExperts();
        int k = c.topK();
        if (!c.sigmoid()) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < e; j++) {
                max = Math.max(max, logits[lo + j]);
            }
            float sum = 0f;
            for (int j = 0; j < e; j++) {
                float x = (float) Math.exp(logits[lo + j] - max);
                scores[so + j] = x;
                sum += x;
            }
            for (int j = 0; j < e; j++) {
                scores[so + j] /= sum;
            }
            topK(scores, so, e, k, sel, ko);
            float s = 0f;
            for (int j = 0; j < k; j++) {
                s += scores[so + sel[ko + j]];
            }
            for (int j = 0; j < k; j++) {
                wts[ko + j] = scores[so + sel[ko + j]] / s;
            }
            return;
        }
        float[] choice = new float[e];
        for (int j = 0; j < e; j++) {
            float sg = 1f / (1f + (float) Math.exp(-logits[lo + j]));
            scores[so + j] = sg;
            choice[j] = sg + bias[j];
        }
        int groups = c.numGroups();
        if (groups > 1) {
            int per = e / groups;
            float[] groupScore = new float[groups];
            for (int gi = 0; gi < groups; gi++) {
                float b1 = Float.NEGATIVE_INFINITY;
                float b2 = Float.NEGATIVE_INFINITY;
                for (int j = gi * per; j < (gi + 1) * per; j++) {
                    float x = choice[j];
                    if (x > b1) {
                        b2 = b1;
                        b1 = x;
                    } else if (x > b2) {
                        b2 = x;
                    }
                }
                groupScore[gi] = per >= 2 ? b1 + b2 : b1;
            }
            int[] keep = new int[c.topKGroups()];
            topK(groupScore, 0, groups, c.topKGroups(), keep, 0);
            boolean[] kept = new boolean[groups];
            for (int gi : keep) {
                kept[gi] = true;
            }
            for (int j = 0; j < e; j++) {
                if (!kept[j / per]) {
                    choice[j] = 0f; // as the reference implementation's masked_fill(..., 0.0)
                }
            }
        }
        topK(choice, 0, e, k, sel, ko);
        float s = 0f;
        for (int j = 0; j < k; j++) {
            s += scores[so + sel[ko + j]];
        }
        for (int j = 0; j < k; j++) {
            wts[ko + j] = (float) (scores[so + sel[ko + j]] / (s + 1e-20) * c.routedScaling());
        }
    }

    /** Indices of the k largest values (ties: lower index first), in descending order of value. */
    static void topK(float[] x, int xo, int n, int k, int[] out, int oo) {
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                boolean taken = false;
                for (int q = 0; q < j; q++) {
                    if (out[oo + q] == i) {
                        taken = true;
                        break;
                    }
                }
                if (!taken && (best < 0 || x[xo + i] > x[xo + best])) {
                    best = i;
                }
            }
            out[oo + j] = best;
        }
    }

    private MoeSaved moeForward(Layer l, float[] m, float[] out, Tape tape) {
        int n = tape.n;
        int d = c.hiddenSize();
        int e = c.numExperts();
        int k = c.topK();
        float[] logits = new float[n * e];
        linear(m, l.router.w(), logits, n, d, e);
        float[] scores = new float[n * e];
        int[] sel = new int[n * k];
        float[] wts = new float[n * k];
        TrainKernels.rows(n, (long) e * k, (from, to) -> {
            for (int r = from; r < to; r++) {
                route(logits, r * e, l.bias, scores, r * e, sel, wts, r * k);
            }
        });
        int[] load = new int[e];
        for (int x : sel) {
            load[x]++;
        }
        int[][] rowsOf = new int[e][];
        int[] fill = new int[e];
        for (int x = 0; x < e; x++) {
            rowsOf[x] = new int[load[x]];
        }
        for (int r = 0; r < n * k; r++) {
            rowsOf[sel[r]][fill[sel[r]]++] = r; // slot index r = token * k + j
        }
        MlpSaved[] saved = new MlpSaved[e];
        float[][] expertOut = new float[e][];
        IntStream.range(0, e).parallel().forEach(x -> {
            int cnt = load[x];
            if (cnt == 0) {
                return;
            }
            float[] xe = new float[cnt * d];
            for (int i = 0; i < cnt; i++) {
                System.arraycopy(m, (rowsOf[x][i] / k) * d, xe, i * d, d);
            }
            float[] ye = new float[cnt * d];
            saved[x] = mlp(xe, l.eGate[x], l.eUp[x], l.eDown[x], c.moeIntermediate(), ye, cnt, d, false);
            expertOut[x] = ye;
        });
        for (int x = 0; x < e; x++) {
            for (int i = 0; i < load[x]; i++) {
                int slot = rowsOf[x][i];
                axpy(wts[slot], expertOut[x], i * d, out, (slot / k) * d, d);
            }
        }
        MlpSaved shared = null;
        if (l.mlpGate != null) {
            shared = mlp(m, l.mlpGate, l.mlpUp, l.mlpDown, l.mlpWidth, out, n, d, true);
        }
        if (!c.sigmoid() && c.auxLossCoef() > 0) {
            double aux = 0;
            for (int x = 0; x < e; x++) {
                double pSum = 0;
                for (int r = 0; r < n; r++) {
                    pSum += scores[r * e + x];
                }
                aux += (double) load[x] / n * (pSum / n);
            }
            tape.aux += c.auxLossCoef() * e * aux;
        }
        tape.expertLoad[l.index] = load;
        tape.selected[l.index] = sel;
        tape.weights[l.index] = wts;
        return new MoeSaved(m, scores, sel, wts, rowsOf, saved, expertOut, shared, load);
    }

    private float[] moeBackward(Layer l, MoeSaved s, float[] dOut, int n) {
        int d = c.hiddenSize();
        int e = c.numExperts();
        int k = c.topK();
        float[] dm = new float[n * d];
        if (s.shared != null) {
            mlpBack(s.shared, l.mlpGate, l.mlpUp, l.mlpDown, l.mlpWidth, dOut, dm, d);
        }
        float[] dw = new float[n * k];
        float[][] dxe = new float[e][];
        IntStream.range(0, e).parallel().forEach(x -> {
            int cnt = s.load[x];
            if (cnt == 0) {
                return;
            }
            float[] dye = new float[cnt * d];
            for (int i = 0; i < cnt; i++) {
                int slot = s.rowsOf[x][i];
                dw[slot] = dot(dOut, (slot / k) * d, s.expertOut[x], i * d, d);
                axpy(s.wts[slot], dOut, (slot / k) * d, dye, i * d, d);
            }
            float[] dx = new float[cnt * d];
            mlpBack(s.experts[x], l.eGate[x], l.eUp[x], l.eDown[x], c.moeIntermediate(), dye, dx, d);
            dxe[x] = dx;
        });
        for (int x = 0; x < e; x++) {
            for (int i = 0; i < s.load[x]; i++) {
                axpy(1f, dxe[x], i * d, dm, (s.rowsOf[x][i] / k) * d, d);
            }
        }
        float[] dLogits = new float[n * e];
        float auxScale = !c.sigmoid() && c.auxLossCoef() > 0 ? (float) (c.auxLossCoef() * e / ((double) n * n)) : 0f;
        for (int r = 0; r < n; r++) {
            int so = r * e;
            int ko = r * k;
            if (!c.sigmoid()) {
                float mean = 0f;
                for (int j = 0; j < k; j++) {
                    mean += s.wts[ko + j] * dw[ko + j];
                }
                for (int j = 0; j < k; j++) {
                    dLogits[so + s.sel[ko + j]] += s.wts[ko + j] * (dw[ko + j] - mean);
                }
                if (auxScale != 0f) {
                    float dot = 0f;
                    for (int x = 0; x < e; x++) {
                        dot += s.scores[so + x] * s.load[x];
                    }
                    for (int x = 0; x < e; x++) {
                        dLogits[so + x] += auxScale * s.scores[so + x] * (s.load[x] - dot);
                    }
                }
            } else {
                float sum = 0f;
                float dotWs = 0f;
                for (int j = 0; j < k; j++) {
                    float sc = s.scores[so + s.sel[ko + j]];
                    sum += sc;
                    dotWs += dw[ko + j] * sc;
                }
                float rsf = (float) c.routedScaling();
                for (int j = 0; j < k; j++) {
                    int x = s.sel[ko + j];
                    float sc = s.scores[so + x];
                    float ds = rsf * (dw[ko + j] / sum - dotWs / (sum * sum));
                    dLogits[so + x] += ds * sc * (1f - sc);
                }
            }
        }
        linearBackInput(dLogits, l.router.w(), dm, n, d, e);
        linearBackWeight(dLogits, s.input, l.router.g(), n, d, e);
        return dm;
    }

    /** Backward pass of {@link #forward}: accumulates d(loss)/d(param) into every {@link Param#g()}. */
    public void backward(Tape tape) {
        int n = tape.n;
        int d = c.hiddenSize();
        int v = c.vocabSize();
        float[] dLogits = tape.probs.clone();
        float inv = 1f / n;
        for (int r = 0; r < n; r++) {
            dLogits[r * v + tape.targets[r]] -= 1f;
        }
        for (int i = 0; i < dLogits.length; i++) {
            dLogits[i] *= inv;
        }
        float[] dFinal = new float[n * d];
        linearBackInput(dLogits, lmHead.w(), dFinal, n, d, v);
        linearBackWeight(dLogits, tape.hFinal, lmHead.g(), n, d, v);
        float[] dh = new float[n * d];
        rmsnormBack(tape.hFinalIn, finalNorm.w(), tape.rstdF, dFinal, dh, finalNorm.g(), n, d);
        for (int li = layers.length - 1; li >= 0; li--) {
            Layer l = layers[li];
            float[] dm;
            if (l.moe()) {
                dm = moeBackward(l, (MoeSaved) tape.mlp[li], dh, n);
            } else {
                dm = new float[n * d];
                mlpBack((MlpSaved) tape.mlp[li], l.mlpGate, l.mlpUp, l.mlpDown, l.mlpWidth, dh, dm, d);
            }
            float[] dh2 = dh.clone();
            rmsnormBack(tape.hMid[li], l.ln2.w(), tape.rstd2[li], dm, dh2, l.ln2.g(), n, d);
            float[] dA = c.isMla()
                    ? mlaBackward(l, (MlaSaved) tape.attn[li], dh2, tape.batch, tape.t)
                    : gqaBackward(l, (GqaSaved) tape.attn[li], dh2, tape.batch, tape.t);
            float[] dh1 = dh2.clone();
            rmsnormBack(tape.hIn[li], l.ln1.w(), tape.rstd1[li], dA, dh1, l.ln1.g(), n, d);
            dh = dh1;
        }
        float[] dEmb = embed.g();
        for (int r = 0; r < n; r++) {
            axpy(1f, dh, r * d, dEmb, tape.inputs[r] * d, d);
        }
    }

    /** Zeroes every gradient. */
    public void zeroGrad() {
        for (Param p : params) {
            Arrays.fill(p.g(), 0f);
        }
    }
}
