package io.moesim.models.forward;

import io.moesim.models.InputException;
import io.moesim.models.forward.ModelConfig.Gqa;
import io.moesim.models.forward.ModelConfig.Mla;
import io.moesim.models.forward.ModelConfig.QkNorm;
import io.moesim.models.safetensors.Checkpoint;
import io.moesim.models.safetensors.SafetensorsFile;
import io.moesim.models.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Mixture-of-Experts language model loaded from a Hugging Face checkpoint directory
 * ({@code config.json} plus safetensors, memory-mapped) and run on the CPU in float32: a window of
 * tokens at once (causal, prefill-style), or one token at a time against a {@link KvCache}. Every
 * MoE layer reports its routing to a {@link RouterObserver}; the routed experts run as a grouped
 * product, each chosen expert once over the tokens routed to it.
 *
 * <pre>{@code
 * try (ForwardModel model = ForwardModel.load(dir)) {
 *     KvCache cache = model.newCache(512);
 *     float[] logits = model.forward(tokens, cache, observer, ForwardModel.Logits.LAST);
 * }
 * }</pre>
 *
 * <p>Not thread-safe (one forward call at a time); each call is parallel inside.
 */
public final class ForwardModel implements AutoCloseable {

    /** Which positions' logits {@link #forward} returns. */
    public enum Logits {
        /** Every position: {@code tokens * vocab} values. */
        ALL,
        /** The last position only: {@code vocab} values. */
        LAST,
        /** None (routing only): an empty array; skips the LM head. */
        NONE
    }

    private record Mlp(Linear gate, Linear up, Linear down) {
    }

    private record Moe(Linear router, float[] selectionBias, Mlp[] experts, Mlp shared, Linear sharedGate) {
    }

    private record GqaWeights(Linear q, Linear k, Linear v, Linear o, float[] qNorm, float[] kNorm) {
    }

    /** {@code qA}/{@code qANorm} are null when queries are projected directly ({@code q} is then q_proj). */
    private record MlaWeights(Linear qA, float[] qANorm, Linear q, Linear kvA, float[] kvANorm, Linear kvB,
                              Linear o) {
    }

    private record Layer(float[] inputNorm, float[] postNorm, GqaWeights gqa, MlaWeights mla, Mlp dense, Moe moe) {
    }

    private final ModelConfig config;
    private final Checkpoint checkpoint;
    private final Tensor embeddings;
    private final Layer[] layers;
    private final float[] finalNorm;
    private final Linear lmHead;

    private ForwardModel(ModelConfig config, Checkpoint checkpoint, Tensor embeddings, Layer[] layers,
                         float[] finalNorm, Linear lmHead) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.embeddings = embeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /**
     * Loads {@code dir}: reads {@code config.json}, maps the safetensors and checks that every
     * tensor the config calls for is present with the shape it implies. Any problem is one
     * {@link InputException} naming the file and the field or tensor.
     */
    public static ForwardModel load(Path dir) {
        ModelConfig config = ModelConfig.read(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        try {
            return new Loader(config, checkpoint).load();
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /** The architecture this model was loaded with. */
    public ModelConfig config() {
        return config;
    }

    /** A cache for one sequence of up to {@code capacity} tokens. */
    public KvCache newCache(int capacity) {
        int keyWidth;
        int valueWidth;
        switch (config.attention()) {
            case Gqa g -> {
                keyWidth = g.numKvHeads() * g.headDim();
                valueWidth = keyWidth;
            }
            case Mla m -> {
                keyWidth = m.numHeads() * m.qkHeadDim();
                valueWidth = m.numHeads() * m.vHeadDim();
            }
        }
        return new KvCache(config.numLayers(), capacity, keyWidth, valueWidth);
    }

    /**
     * Runs {@code tokens} at positions {@code cache.length() ..} (attending to the cached tokens
     * and causally to each other), appends them to the cache and returns the requested logits.
     */
    public float[] forward(int[] tokens, KvCache cache, RouterObserver observer, Logits logits) {
        Objects.requireNonNull(observer, "observer");
        int n = tokens.length;
        int d = config.hiddenSize();
        if (n == 0) {
            throw new IllegalArgumentException("no tokens");
        }
        if (cache.length() + n > cache.capacity()) {
            throw new IllegalArgumentException("cache holds " + cache.capacity() + " tokens; " + cache.length()
                    + " cached + " + n + " new do not fit");
        }
        float[] h = new float[n * d];
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[t] + " outside vocabulary of " + config.vocabSize());
            }
            embeddings.toFloat((long) tokens[t] * d, h, t * d, d);
        }
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            float[] x = rmsNormRows(h, n, d, layer.inputNorm);
            float[] a = layer.gqa != null ? gqa(layer.gqa, x, n, l, cache) : mla(layer.mla, x, n, l, cache);
            addInPlace(h, a);
            x = rmsNormRows(h, n, d, layer.postNorm);
            float[] y = layer.moe != null ? moe(layer.moe, x, n, l, observer) : mlp(layer.dense, x, n);
            addInPlace(h, y);
        }
        cache.advance(n);
        return switch (logits) {
            case NONE -> new float[0];
            case LAST -> lmHead.apply(rmsNormRows(Arrays.copyOfRange(h, (n - 1) * d, n * d), 1, d, finalNorm), 1);
            case ALL -> lmHead.apply(rmsNormRows(h, n, d, finalNorm), n);
        };
    }

    // ---------------------------------------------------------------- attention

    private float[] gqa(GqaWeights w, float[] x, int n, int layer, KvCache cache) {
        Gqa g = (Gqa) config.attention();
        int hd = g.headDim();
        float[] q = w.q.apply(x, n);
        float[] k = w.k.apply(x, n);
        float[] v = w.v.apply(x, n);
        if (g.clipQkv() > 0) {
            float c = (float) g.clipQkv();
            for (float[] a : new float[][] {q, k, v}) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = Math.clamp(a[i], -c, c);
                }
            }
        }
        if (g.qkNorm() == QkNorm.FULL_WIDTH) {
            q = rmsNormRows(q, n, g.numHeads() * hd, w.qNorm);
            k = rmsNormRows(k, n, g.numKvHeads() * hd, w.kNorm);
        } else if (g.qkNorm() == QkNorm.PER_HEAD) {
            q = rmsNormRows(q, n * g.numHeads(), hd, w.qNorm);
            k = rmsNormRows(k, n * g.numKvHeads(), hd, w.kNorm);
        }
        int p0 = cache.length();
        ModelConfig.Rope rope = config.rope();
        float[][] cos = new float[n][];
        float[][] sin = new float[n][];
        ropeTables(rope, p0, n, cos, sin);
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < g.numHeads(); h++) {
                ropeHalves(q, (t * g.numHeads() + h) * hd, hd, cos[t], sin[t]);
            }
            for (int h = 0; h < g.numKvHeads(); h++) {
                ropeHalves(k, (t * g.numKvHeads() + h) * hd, hd, cos[t], sin[t]);
            }
        }
        System.arraycopy(k, 0, cache.keys[layer], p0 * cache.keyWidth, n * cache.keyWidth);
        System.arraycopy(v, 0, cache.values[layer], p0 * cache.valueWidth, n * cache.valueWidth);
        float[] out = attend(q, n, g.numHeads(), g.numKvHeads(), hd, hd, cache, layer, p0,
                (float) rope.softmaxScale());
        return w.o.apply(out, n);
    }

    private float[] mla(MlaWeights w, float[] x, int n, int layer, KvCache cache) {
        Mla m = (Mla) config.attention();
        int heads = m.numHeads();
        int nope = m.qkNopeHeadDim();
        int ropeDim = m.qkRopeHeadDim();
        int qk = m.qkHeadDim();
        int vd = m.vHeadDim();
        int kvl = m.kvLoraRank();
        float[] q;
        if (w.qA != null) {
            float[] cq = rmsNormRows(w.qA.apply(x, n), n, m.qLoraRank(), w.qANorm);
            q = w.q.apply(cq, n);
        } else {
            q = w.q.apply(x, n);
        }
        float[] ckv = w.kvA.apply(x, n);
        int ckvWidth = kvl + ropeDim;
        float[] latent = new float[n * kvl];
        for (int t = 0; t < n; t++) {
            System.arraycopy(ckv, t * ckvWidth, latent, t * kvl, kvl);
        }
        latent = rmsNormRows(latent, n, kvl, w.kvANorm);
        float[] kv = w.kvB.apply(latent, n);
        int p0 = cache.length();
        ModelConfig.Rope rope = config.rope();
        float[][] cos = new float[n][];
        float[][] sin = new float[n][];
        ropeTables(rope, p0, n, cos, sin);
        float[] keys = cache.keys[layer];
        float[] values = cache.values[layer];
        float[] kPe = new float[ropeDim];
        for (int t = 0; t < n; t++) {
            System.arraycopy(ckv, t * ckvWidth + kvl, kPe, 0, ropeDim);
            ropePairs(kPe, 0, ropeDim, cos[t], sin[t]);
            int keyRow = (p0 + t) * cache.keyWidth;
            int valueRow = (p0 + t) * cache.valueWidth;
            for (int h = 0; h < heads; h++) {
                int src = (t * heads + h) * (nope + vd);
                System.arraycopy(kv, src, keys, keyRow + h * qk, nope);
                System.arraycopy(kPe, 0, keys, keyRow + h * qk + nope, ropeDim);
                System.arraycopy(kv, src + nope, values, valueRow + h * vd, vd);
                ropePairs(q, (t * heads + h) * qk + nope, ropeDim, cos[t], sin[t]);
            }
        }
        float[] out = attend(q, n, heads, heads, qk, vd, cache, layer, p0, (float) rope.softmaxScale());
        return w.o.apply(out, n);
    }

    /** Causal attention of n queries at positions p0.. over the cache (which already holds them). */
    private static float[] attend(float[] q, int n, int heads, int kvHeads, int qkDim, int vDim, KvCache cache,
                                  int layer, int p0, float scale) {
        float[] keys = cache.keys[layer];
        float[] values = cache.values[layer];
        int kw = cache.keyWidth;
        int vw = cache.valueWidth;
        int group = heads / kvHeads;
        float[] out = new float[n * heads * vDim];
        Parallel.forRange(n * heads, 1, th -> {
            int t = th / heads;
            int h = th % heads;
            int g = h / group;
            int len = p0 + t + 1;
            float[] s = new float[len];
            int qOff = th * qkDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int u = 0; u < len; u++) {
                float dot = 0;
                int kOff = u * kw + g * qkDim;
                for (int i = 0; i < qkDim; i++) {
                    dot += q[qOff + i] * keys[kOff + i];
                }
                s[u] = dot * scale;
                max = Math.max(max, s[u]);
            }
            float sum = 0;
            for (int u = 0; u < len; u++) {
                s[u] = (float) Math.exp(s[u] - max);
                sum += s[u];
            }
            int oOff = th * vDim;
            for (int u = 0; u < len; u++) {
                float p = s[u] / sum;
                int vOff = u * vw + g * vDim;
                for (int i = 0; i < vDim; i++) {
                    out[oOff + i] += p * values[vOff + i];
                }
            }
        });
        return out;
    }

    private static void ropeTables(ModelConfig.Rope rope, int p0, int n, float[][] cos, float[][] sin) {
        double[] inv = rope.invFrequencies();
        for (int t = 0; t < n; t++) {
            cos[t] = new float[inv.length];
            sin[t] = new float[inv.length];
            for (int i = 0; i < inv.length; i++) {
                double angle = (double) (p0 + t) * inv[i];
                cos[t][i] = (float) (Math.cos(angle) * rope.cosSinScale());
                sin[t][i] = (float) (Math.sin(angle) * rope.cosSinScale());
            }
        }
    }

    /** Neox rope: element i pairs with i + dim/2. */
    private static void ropeHalves(float[] v, int off, int dim, float[] cos, float[] sin) {
        int half = dim / 2;
        for (int i = 0; i < half; i++) {
            float a = v[off + i];
            float b = v[off + i + half];
            v[off + i] = a * cos[i] - b * sin[i];
            v[off + i + half] = b * cos[i] + a * sin[i];
        }
    }

    /** Interleaved rope: element 2i pairs with 2i+1. */
    private static void ropePairs(float[] v, int off, int dim, float[] cos, float[] sin) {
        for (int i = 0; i < dim / 2; i++) {
            float a = v[off + 2 * i];
            float b = v[off + 2 * i + 1];
            v[off + 2 * i] = a * cos[i] - b * sin[i];
            v[off + 2 * i + 1] = b * cos[i] + a * sin[i];
        }
    }

    // ---------------------------------------------------------------- MLP and MoE

    private static float[] mlp(Mlp w, float[] x, int n) {
        float[] g = w.gate.apply(x, n);
        float[] u = w.up.apply(x, n);
        for (int i = 0; i < g.length; i++) {
            float a = g[i];
            g[i] = a / (1f + (float) Math.exp(-a)) * u[i];
        }
        return w.down.apply(g, n);
    }

    private float[] moe(Moe w, float[] x, int n, int layer, RouterObserver observer) {
        ModelConfig.Moe cfg = config.moe();
        int d = config.hiddenSize();
        int k = cfg.topK();
        int numExperts = cfg.numExperts();
        float[] logits = w.router.apply(x, n);
        int[] experts = new int[n * k];
        float[] weights = new float[n * k];
        boolean deepseek = config.architecture().isMla();
        for (int t = 0; t < n; t++) {
            Routing.route(cfg.router(), logits, t * numExperts, numExperts, w.selectionBias, k, deepseek,
                    experts, weights, t * k);
        }
        observer.routed(layer, n, k, experts, weights);

        // group the (token, weight) pairs by expert, then run each chosen expert once over its tokens
        int[] count = new int[numExperts];
        for (int e : experts) {
            count[e]++;
        }
        int[][] tokensOf = new int[numExperts][];
        float[][] weightsOf = new float[numExperts][];
        for (int e = 0; e < numExperts; e++) {
            tokensOf[e] = new int[count[e]];
            weightsOf[e] = new float[count[e]];
        }
        int[] fill = new int[numExperts];
        for (int i = 0; i < n * k; i++) {
            int e = experts[i];
            tokensOf[e][fill[e]] = i / k;
            weightsOf[e][fill[e]++] = weights[i];
        }
        float[] y = new float[n * d];
        for (int e = 0; e < numExperts; e++) {
            int c = count[e];
            if (c == 0) {
                continue;
            }
            float[] xe = new float[c * d];
            for (int j = 0; j < c; j++) {
                System.arraycopy(x, tokensOf[e][j] * d, xe, j * d, d);
            }
            float[] ye = mlp(w.experts[e], xe, c);
            for (int j = 0; j < c; j++) {
                int dst = tokensOf[e][j] * d;
                float wt = weightsOf[e][j];
                for (int i = 0; i < d; i++) {
                    y[dst + i] += wt * ye[j * d + i];
                }
            }
        }
        if (w.shared != null) {
            float[] s = mlp(w.shared, x, n);
            float[] gate = w.sharedGate == null ? null : w.sharedGate.apply(x, n);
            for (int t = 0; t < n; t++) {
                float f = gate == null ? 1f : (float) (1.0 / (1.0 + Math.exp(-gate[t])));
                for (int i = 0; i < d; i++) {
                    y[t * d + i] += f * s[t * d + i];
                }
            }
        }
        return y;
    }

    // ---------------------------------------------------------------- helpers

    private float[] rmsNormRows(float[] x, int rows, int width, float[] weight) {
        float[] y = new float[rows * width];
        double eps = config.rmsNormEps();
        for (int r = 0; r < rows; r++) {
            int off = r * width;
            double ss = 0;
            for (int i = 0; i < width; i++) {
                ss += (double) x[off + i] * x[off + i];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / width + eps));
            for (int i = 0; i < width; i++) {
                y[off + i] = x[off + i] * inv * weight[i];
            }
        }
        return y;
    }

    private static void addInPlace(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    /** Unmaps the checkpoint; the model must not be used afterwards. */
    @Override
    public void close() {
        checkpoint.close();
    }

    // ---------------------------------------------------------------- loading

    /** Finds every tensor the config calls for and checks its shape. */
    private static final class Loader {
        private final ModelConfig c;
        private final Checkpoint ckpt;

        Loader(ModelConfig c, Checkpoint ckpt) {
            this.c = c;
            this.ckpt = ckpt;
        }

        ForwardModel load() {
            int d = c.hiddenSize();
            Tensor embed = tensor("model.embed_tokens.weight", c.vocabSize(), d);
            Layer[] layers = new Layer[c.numLayers()];
            for (int l = 0; l < layers.length; l++) {
                String p = "model.layers." + l + ".";
                float[] in = vector(p + "input_layernorm.weight", d);
                float[] post = vector(p + "post_attention_layernorm.weight", d);
                GqaWeights gqa = null;
                MlaWeights mla = null;
                switch (c.attention()) {
                    case Gqa g -> gqa = gqa(p + "self_attn.", g);
                    case Mla m -> mla = mla(p + "self_attn.", m);
                }
                Mlp dense = null;
                Moe moe = null;
                if (c.isMoeLayer(l)) {
                    moe = moe(l);
                } else {
                    dense = mlp(p + "mlp.", c.denseIntermediate());
                }
                layers[l] = new Layer(in, post, gqa, mla, dense, moe);
            }
            float[] norm = vector("model.norm.weight", d);
            Linear head = c.tieWordEmbeddings() && !ckpt.has("lm_head.weight")
                    ? new Linear(embed, null)
                    : linear("lm_head.weight", c.vocabSize(), d);
            return new ForwardModel(c, ckpt, embed, layers, norm, head);
        }

        GqaWeights gqa(String p, Gqa g) {
            int d = c.hiddenSize();
            int qw = g.numHeads() * g.headDim();
            int kw = g.numKvHeads() * g.headDim();
            float[] qNorm = null;
            float[] kNorm = null;
            switch (g.qkNorm()) {
                case PER_HEAD -> {
                    qNorm = vector(p + "q_norm.weight", g.headDim());
                    kNorm = vector(p + "k_norm.weight", g.headDim());
                }
                case FULL_WIDTH -> {
                    qNorm = vector(p + "q_norm.weight", qw);
                    kNorm = vector(p + "k_norm.weight", kw);
                }
                case NONE -> { }
            }
            return new GqaWeights(
                    linear(p + "q_proj", qw, d, g.qkvBias()),
                    linear(p + "k_proj", kw, d, g.qkvBias()),
                    linear(p + "v_proj", kw, d, g.qkvBias()),
                    linear(p + "o_proj", d, qw, g.oBias()),
                    qNorm, kNorm);
        }

        MlaWeights mla(String p, Mla m) {
            int d = c.hiddenSize();
            int qOut = m.numHeads() * m.qkHeadDim();
            Linear qA = null;
            float[] qANorm = null;
            Linear q;
            if (m.qLoraRank() > 0) {
                qA = linear(p + "q_a_proj.weight", m.qLoraRank(), d);
                qANorm = vector(p + "q_a_layernorm.weight", m.qLoraRank());
                q = linear(p + "q_b_proj.weight", qOut, m.qLoraRank());
            } else {
                q = linear(p + "q_proj.weight", qOut, d);
            }
            return new MlaWeights(qA, qANorm, q,
                    linear(p + "kv_a_proj_with_mqa.weight", m.kvLoraRank() + m.qkRopeHeadDim(), d),
                    vector(p + "kv_a_layernorm.weight", m.kvLoraRank()),
                    linear(p + "kv_b_proj.weight", m.numHeads() * (m.qkNopeHeadDim() + m.vHeadDim()), m.kvLoraRank()),
                    linear(p + "o_proj.weight", d, m.numHeads() * m.vHeadDim()));
        }

        Mlp mlp(String p, int ff) {
            int d = c.hiddenSize();
            return new Mlp(linear(p + "gate_proj.weight", ff, d), linear(p + "up_proj.weight", ff, d),
                    linear(p + "down_proj.weight", d, ff));
        }

        Moe moe(int l) {
            ModelConfig.Moe m = c.moe();
            int d = c.hiddenSize();
            int ff = m.expertIntermediate();
            int experts = m.numExperts();
            String layer = "model.layers." + l + ".";
            boolean mixtral = c.architecture() == Architecture.MIXTRAL;
            // Mixtral's original checkpoints name the block block_sparse_moe; newer conversions use mlp.
            String p = mixtral && ckpt.has(layer + "block_sparse_moe.gate.weight")
                    ? layer + "block_sparse_moe." : layer + "mlp.";
            Linear router = linear(p + "gate.weight", experts, d);
            float[] bias = m.router().selectionBias() ? vector(p + "gate.e_score_correction_bias", experts) : null;
            Mlp[] mlps = new Mlp[experts];
            if (ckpt.has(p + "experts.gate_up_proj")) {
                Tensor gateUp = tensor(p + "experts.gate_up_proj", experts, 2 * ff, d);
                Tensor down = tensor(p + "experts.down_proj", experts, d, ff);
                for (int e = 0; e < experts; e++) {
                    Tensor ge = gateUp.slice(e);
                    mlps[e] = new Mlp(new Linear(ge.rows(0, ff), null), new Linear(ge.rows(ff, ff), null),
                            new Linear(down.slice(e), null));
                }
            } else {
                for (int e = 0; e < experts; e++) {
                    String ep = p + "experts." + e + ".";
                    mlps[e] = mixtral
                            ? new Mlp(linear(ep + "w1.weight", ff, d), linear(ep + "w3.weight", ff, d),
                                    linear(ep + "w2.weight", d, ff))
                            : mlp(ep, ff);
                }
            }
            Mlp shared = null;
            Linear sharedGate = null;
            if (m.sharedIntermediate() > 0) {
                if (c.architecture() == Architecture.QWEN2_MOE) {
                    shared = mlp(p + "shared_expert.", m.sharedIntermediate());
                    sharedGate = linear(p + "shared_expert_gate.weight", 1, d);
                } else {
                    shared = mlp(p + "shared_experts.", m.sharedIntermediate());
                }
            }
            return new Moe(router, bias, mlps, shared, sharedGate);
        }

        Linear linear(String name, int out, int in) {
            return new Linear(tensor(name, out, in), null);
        }

        /** {@code prefix.weight} and, when {@code bias}, {@code prefix.bias}. */
        Linear linear(String prefix, int out, int in, boolean bias) {
            return new Linear(tensor(prefix + ".weight", out, in), bias ? vector(prefix + ".bias", out) : null);
        }

        float[] vector(String name, int n) {
            return tensor(name, n).toFloatArray();
        }

        Tensor tensor(String name, int... shape) {
            if (!ckpt.has(name)) {
                throw InputException.at(describeFiles(), "tensor '" + name + "'",
                        "missing; " + c.architecture().hfName() + " with this config.json needs it");
            }
            long[] actual = ckpt.info(name).shape();
            boolean same = actual.length == shape.length;
            for (int i = 0; same && i < shape.length; i++) {
                same = actual[i] == shape[i];
            }
            if (!same) {
                throw InputException.at(fileOf(name), "tensor '" + name + "'", "shape " + Arrays.toString(actual)
                        + " disagrees with config.json, which implies " + Arrays.toString(shape));
            }
            return ckpt.tensor(name);
        }

        Path fileOf(String name) {
            for (SafetensorsFile f : ckpt.files()) {
                if (f.has(name)) {
                    return f.path();
                }
            }
            return ckpt.location();
        }

        String describeFiles() {
            if (ckpt.files().size() == 1) {
                return ckpt.files().getFirst().path().toString();
            }
            return ckpt.location().resolve(Checkpoint.INDEX_FILE).toString();
        }
    }
}
