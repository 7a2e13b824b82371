package io.moesim.models.forward;

import io.moesim.models.InputException;
import io.moesim.models.forward.ModelConfig.Gqa;
import io.moesim.models.forward.ModelConfig.Mla;
import io.moesim.models.forward.ModelConfig.QkNorm;
import io.moesim.models.kernels.Activations;
import io.moesim.models.kernels.Attention;
import io.moesim.models.kernels.ExpertWeights;
import io.moesim.models.kernels.Experts;
import io.moesim.models.kernels.KvCache;
import io.moesim.models.kernels.MatMul;
import io.moesim.models.kernels.MatVec;
import io.moesim.models.kernels.Norm;
import io.moesim.models.kernels.Parallel;
import io.moesim.models.kernels.Rope;
import io.moesim.models.kernels.RopeTable;
import io.moesim.models.kernels.Vec;
import io.moesim.models.safetensors.Checkpoint;
import io.moesim.models.tensor.Tensor;
import io.moesim.models.tensor.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A Mixture-of-Experts language model run on the CPU in float32 with the kernels of
 * {@link io.moesim.models.kernels}: a window of tokens at once (causal, prefill-style), or one
 * token at a time against a {@link SequenceCache}. Weights come from a {@link TensorSource}: a
 * Hugging Face checkpoint directory ({@code config.json} plus safetensors, memory-mapped) or
 * tensors in memory. Every MoE layer reports its routing to a {@link RouterObserver}; the
 * routed experts run as a grouped product ({@link Experts}), each chosen expert once over the
 * tokens routed to it.
 *
 * <pre>{@code
 * try (ForwardModel model = ForwardModel.load(dir)) {
 *     SequenceCache cache = model.newCache(512);
 *     float[] logits = model.forward(tokens, cache, observer, ForwardModel.Logits.LAST);
 * }
 * }</pre>
 *
 * <p>Projections of several tokens use {@link MatMul}, of a single token {@link MatVec}. Results
 * are bitwise identical for any thread count (every kernel fixes its summation order).
 * Not thread-safe (one forward call at a time); each call is parallel inside.
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

    /** A weight {@code [out, in]} and an optional bias {@code [out]}. */
    private record Proj(Tensor weight, float[] bias) {
        int out() {
            return weight.dim(0);
        }
    }

    private record Mlp(Proj gate, Proj up, Proj down) {
    }

    private record Moe(Proj router, float[] selectionBias, ExpertWeights experts, Mlp shared, Proj sharedGate) {
    }

    private record GqaWeights(Proj q, Proj k, Proj v, Proj o, float[] qNorm, float[] kNorm) {
    }

    /** {@code qA}/{@code qANorm} are null when queries are projected directly ({@code q} is then q_proj). */
    private record MlaWeights(Proj qA, float[] qANorm, Proj q, Proj kvA, float[] kvANorm, Proj kvB, Proj o) {
    }

    private record Layer(float[] inputNorm, float[] postNorm, GqaWeights gqa, MlaWeights mla, Mlp dense, Moe moe) {
    }

    private final ModelConfig config;
    private final TensorSource weights;
    private final Parallel par;
    private final float eps;
    private final Tensor embeddings;
    private final Layer[] layers;
    private final float[] finalNorm;
    private final Proj lmHead;
    /** The names of the tensors the model uses, in load order (embedding, layer 0, 1, ..., head). */
    private final List<String> tensorNames;

    private ForwardModel(ModelConfig config, TensorSource weights, Parallel par, Tensor embeddings, Layer[] layers,
                         float[] finalNorm, Proj lmHead, List<String> tensorNames) {
        this.tensorNames = List.copyOf(tensorNames);
        this.config = config;
        this.weights = weights;
        this.par = par;
        this.eps = (float) config.rmsNormEps();
        this.embeddings = embeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /**
     * Loads {@code dir}: reads {@code config.json}, maps the safetensors and checks that every
     * tensor the config calls for is present with the shape it implies. Any problem is one
     * {@link InputException} naming the file and the field or tensor. Runs on all cores.
     */
    public static ForwardModel load(Path dir) {
        return load(dir, Parallel.cores());
    }

    /** {@link #load(Path)} running its kernels on {@code par} (owned by the caller). */
    public static ForwardModel load(Path dir, Parallel par) {
        ModelConfig config = ModelConfig.read(dir);
        return of(config, Checkpoint.open(dir), par);
    }

    /**
     * A model of {@code config} over the tensors of {@code weights} (Hugging Face names), which
     * the model then owns and closes. Missing or misshapen tensors: {@link InputException} naming
     * {@link TensorSource#origin}, and {@code weights} is closed.
     */
    public static ForwardModel of(ModelConfig config, TensorSource weights, Parallel par) {
        Objects.requireNonNull(par, "par");
        try {
            return new Loader(config, weights, par).load();
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** The architecture this model was loaded with. */
    public ModelConfig config() {
        return config;
    }

    /** A cache for one sequence of up to {@code capacity} tokens. */
    public SequenceCache newCache(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        ModelConfig.Rope rope = config.rope();
        RopeTable table = RopeTable.fromInverseFrequencies(rope.invFrequencies(), capacity, rope.cosSinScale());
        return switch (config.attention()) {
            case Gqa g -> new SequenceCache(config.numLayers(), capacity, g.numKvHeads(), g.headDim(), g.headDim(), table);
            case Mla m -> new SequenceCache(config.numLayers(), capacity, m.numHeads(), m.qkHeadDim(), m.vHeadDim(), table);
        };
    }

    /**
     * Runs {@code tokens} at positions {@code cache.length() ..} (attending to the cached tokens
     * and causally to each other), appends them to the cache and returns the requested logits.
     */
    public float[] forward(int[] tokens, SequenceCache cache, RouterObserver observer, Logits logits) {
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
        if (cache.layers.length != layers.length) {
            throw new IllegalArgumentException("cache made for " + cache.layers.length + " layers, model has " + layers.length);
        }
        float[] h = new float[n * d];
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[t] + " outside vocabulary of " + config.vocabSize());
            }
            embeddings.toFloat((long) tokens[t] * d, h, t * d, d);
        }
        int[] positions = new int[n];
        for (int t = 0; t < n; t++) {
            positions[t] = cache.length() + t;
        }
        float[] x = new float[n * d];
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            rmsRows(x, h, n, d, layer.inputNorm);
            float[] a = layer.gqa != null
                    ? gqa(layer.gqa, x, n, positions, cache.layers[l], cache.rope)
                    : mla(layer.mla, x, n, positions, cache.layers[l], cache.rope);
            Vec.add(a, 0, h, 0, n * d);
            rmsRows(x, h, n, d, layer.postNorm);
            float[] y = layer.moe != null ? moe(layer.moe, x, n, l, observer) : mlp(layer.dense, x, n);
            Vec.add(y, 0, h, 0, n * d);
        }
        cache.advance(n);
        return switch (logits) {
            case NONE -> new float[0];
            case LAST -> {
                float[] last = new float[d];
                Norm.rms(last, 0, h, (n - 1) * d, finalNorm, 0, d, eps);
                yield project(lmHead, last, 1);
            }
            case ALL -> {
                rmsRows(x, h, n, d, finalNorm);
                yield project(lmHead, x, n);
            }
        };
    }

    // ---------------------------------------------------------------- attention

    private float[] gqa(GqaWeights w, float[] x, int n, int[] positions, KvCache cache, RopeTable rope) {
        Gqa g = (Gqa) config.attention();
        int hd = g.headDim();
        int qw = g.numHeads() * hd;
        int kw = g.numKvHeads() * hd;
        float[] q = project(w.q, x, n);
        float[] k = project(w.k, x, n);
        float[] v = project(w.v, x, n);
        if (g.clipQkv() > 0) {
            float c = (float) g.clipQkv();
            Vec.clamp(q, 0, q.length, c);
            Vec.clamp(k, 0, k.length, c);
            Vec.clamp(v, 0, v.length, c);
        }
        if (g.qkNorm() == QkNorm.FULL_WIDTH) {
            rmsRows(q, q, n, qw, w.qNorm);
            rmsRows(k, k, n, kw, w.kNorm);
        } else if (g.qkNorm() == QkNorm.PER_HEAD) {
            Norm.rmsRows(q, 0, n * g.numHeads(), hd, w.qNorm, eps);
            Norm.rmsRows(k, 0, n * g.numKvHeads(), hd, w.kNorm, eps);
        }
        for (int t = 0; t < n; t++) {
            Rope.neox(q, t * qw, g.numHeads(), hd, rope, positions[t]);
            Rope.neox(k, t * kw, g.numKvHeads(), hd, rope, positions[t]);
            cache.put(positions[t], k, t * kw, v, t * kw);
        }
        float[] out = new float[n * qw];
        Attention.causal(par, q, n, positions, g.numHeads(), cache, (float) config.rope().softmaxScale(), out);
        return project(w.o, out, n);
    }

    private float[] mla(MlaWeights w, float[] x, int n, int[] positions, KvCache cache, RopeTable rope) {
        Mla m = (Mla) config.attention();
        int heads = m.numHeads();
        int nope = m.qkNopeHeadDim();
        int ropeDim = m.qkRopeHeadDim();
        int qk = m.qkHeadDim();
        int vd = m.vHeadDim();
        int kvl = m.kvLoraRank();
        float[] q;
        if (w.qA != null) {
            float[] cq = project(w.qA, x, n);
            Norm.rmsRows(cq, 0, n, m.qLoraRank(), w.qANorm, eps);
            q = project(w.q, cq, n);
        } else {
            q = project(w.q, x, n);
        }
        float[] ckv = project(w.kvA, x, n);
        int ckvWidth = kvl + ropeDim;
        float[] latent = new float[n * kvl];
        for (int t = 0; t < n; t++) {
            Norm.rms(latent, t * kvl, ckv, t * ckvWidth, w.kvANorm, 0, kvl, eps);
        }
        float[] kv = project(w.kvB, latent, n);
        float[] key = new float[heads * qk];
        float[] value = new float[heads * vd];
        for (int t = 0; t < n; t++) {
            int pos = positions[t];
            // the shared rope key: one head of ropeDim, rotated in place inside ckv
            Rope.interleaved(ckv, t * ckvWidth + kvl, 1, ropeDim, rope, pos);
            Rope.interleaved(q, t * heads * qk + nope, heads, qk, rope, pos);
            for (int hd = 0; hd < heads; hd++) {
                int src = (t * heads + hd) * (nope + vd);
                System.arraycopy(kv, src, key, hd * qk, nope);
                System.arraycopy(ckv, t * ckvWidth + kvl, key, hd * qk + nope, ropeDim);
                System.arraycopy(kv, src + nope, value, hd * vd, vd);
            }
            cache.put(pos, key, 0, value, 0);
        }
        float[] out = new float[n * heads * vd];
        Attention.causal(par, q, n, positions, heads, cache, (float) config.rope().softmaxScale(), out);
        return project(w.o, out, n);
    }

    // ---------------------------------------------------------------- MLP and MoE

    private float[] mlp(Mlp w, float[] x, int n) {
        float[] g = project(w.gate, x, n);
        float[] u = project(w.up, x, n);
        Activations.siluGate(g, 0, u, 0, g.length);
        return project(w.down, g, n);
    }

    private float[] moe(Moe w, float[] x, int n, int layer, RouterObserver observer) {
        ModelConfig.Moe cfg = config.moe();
        int d = config.hiddenSize();
        int k = cfg.topK();
        int numExperts = cfg.numExperts();
        float[] logits = project(w.router, x, n);
        int[] experts = new int[n * k];
        float[] weights = new float[n * k];
        boolean deepseek = config.architecture().isMla();
        for (int t = 0; t < n; t++) {
            Routing.route(cfg.router(), logits, t * numExperts, numExperts, w.selectionBias, k, deepseek,
                    experts, weights, t * k);
        }
        for (int i = 0; i < weights.length; i++) {
            if (!Float.isFinite(weights[i]) || weights[i] < 0) {
                throw nonFiniteWeights(layer, weights[i]);
            }
        }
        observer.routed(layer, n, k, experts, weights);
        float[] y = new float[n * d];
        Experts.forward(par, w.experts, x, n, k, experts, weights, y);
        if (w.shared != null) {
            float[] s = mlp(w.shared, x, n);
            float[] gate = w.sharedGate == null ? null : project(w.sharedGate, x, n);
            for (int t = 0; t < n; t++) {
                float f = gate == null ? 1f : (float) (1.0 / (1.0 + Math.exp(-gate[t])));
                Vec.axpy(f, s, t * d, y, t * d, d);
            }
        }
        return y;
    }

    // ---------------------------------------------------------------- helpers

    /** {@code x W^T (+ b)} for {@code n} rows of {@code x}: one matrix-vector product for a single row. */
    private float[] project(Proj p, float[] x, int n) {
        int out = p.out();
        float[] y = new float[n * out];
        if (n == 1) {
            MatVec.matvec(par, p.weight, x, 0, y, 0);
        } else {
            MatMul.matmul(par, p.weight, x, 0, n, y, 0);
        }
        if (p.bias != null) {
            Vec.addBias(y, 0, n, p.bias, out);
        }
        return y;
    }

    /** RMSNorm of {@code rows} rows of {@code width} from {@code x} into {@code out} (may be the same array). */
    private void rmsRows(float[] out, float[] x, int rows, int width, float[] weight) {
        for (int r = 0; r < rows; r++) {
            Norm.rms(out, r * width, x, r * width, weight, 0, width, eps);
        }
    }

    /** Releases the weights (unmaps the checkpoint); the model must not be used afterwards. */
    @Override
    public void close() {
        weights.close();
    }

    // ---------------------------------------------------------------- loading

    /**
     * The user's error behind a router weight that is not a finite number >= 0 in {@code layer}: the first
     * tensor (in load order) holding a NaN or an infinity, or, if every tensor is finite, activations that
     * overflow float32.
     */
    private InputException nonFiniteWeights(int layer, float value) {
        float[] block = new float[1 << 14];
        for (String name : tensorNames) {
            Tensor t = weights.tensor(name);
            long size = t.size();
            for (long start = 0; start < size; start += block.length) {
                int len = (int) Math.min(block.length, size - start);
                t.toFloat(start, block, 0, len);
                for (int i = 0; i < len; i++) {
                    if (!Float.isFinite(block[i])) {
                        return InputException.at(weights.origin(name), "tensor '" + name + "'", "holds " + block[i]
                                + " at element " + (start + i) + " of " + size + " (a checkpoint's weights must be"
                                + " finite numbers)");
                    }
                }
            }
        }
        String router = "model.layers." + layer + ".";
        router = tensorNames.stream().filter(nm -> nm.startsWith("model.layers." + layer + ".") && nm.contains("gate"))
                .findFirst().orElse(router + "gate.weight");
        return InputException.at(weights.origin(router), "tensor '" + router + "'", "the router of layer " + layer
                + " gives weight " + value + " although every weight is finite: the activations overflow float32"
                + " (weights too large?)");
    }

    /** Finds every tensor the config calls for and checks its shape. */
    private static final class Loader {
        private final ModelConfig c;
        private final TensorSource src;
        private final Parallel par;
        private final List<String> names = new ArrayList<>();

        Loader(ModelConfig c, TensorSource src, Parallel par) {
            this.c = c;
            this.src = src;
            this.par = par;
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
            Proj head = c.tieWordEmbeddings() && !src.has("lm_head.weight")
                    ? new Proj(embed, null)
                    : linear("lm_head.weight", c.vocabSize(), d);
            return new ForwardModel(c, src, par, embed, layers, norm, head, names);
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
            Proj qA = null;
            float[] qANorm = null;
            Proj q;
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
            // (a missing router is then reported under the name the layer's other tensors use)
            String p = mixtral && (src.has(layer + "block_sparse_moe.gate.weight")
                    || !src.has(layer + "mlp.gate.weight") && src.has(layer + "block_sparse_moe.experts.0.w1.weight"))
                    ? layer + "block_sparse_moe." : layer + "mlp.";
            Proj router = linear(p + "gate.weight", experts, d);
            finite(p + "gate.weight", router.weight());
            float[] bias = m.router().selectionBias() ? vector(p + "gate.e_score_correction_bias", experts) : null;
            ExpertWeights routed;
            if (src.has(p + "experts.gate_up_proj")) {
                routed = ExpertWeights.packed(tensor(p + "experts.gate_up_proj", experts, 2 * ff, d),
                        tensor(p + "experts.down_proj", experts, d, ff));
            } else {
                List<Tensor> gate = new ArrayList<>();
                List<Tensor> up = new ArrayList<>();
                List<Tensor> down = new ArrayList<>();
                for (int e = 0; e < experts; e++) {
                    String ep = p + "experts." + e + ".";
                    gate.add(tensor(ep + (mixtral ? "w1.weight" : "gate_proj.weight"), ff, d));
                    up.add(tensor(ep + (mixtral ? "w3.weight" : "up_proj.weight"), ff, d));
                    down.add(tensor(ep + (mixtral ? "w2.weight" : "down_proj.weight"), d, ff));
                }
                routed = ExpertWeights.separate(gate, up, down);
            }
            Mlp shared = null;
            Proj sharedGate = null;
            if (m.sharedIntermediate() > 0) {
                if (c.architecture() == Architecture.QWEN2_MOE) {
                    shared = mlp(p + "shared_expert.", m.sharedIntermediate());
                    sharedGate = linear(p + "shared_expert_gate.weight", 1, d);
                } else {
                    shared = mlp(p + "shared_experts.", m.sharedIntermediate());
                }
            }
            return new Moe(router, bias, routed, shared, sharedGate);
        }

        Proj linear(String name, int out, int in) {
            return new Proj(tensor(name, out, in), null);
        }

        /** {@code prefix.weight} and, when {@code bias}, {@code prefix.bias}. */
        Proj linear(String prefix, int out, int in, boolean bias) {
            return new Proj(tensor(prefix + ".weight", out, in), bias ? vector(prefix + ".bias", out) : null);
        }

        /** A small tensor read into the heap (norm weights, biases); a NaN or an infinity in it is refused here. */
        float[] vector(String name, int n) {
            float[] v = tensor(name, n).toFloatArray();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw nonFinite(name, i, v.length, v[i]);
                }
            }
            return v;
        }

        /** Refuses a NaN or infinity anywhere in {@code name} (used for the routers, which are small). */
        Tensor finite(String name, Tensor t) {
            float[] block = new float[1 << 14];
            long size = t.size();
            for (long start = 0; start < size; start += block.length) {
                int len = (int) Math.min(block.length, size - start);
                t.toFloat(start, block, 0, len);
                for (int i = 0; i < len; i++) {
                    if (!Float.isFinite(block[i])) {
                        throw nonFinite(name, start + i, size, block[i]);
                    }
                }
            }
            return t;
        }

        InputException nonFinite(String name, long index, long size, float value) {
            return InputException.at(src.origin(name), "tensor '" + name + "'", "holds " + value + " at element "
                    + index + " of " + size + " (a checkpoint's weights must be finite numbers)");
        }

        Tensor tensor(String name, int... shape) {
            if (!src.has(name)) {
                throw InputException.at(src.origin(name), "tensor '" + name + "'",
                        "missing; " + c.architecture().hfName() + " with this config.json needs it");
            }
            Tensor t = src.tensor(name);
            names.add(name);
            if (!Arrays.equals(t.shape(), shape)) {
                throw InputException.at(src.origin(name), "tensor '" + name + "'", "shape " + Arrays.toString(t.shape())
                        + " disagrees with config.json, which implies " + Arrays.toString(shape));
            }
            return t;
        }
    }
}
