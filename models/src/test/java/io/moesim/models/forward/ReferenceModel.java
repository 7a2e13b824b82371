package io.moesim.models.forward;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A deliberately plain forward pass for the tests: double precision, loops, one token at a time
 * where it can, written from the Hugging Face modelling semantics and reading the {@link TinyModel}'s
 * config map and tensors directly. It shares no code with the production forward pass.
 */
final class ReferenceModel {

    /** One token's routing in one MoE layer: experts by descending weight, their weights as applied. */
    record Choice(int[] experts, double[] weights) { }

    /** Logits per position, and for each MoE layer (in layer order) each position's choice. */
    record Result(double[][] logits, List<Integer> moeLayers, List<Choice[]> choices) { }

    private final TinyModel m;
    private final String arch;
    private final double eps;

    ReferenceModel(TinyModel m) {
        this.m = m;
        this.arch = m.architecture;
        this.eps = m.dOr("rms_norm_eps", 1e-6);
    }

    double[] w(String name) {
        TinyModel.T t = m.tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        double[] r = new double[t.data().length];
        for (int i = 0; i < r.length; i++) {
            r[i] = t.data()[i];
        }
        return r;
    }

    int rows(String name) {
        return m.tensors.get(name).shape()[0];
    }

    /** y = W x for W of shape [out, in]. */
    static double[] mv(double[] w, double[] x) {
        int in = x.length;
        int out = w.length / in;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int i = 0; i < in; i++) {
                s += w[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    double[] rmsnorm(double[] x, double[] weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double r = 1.0 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * r * weight[i];
        }
        return y;
    }

    static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    double[] mlp(String prefix, double[] x) {
        double[] g = mv(w(prefix + "gate_proj.weight"), x);
        double[] u = mv(w(prefix + "up_proj.weight"), x);
        double[] a = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            a[i] = silu(g[i]) * u[i];
        }
        return mv(w(prefix + "down_proj.weight"), a);
    }

    double[] expert(int layer, int e, double[] x) {
        String[] n = m.expertNames(layer, e);
        double[] g = mv(w(n[0]), x);
        double[] u = mv(w(n[1]), x);
        double[] a = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            a[i] = silu(g[i]) * u[i];
        }
        return mv(w(n[2]), a);
    }

    // ---- rope ----

    /** The rope frequencies, with YaRN when configured, and the cos/sin factor. */
    double[] invFreq(int dim) {
        double theta = m.dOr("rope_theta", 10000);
        double[] inv = new double[dim / 2];
        for (int i = 0; i < dim / 2; i++) {
            inv[i] = Math.pow(theta, -2.0 * i / dim);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> scaling = (Map<String, Object>) m.config.get("rope_scaling");
        if (scaling != null && "yarn".equals(scaling.get("type"))) {
            double factor = ((Number) scaling.get("factor")).doubleValue();
            double orig = ((Number) scaling.get("original_max_position_embeddings")).doubleValue();
            double fast = ((Number) scaling.get("beta_fast")).doubleValue();
            double slow = ((Number) scaling.get("beta_slow")).doubleValue();
            double low = Math.floor(dim * Math.log(orig / (fast * 2 * Math.PI)) / (2 * Math.log(theta)));
            double high = Math.ceil(dim * Math.log(orig / (slow * 2 * Math.PI)) / (2 * Math.log(theta)));
            low = Math.max(low, 0);
            high = Math.min(high, dim - 1);
            if (low == high) {
                high += 0.001;
            }
            for (int i = 0; i < dim / 2; i++) {
                double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
                double extraMask = 1 - ramp;
                inv[i] = inv[i] / factor * (1 - extraMask) + inv[i] * extraMask;
            }
        }
        return inv;
    }

    double cosSinFactor() {
        @SuppressWarnings("unchecked")
        Map<String, Object> scaling = (Map<String, Object>) m.config.get("rope_scaling");
        if (scaling == null) {
            return 1;
        }
        double factor = ((Number) scaling.get("factor")).doubleValue();
        double ms = ((Number) scaling.get("mscale")).doubleValue();
        double msAll = ((Number) scaling.get("mscale_all_dim")).doubleValue();
        return yarnMscale(factor, ms) / yarnMscale(factor, msAll);
    }

    static double yarnMscale(double scale, double mscale) {
        return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
    }

    /** Neox rope on v[off .. off+dim): element i pairs with i + dim/2. */
    void ropeHalves(double[] v, int off, int dim, int pos, double[] inv, double f) {
        for (int i = 0; i < dim / 2; i++) {
            double c = Math.cos(pos * inv[i]) * f;
            double s = Math.sin(pos * inv[i]) * f;
            double a = v[off + i];
            double b = v[off + i + dim / 2];
            v[off + i] = a * c - b * s;
            v[off + i + dim / 2] = b * c + a * s;
        }
    }

    /** Interleaved rope on v[off .. off+dim): element 2i pairs with 2i+1. */
    void ropePairs(double[] v, int off, int dim, int pos, double[] inv, double f) {
        for (int i = 0; i < dim / 2; i++) {
            double c = Math.cos(pos * inv[i]) * f;
            double s = Math.sin(pos * inv[i]) * f;
            double a = v[off + 2 * i];
            double b = v[off + 2 * i + 1];
            v[off + 2 * i] = a * c - b * s;
            v[off + 2 * i + 1] = b * c + a * s;
        }
    }

    // ---- attention ----

    double[][] gqa(int layer, double[][] x) {
        String p = m.layer(layer) + "self_attn.";
        int heads = m.i("num_attention_heads");
        int kvHeads = m.iOr("num_key_value_heads", heads);
        int hd = m.headDim();
        int n = x.length;
        double[][] q = new double[n][];
        double[][] k = new double[n][];
        double[][] v = new double[n][];
        double[] inv = invFreq(hd);
        double clip = m.dOr("clip_qkv", 0);
        for (int t = 0; t < n; t++) {
            q[t] = mv(w(p + "q_proj.weight"), x[t]);
            k[t] = mv(w(p + "k_proj.weight"), x[t]);
            v[t] = mv(w(p + "v_proj.weight"), x[t]);
            if (m.tensors.containsKey(p + "q_proj.bias")) {
                add(q[t], w(p + "q_proj.bias"));
                add(k[t], w(p + "k_proj.bias"));
                add(v[t], w(p + "v_proj.bias"));
            }
            if (clip > 0) {
                for (double[] a : new double[][] {q[t], k[t], v[t]}) {
                    for (int i = 0; i < a.length; i++) {
                        a[i] = Math.max(-clip, Math.min(clip, a[i]));
                    }
                }
            }
            if (arch.equals("OlmoeForCausalLM")) {
                q[t] = rmsnorm(q[t], w(p + "q_norm.weight"));
                k[t] = rmsnorm(k[t], w(p + "k_norm.weight"));
            }
            if (arch.equals("Qwen3MoeForCausalLM")) {
                q[t] = perHeadNorm(q[t], hd, w(p + "q_norm.weight"));
                k[t] = perHeadNorm(k[t], hd, w(p + "k_norm.weight"));
            }
            for (int h = 0; h < heads; h++) {
                ropeHalves(q[t], h * hd, hd, t, inv, 1);
            }
            for (int h = 0; h < kvHeads; h++) {
                ropeHalves(k[t], h * hd, hd, t, inv, 1);
            }
        }
        double scale = 1 / Math.sqrt(hd);
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] o = new double[heads * hd];
            for (int h = 0; h < heads; h++) {
                int g = h / (heads / kvHeads);
                double[] s = new double[t + 1];
                for (int u = 0; u <= t; u++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[t][h * hd + i] * k[u][g * hd + i];
                    }
                    s[u] = dot * scale;
                }
                softmax(s);
                for (int u = 0; u <= t; u++) {
                    for (int i = 0; i < hd; i++) {
                        o[h * hd + i] += s[u] * v[u][g * hd + i];
                    }
                }
            }
            out[t] = mv(w(p + "o_proj.weight"), o);
            if (m.tensors.containsKey(p + "o_proj.bias")) {
                add(out[t], w(p + "o_proj.bias"));
            }
        }
        return out;
    }

    double[] perHeadNorm(double[] x, int hd, double[] weight) {
        double[] y = new double[x.length];
        for (int h = 0; h < x.length / hd; h++) {
            double[] part = rmsnorm(Arrays.copyOfRange(x, h * hd, (h + 1) * hd), weight);
            System.arraycopy(part, 0, y, h * hd, hd);
        }
        return y;
    }

    double[][] mla(int layer, double[][] x) {
        String p = m.layer(layer) + "self_attn.";
        int heads = m.i("num_attention_heads");
        int nope = m.i("qk_nope_head_dim");
        int rope = m.i("qk_rope_head_dim");
        int vd = m.i("v_head_dim");
        int kvl = m.i("kv_lora_rank");
        int qk = nope + rope;
        int n = x.length;
        double[] inv = invFreq(rope);
        double f = cosSinFactor();
        double[][] q = new double[n][];
        double[][] kNope = new double[n][];
        double[][] vals = new double[n][];
        double[][] kPe = new double[n][];
        for (int t = 0; t < n; t++) {
            if (m.config.get("q_lora_rank") == null) {
                q[t] = mv(w(p + "q_proj.weight"), x[t]);
            } else {
                double[] cq = rmsnorm(mv(w(p + "q_a_proj.weight"), x[t]), w(p + "q_a_layernorm.weight"));
                q[t] = mv(w(p + "q_b_proj.weight"), cq);
            }
            double[] ckv = mv(w(p + "kv_a_proj_with_mqa.weight"), x[t]);
            double[] c = rmsnorm(Arrays.copyOfRange(ckv, 0, kvl), w(p + "kv_a_layernorm.weight"));
            kPe[t] = Arrays.copyOfRange(ckv, kvl, kvl + rope);
            double[] kv = mv(w(p + "kv_b_proj.weight"), c);
            kNope[t] = new double[heads * nope];
            vals[t] = new double[heads * vd];
            for (int h = 0; h < heads; h++) {
                System.arraycopy(kv, h * (nope + vd), kNope[t], h * nope, nope);
                System.arraycopy(kv, h * (nope + vd) + nope, vals[t], h * vd, vd);
                ropePairs(q[t], h * qk + nope, rope, t, inv, f);
            }
            ropePairs(kPe[t], 0, rope, t, inv, f);
        }
        double scale = 1 / Math.sqrt(qk);
        @SuppressWarnings("unchecked")
        Map<String, Object> scaling = (Map<String, Object>) m.config.get("rope_scaling");
        if (scaling != null) {
            double msAll = ((Number) scaling.getOrDefault("mscale_all_dim", 0)).doubleValue();
            if (msAll != 0) {
                double ms = yarnMscale(((Number) scaling.get("factor")).doubleValue(), msAll);
                scale *= ms * ms;
            }
        }
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] o = new double[heads * vd];
            for (int h = 0; h < heads; h++) {
                double[] s = new double[t + 1];
                for (int u = 0; u <= t; u++) {
                    double dot = 0;
                    for (int i = 0; i < nope; i++) {
                        dot += q[t][h * qk + i] * kNope[u][h * nope + i];
                    }
                    for (int i = 0; i < rope; i++) {
                        dot += q[t][h * qk + nope + i] * kPe[u][i];
                    }
                    s[u] = dot * scale;
                }
                softmax(s);
                for (int u = 0; u <= t; u++) {
                    for (int i = 0; i < vd; i++) {
                        o[h * vd + i] += s[u] * vals[u][h * vd + i];
                    }
                }
            }
            out[t] = mv(w(p + "o_proj.weight"), o);
        }
        return out;
    }

    static void softmax(double[] s) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : s) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.exp(s[i] - max);
            sum += s[i];
        }
        for (int i = 0; i < s.length; i++) {
            s[i] /= sum;
        }
    }

    static void add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    // ---- router ----

    Choice route(int layer, double[] x) {
        String p = m.moePrefix(layer);
        int experts = m.numExperts();
        int k = m.isDeepseek() ? m.i("num_experts_per_tok") : m.i("num_experts_per_tok");
        double[] logits = mv(w(p + "gate.weight"), x);
        boolean sigmoid = "sigmoid".equals(m.sOr("scoring_func", "softmax"));
        double[] scores = logits.clone();
        if (sigmoid) {
            for (int e = 0; e < experts; e++) {
                scores[e] = 1 / (1 + Math.exp(-scores[e]));
            }
        } else {
            softmax(scores);
        }
        double[] choice = scores.clone();
        String method = m.sOr("topk_method", "greedy");
        if (method.equals("noaux_tc")) {
            add(choice, w(p + "gate.e_score_correction_bias"));
        }
        if (method.equals("noaux_tc") || method.equals("group_limited_greedy")) {
            int groups = m.i("n_group");
            int per = experts / groups;
            double[] groupScore = new double[groups];
            for (int g = 0; g < groups; g++) {
                double[] in = Arrays.copyOfRange(choice, g * per, (g + 1) * per);
                Arrays.sort(in);
                groupScore[g] = method.equals("noaux_tc") ? in[per - 1] + in[per - 2] : in[per - 1];
            }
            int[] keep = topIndices(groupScore, m.i("topk_group"));
            boolean[] kept = new boolean[groups];
            for (int g : keep) {
                kept[g] = true;
            }
            for (int e = 0; e < experts; e++) {
                if (!kept[e / per]) {
                    choice[e] = 0.0; // as masked_fill(~mask, 0.0) in the Hugging Face code
                }
            }
        }
        int[] idx = topIndices(choice, k);
        double[] weights = new double[k];
        double sum = 0;
        for (int j = 0; j < k; j++) {
            weights[j] = scores[idx[j]];
            sum += weights[j];
        }
        boolean norm;
        double factor = 1;
        switch (arch) {
            case "MixtralForCausalLM" -> norm = true;
            case "DeepseekV3ForCausalLM" -> {
                norm = k > 1 && m.bOr("norm_topk_prob", false);
                factor = m.dOr("routed_scaling_factor", 1);
                sum += 1e-20;
            }
            case "DeepseekV2ForCausalLM" -> {
                norm = k > 1 && m.bOr("norm_topk_prob", false);
                factor = norm ? 1 : m.dOr("routed_scaling_factor", 1);
                sum += 1e-20;
            }
            default -> norm = m.bOr("norm_topk_prob", false);
        }
        for (int j = 0; j < k; j++) {
            if (norm) {
                weights[j] /= sum;
            }
            weights[j] *= factor;
        }
        // order by descending weight
        Integer[] order = new Integer[k];
        for (int j = 0; j < k; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> Double.compare(weights[b], weights[a]));
        int[] e = new int[k];
        double[] wt = new double[k];
        for (int j = 0; j < k; j++) {
            e[j] = idx[order[j]];
            wt[j] = weights[order[j]];
        }
        return new Choice(e, wt);
    }

    /** Indices of the k largest values, largest first. */
    static int[] topIndices(double[] v, int k) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(v[b], v[a]));
        int[] r = new int[k];
        for (int i = 0; i < k; i++) {
            r[i] = order[i];
        }
        return r;
    }

    double[] moe(int layer, double[] x, Choice c) {
        double[] y = new double[x.length];
        for (int j = 0; j < c.experts().length; j++) {
            double[] o = expert(layer, c.experts()[j], x);
            for (int i = 0; i < y.length; i++) {
                y[i] += c.weights()[j] * o[i];
            }
        }
        String p = m.moePrefix(layer);
        if (arch.equals("Qwen2MoeForCausalLM")) {
            double[] s = mlp(p + "shared_expert.", x);
            double gate = 1 / (1 + Math.exp(-mv(w(p + "shared_expert_gate.weight"), x)[0]));
            for (int i = 0; i < y.length; i++) {
                y[i] += gate * s[i];
            }
        }
        if (m.isDeepseek() && m.iOr("n_shared_experts", 0) > 0) {
            add(y, mlp(p + "shared_experts.", x));
        }
        return y;
    }

    // ---- the model ----

    Result forward(int[] tokens) {
        int n = tokens.length;
        int d = m.i("hidden_size");
        double[] embed = w("model.embed_tokens.weight");
        double[][] h = new double[n][];
        for (int t = 0; t < n; t++) {
            h[t] = Arrays.copyOfRange(embed, tokens[t] * d, (tokens[t] + 1) * d);
        }
        List<Integer> moeLayers = new ArrayList<>();
        List<Choice[]> choices = new ArrayList<>();
        for (int l = 0; l < m.i("num_hidden_layers"); l++) {
            double[] inNorm = w(m.layer(l) + "input_layernorm.weight");
            double[][] x = new double[n][];
            for (int t = 0; t < n; t++) {
                x[t] = rmsnorm(h[t], inNorm);
            }
            double[][] a = m.isDeepseek() ? mla(l, x) : gqa(l, x);
            double[] postNorm = w(m.layer(l) + "post_attention_layernorm.weight");
            Choice[] layerChoices = m.isMoeLayer(l) ? new Choice[n] : null;
            for (int t = 0; t < n; t++) {
                add(h[t], a[t]);
                double[] y = rmsnorm(h[t], postNorm);
                if (layerChoices != null) {
                    layerChoices[t] = route(l, y);
                    add(h[t], moe(l, y, layerChoices[t]));
                } else {
                    add(h[t], mlp(m.layer(l) + "mlp.", y));
                }
            }
            if (layerChoices != null) {
                moeLayers.add(l);
                choices.add(layerChoices);
            }
        }
        double[] fin = w("model.norm.weight");
        double[] head = w(m.bOr("tie_word_embeddings", false) ? "model.embed_tokens.weight" : "lm_head.weight");
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = mv(head, rmsnorm(h[t], fin));
        }
        return new Result(logits, moeLayers, choices);
    }
}
