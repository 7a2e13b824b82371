package io.moesim.models.forward;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import io.moesim.models.spec.ModelLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the CPU forward pass needs to know about a checkpoint, read from its Hugging Face
 * {@code config.json}: widths, attention kind, rope, norms, the dense/MoE layer layout and the
 * router's exact semantics. Richer than {@link io.moesim.models.spec.ModelSpec}, which serves
 * capacity planning.
 *
 * @param source             the config file (for error messages)
 * @param architecture       the model class
 * @param numLayers          decoder layers
 * @param hiddenSize         model width d
 * @param vocabSize          vocabulary size
 * @param rmsNormEps         epsilon of every RMSNorm
 * @param tieWordEmbeddings  the LM head is the embedding matrix
 * @param attention          GQA or MLA with its dimensions
 * @param rope               rotary position embedding
 * @param denseIntermediate  MLP width of the dense layers (0 when the model has none)
 * @param moe                experts and router
 * @param moeLayers          for each layer, whether it is an MoE layer
 */
public record ModelConfig(
        Path source,
        Architecture architecture,
        int numLayers,
        int hiddenSize,
        int vocabSize,
        double rmsNormEps,
        boolean tieWordEmbeddings,
        Attention attention,
        Rope rope,
        int denseIntermediate,
        Moe moe,
        List<Boolean> moeLayers) {

    public ModelConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(rope, "rope");
        Objects.requireNonNull(moe, "moe");
        moeLayers = List.copyOf(moeLayers);
        if (moeLayers.size() != numLayers) {
            throw new IllegalArgumentException("moeLayers has " + moeLayers.size() + " entries for " + numLayers + " layers");
        }
    }

    /** Whether layer {@code layer} (0-based, as in tensor names) is an MoE layer. */
    public boolean isMoeLayer(int layer) {
        return moeLayers.get(layer);
    }

    /** Number of MoE layers. */
    public int numMoeLayers() {
        int n = 0;
        for (boolean b : moeLayers) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /** The attention of every layer. */
    public sealed interface Attention permits Gqa, Mla {
        /** Query heads. */
        int numHeads();
    }

    /** How q and k are normalised before rope in grouped-query attention. */
    public enum QkNorm {
        /** No normalisation (Mixtral, Qwen2-MoE). */
        NONE,
        /** RMSNorm over each head's {@code headDim} values, one weight vector shared by heads (Qwen3-MoE). */
        PER_HEAD,
        /** RMSNorm over the whole q (or k) projection (OLMoE). */
        FULL_WIDTH
    }

    /**
     * Grouped-query attention with neox-style rope over the whole head.
     *
     * @param numHeads   query heads
     * @param numKvHeads key/value heads
     * @param headDim    dimension of one head
     * @param qkvBias    biases on the q, k and v projections
     * @param oBias      bias on the output projection
     * @param qkNorm     normalisation of q and k
     * @param clipQkv    clamp q, k, v to [-clipQkv, clipQkv] after projection (OLMoE's {@code clip_qkv}; 0 = none)
     */
    public record Gqa(int numHeads, int numKvHeads, int headDim, boolean qkvBias, boolean oBias, QkNorm qkNorm,
                      double clipQkv) implements Attention {
        public Gqa {
            Objects.requireNonNull(qkNorm, "qkNorm");
        }
    }

    /**
     * Multi-head latent attention (DeepSeek-V2/V3), interleaved rope on the rope part of q and k.
     *
     * @param numHeads      query heads
     * @param qLoraRank     rank of the query compression; 0 = a plain {@code q_proj}
     * @param kvLoraRank    rank of the key/value latent
     * @param qkNopeHeadDim per-head q/k dimension without rope
     * @param qkRopeHeadDim per-head q/k dimension with rope (the key part is shared by all heads)
     * @param vHeadDim      per-head value dimension
     */
    public record Mla(int numHeads, int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim,
                      int vHeadDim) implements Attention {
        /** q and k width per head. */
        public int qkHeadDim() {
            return qkNopeHeadDim + qkRopeHeadDim;
        }
    }

    /**
     * Rotary position embedding.
     *
     * @param theta          base
     * @param dim            rotated dimensions per head
     * @param interleaved    pairs are adjacent elements (DeepSeek) rather than halves (neox)
     * @param invFrequencies the {@code dim/2} angular frequencies, scaling applied
     * @param cosSinScale    factor on cos and sin (YaRN's attention factor; 1 without scaling)
     * @param softmaxScale   factor on q.k before the softmax
     */
    public record Rope(double theta, int dim, boolean interleaved, double[] invFrequencies, double cosSinScale,
                       double softmaxScale) {
        public Rope {
            invFrequencies = invFrequencies.clone();
            if (invFrequencies.length != dim / 2) {
                throw new IllegalArgumentException("need dim/2 frequencies");
            }
        }

        @Override
        public double[] invFrequencies() {
            return invFrequencies.clone();
        }
    }

    /** How the router ranks experts. */
    public enum Selection {
        /** Plain top-k over the scores. */
        GREEDY,
        /** Keep the {@code topKGroups} groups with the highest maximum score, then top-k (DeepSeek-V2). */
        GROUP_MAX,
        /** Keep the {@code topKGroups} groups with the highest sum of their two best biased scores (DeepSeek-V3). */
        GROUP_TOP2_SUM
    }

    /** The function from router logits to scores. */
    public enum Scoring { SOFTMAX, SIGMOID }

    /**
     * The router.
     *
     * @param scoring            softmax over all experts or sigmoid per expert
     * @param selection          greedy or group-limited
     * @param numGroups          expert groups (1 = none)
     * @param topKGroups         groups kept
     * @param selectionBias      {@code gate.e_score_correction_bias} is added to the scores for selection only
     * @param normTopK           the chosen weights are divided by their sum (only when top-k > 1 for DeepSeek)
     * @param scalingFactor      {@code routed_scaling_factor}
     * @param scaleOnlyUnnormalized DeepSeek-V2 applies the scaling factor only when it does not normalise
     */
    public record Router(Scoring scoring, Selection selection, int numGroups, int topKGroups, boolean selectionBias,
                         boolean normTopK, double scalingFactor, boolean scaleOnlyUnnormalized) {
        public Router {
            Objects.requireNonNull(scoring, "scoring");
            Objects.requireNonNull(selection, "selection");
        }
    }

    /**
     * The experts of the MoE layers.
     *
     * @param numExperts       routed experts
     * @param topK             experts chosen per token
     * @param expertIntermediate one routed expert's MLP width
     * @param sharedIntermediate the shared expert MLP's width (0 = none; DeepSeek: routed width x shared count)
     * @param sharedGate       a sigmoid gate scales the shared expert (Qwen2-MoE)
     * @param router           the router
     */
    public record Moe(int numExperts, int topK, int expertIntermediate, int sharedIntermediate, boolean sharedGate,
                      Router router) {
        public Moe {
            Objects.requireNonNull(router, "router");
        }
    }

    /** Reads {@code dir/config.json}. */
    public static ModelConfig read(Path dir) {
        Path file = Files.isDirectory(dir) ? dir.resolve("config.json") : dir;
        JsonNode root = InputFiles.readJson(file, "file");
        if (root == null || !root.isObject()) {
            throw InputException.at(file, "document", "expected a JSON object of the model's fields");
        }
        return parse(root, file);
    }

    /** Parses a {@code config.json} tree; {@code file} names it in errors. */
    public static ModelConfig parse(JsonNode root, Path file) {
        return new Parser(root, file).parse();
    }

    /** Upper bounds of integer fields (default {@link ModelLimits#MAX_INTERMEDIATE}), as for capacity planning. */
    private static final java.util.Map<String, Integer> LIMITS = java.util.Map.ofEntries(
            java.util.Map.entry("num_hidden_layers", ModelLimits.MAX_LAYERS),
            java.util.Map.entry("hidden_size", ModelLimits.MAX_WIDTH),
            java.util.Map.entry("vocab_size", ModelLimits.MAX_VOCAB),
            java.util.Map.entry("num_attention_heads", ModelLimits.MAX_HEADS),
            java.util.Map.entry("num_key_value_heads", ModelLimits.MAX_HEADS),
            java.util.Map.entry("head_dim", ModelLimits.MAX_WIDTH),
            java.util.Map.entry("num_local_experts", ModelLimits.MAX_EXPERTS),
            java.util.Map.entry("num_experts", ModelLimits.MAX_EXPERTS),
            java.util.Map.entry("n_routed_experts", ModelLimits.MAX_EXPERTS),
            java.util.Map.entry("num_experts_per_tok", ModelLimits.MAX_TOP_K),
            java.util.Map.entry("n_shared_experts", ModelLimits.MAX_SHARED_EXPERTS),
            java.util.Map.entry("n_group", ModelLimits.MAX_GROUPS),
            java.util.Map.entry("topk_group", ModelLimits.MAX_GROUPS),
            java.util.Map.entry("decoder_sparse_step", ModelLimits.MAX_LAYERS),
            java.util.Map.entry("moe_layer_freq", ModelLimits.MAX_LAYERS),
            java.util.Map.entry("q_lora_rank", ModelLimits.MAX_WIDTH),
            java.util.Map.entry("kv_lora_rank", ModelLimits.MAX_WIDTH),
            java.util.Map.entry("qk_nope_head_dim", ModelLimits.MAX_WIDTH),
            java.util.Map.entry("qk_rope_head_dim", ModelLimits.MAX_WIDTH),
            java.util.Map.entry("v_head_dim", ModelLimits.MAX_WIDTH));

    private static final class Parser {
        private final JsonNode root;
        private final Path file;

        Parser(JsonNode root, Path file) {
            this.root = root;
            this.file = file;
        }

        InputException error(String field, String problem) {
            return InputException.at(file, field, problem);
        }

        JsonNode node(String field) {
            JsonNode n = root.get(field);
            return n == null || n.isNull() ? null : n;
        }

        int requiredInt(String field) {
            JsonNode n = node(field);
            if (n == null) {
                throw error(field, "missing");
            }
            return positive(field, n);
        }

        int intOr(String field, int fallback) {
            JsonNode n = node(field);
            return n == null ? fallback : positive(field, n);
        }

        int positive(String field, JsonNode n) {
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
                throw error(field, "must be a positive integer, got " + brief(n));
            }
            int max = LIMITS.getOrDefault(field, ModelLimits.MAX_INTERMEDIATE);
            if (n.asInt() > max) {
                throw error(field, "must be at most " + max + " (moesim's limit), got " + n.asInt());
            }
            return n.asInt();
        }

        static String brief(JsonNode n) {
            String text = n.toString();
            return text.length() > 40 ? text.substring(0, 37) + "..." : text;
        }

        double doubleOr(String field, double fallback) {
            JsonNode n = node(field);
            if (n == null) {
                return fallback;
            }
            if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
                throw error(field, "must be a finite number, got " + brief(n));
            }
            return n.asDouble();
        }

        boolean boolOr(String field, boolean fallback) {
            JsonNode n = node(field);
            if (n == null) {
                return fallback;
            }
            if (!n.isBoolean()) {
                throw error(field, "must be true or false, got " + n);
            }
            return n.asBoolean();
        }

        String stringOr(String field, String fallback) {
            JsonNode n = node(field);
            if (n == null) {
                return fallback;
            }
            if (!n.isTextual()) {
                throw error(field, "must be a string, got " + n);
            }
            return n.asText();
        }

        ModelConfig parse() {
            JsonNode archs = node("architectures");
            if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
                throw error("architectures", "missing; expected one of " + Architecture.supportedNames());
            }
            Architecture arch = Architecture.fromHfName(archs.get(0).asText());
            if (arch == null) {
                throw error("architectures", archs.get(0).asText() + " is not supported; expected one of "
                        + Architecture.supportedNames());
            }
            int layers = requiredInt("num_hidden_layers");
            int d = requiredInt("hidden_size");
            int vocab = requiredInt("vocab_size");
            double eps = doubleOr("rms_norm_eps", 1e-6);
            if (!(eps > 0)) {
                throw error("rms_norm_eps", "must be > 0");
            }
            boolean tie = boolOr("tie_word_embeddings", false);
            int heads = requiredInt("num_attention_heads");

            Attention attention;
            int ropeDim;
            double baseSoftmaxScale;
            if (arch.isMla()) {
                JsonNode q = node("q_lora_rank");
                int qLora = q == null ? 0 : positive("q_lora_rank", q);
                Mla mla = new Mla(heads, qLora, requiredInt("kv_lora_rank"), requiredInt("qk_nope_head_dim"),
                        requiredInt("qk_rope_head_dim"), requiredInt("v_head_dim"));
                attention = mla;
                ropeDim = mla.qkRopeHeadDim();
                baseSoftmaxScale = 1.0 / Math.sqrt(mla.qkHeadDim());
            } else {
                int kvHeads = intOr("num_key_value_heads", heads);
                if (heads % kvHeads != 0) {
                    throw error("num_key_value_heads", kvHeads + " does not divide num_attention_heads " + heads);
                }
                int headDim = intOr("head_dim", 0);
                if (headDim == 0) {
                    if (d % heads != 0) {
                        throw error("num_attention_heads", heads + " does not divide hidden_size " + d);
                    }
                    headDim = d / heads;
                }
                boolean attentionBias = boolOr("attention_bias", false);
                boolean qkvBias = switch (arch) {
                    case QWEN2_MOE -> boolOr("qkv_bias", true);
                    default -> attentionBias;
                };
                boolean oBias = arch != Architecture.QWEN2_MOE && attentionBias;
                QkNorm qkNorm = switch (arch) {
                    case QWEN3_MOE -> QkNorm.PER_HEAD;
                    case OLMOE -> QkNorm.FULL_WIDTH;
                    default -> QkNorm.NONE;
                };
                double clip = doubleOr("clip_qkv", 0);
                if (clip < 0) {
                    throw error("clip_qkv", "must be >= 0");
                }
                attention = new Gqa(heads, kvHeads, headDim, qkvBias, oBias, qkNorm, clip);
                ropeDim = headDim;
                if (ropeDim % 2 != 0) {
                    throw error("head_dim", "must be even for rope, got " + ropeDim);
                }
                baseSoftmaxScale = 1.0 / Math.sqrt(headDim);
            }
            if (ropeDim % 2 != 0) {
                throw error("qk_rope_head_dim", "must be even for rope, got " + ropeDim);
            }
            Rope rope = rope(ropeDim, arch.isMla(), baseSoftmaxScale);

            Moe moe = moe(arch);
            if (moe.topK() > moe.numExperts()) {
                throw error("num_experts_per_tok", moe.topK() + " exceeds the " + moe.numExperts() + " routed experts");
            }
            List<Boolean> moeLayers = moeLayers(arch, layers);
            if (!moeLayers.contains(true)) {
                String field = arch.isMla()
                        ? (intOr("moe_layer_freq", 1) > 1 ? "moe_layer_freq" : "first_k_dense_replace")
                        : (node("mlp_only_layers") != null && !node("mlp_only_layers").isEmpty() ? "mlp_only_layers"
                                : "decoder_sparse_step");
                throw error(field, "leaves no MoE layer among the " + layers + " layers");
            }
            int dense = moeLayers.contains(false) ? requiredInt("intermediate_size") : intOr("intermediate_size", 0);
            if (arch == Architecture.MIXTRAL || arch == Architecture.OLMOE) {
                dense = 0; // intermediate_size is the expert width there; every layer is MoE
            }
            return new ModelConfig(file, arch, layers, d, vocab, eps, tie, attention, rope, dense, moe, moeLayers);
        }

        Rope rope(int dim, boolean interleaved, double softmaxScale) {
            double theta = doubleOr("rope_theta", 10000.0);
            if (!(theta > 1)) {
                throw error("rope_theta", "must be > 1, got " + theta);
            }
            double[] inv = new double[dim / 2];
            for (int i = 0; i < dim / 2; i++) {
                inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / dim);
            }
            double cosSinScale = 1.0;
            JsonNode scaling = node("rope_scaling");
            if (scaling != null) {
                if (!scaling.isObject()) {
                    throw error("rope_scaling", "must be an object or null");
                }
                JsonNode typeNode = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type");
                String type = typeNode == null || typeNode.isNull() ? "default" : typeNode.asText();
                switch (type) {
                    case "default" -> { }
                    case "linear" -> {
                        double factor = scalingNumber(scaling, "factor", Double.NaN);
                        for (int i = 0; i < inv.length; i++) {
                            inv[i] /= factor;
                        }
                    }
                    case "yarn" -> {
                        double factor = scalingNumber(scaling, "factor", Double.NaN);
                        double original = scalingNumber(scaling, "original_max_position_embeddings",
                                doubleOr("max_position_embeddings", Double.NaN));
                        double betaFast = scalingNumber(scaling, "beta_fast", 32);
                        double betaSlow = scalingNumber(scaling, "beta_slow", 1);
                        double mscale = scalingNumber(scaling, "mscale", 0);
                        double mscaleAllDim = scalingNumber(scaling, "mscale_all_dim", 0);
                        double low = Math.max(Math.floor(correctionDim(betaFast, dim, theta, original)), 0);
                        double high = Math.min(Math.ceil(correctionDim(betaSlow, dim, theta, original)), dim - 1);
                        if (low == high) {
                            high += 0.001;
                        }
                        for (int i = 0; i < inv.length; i++) {
                            double extrapolation = inv[i];
                            double interpolation = inv[i] / factor;
                            double ramp = Math.clamp((i - low) / (high - low), 0.0, 1.0);
                            double extrapolationWeight = 1.0 - ramp;
                            inv[i] = interpolation * (1 - extrapolationWeight) + extrapolation * extrapolationWeight;
                        }
                        if (scaling.has("attention_factor") && !scaling.get("attention_factor").isNull()) {
                            cosSinScale = scalingNumber(scaling, "attention_factor", 1);
                        } else if (mscale != 0 && mscaleAllDim != 0) {
                            cosSinScale = yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
                        } else {
                            cosSinScale = yarnMscale(factor, 1);
                        }
                        if (mscaleAllDim != 0 && architectureIsMla()) {
                            double m = yarnMscale(factor, mscaleAllDim);
                            softmaxScale *= m * m;
                        }
                    }
                    default -> throw error("rope_scaling.type", type + " is not supported (default, linear, yarn)");
                }
            }
            return new Rope(theta, dim, interleaved, inv, cosSinScale, softmaxScale);
        }

        boolean architectureIsMla() {
            return Architecture.fromHfName(root.get("architectures").get(0).asText()).isMla();
        }

        double scalingNumber(JsonNode scaling, String field, double fallback) {
            JsonNode n = scaling.get(field);
            if (n == null || n.isNull()) {
                if (Double.isNaN(fallback)) {
                    throw error("rope_scaling." + field, "missing");
                }
                return fallback;
            }
            if (!n.isNumber() || !(n.asDouble() >= 0) || !Double.isFinite(n.asDouble())) {
                throw error("rope_scaling." + field, "must be a finite number >= 0, got " + brief(n));
            }
            if ((field.equals("factor") || field.equals("original_max_position_embeddings")) && !(n.asDouble() > 0)) {
                throw error("rope_scaling." + field, "must be > 0, got " + brief(n));
            }
            return n.asDouble();
        }

        static double correctionDim(double rotations, int dim, double base, double maxPositions) {
            return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
        }

        static double yarnMscale(double scale, double mscale) {
            return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
        }

        Moe moe(Architecture arch) {
            return switch (arch) {
                case MIXTRAL -> new Moe(requiredInt("num_local_experts"), requiredInt("num_experts_per_tok"),
                        requiredInt("intermediate_size"), 0, false,
                        new Router(Scoring.SOFTMAX, Selection.GREEDY, 1, 1, false, true, 1.0, false));
                case OLMOE -> new Moe(requiredInt("num_experts"), requiredInt("num_experts_per_tok"),
                        requiredInt("intermediate_size"), 0, false, softmaxRouter());
                case QWEN2_MOE -> new Moe(requiredInt("num_experts"), requiredInt("num_experts_per_tok"),
                        requiredInt("moe_intermediate_size"), intOr("shared_expert_intermediate_size", 0),
                        node("shared_expert_intermediate_size") != null, softmaxRouter());
                case QWEN3_MOE -> new Moe(requiredInt("num_experts"), requiredInt("num_experts_per_tok"),
                        requiredInt("moe_intermediate_size"), 0, false, softmaxRouter());
                case DEEPSEEK_V2, DEEPSEEK_V3 -> deepseekMoe(arch);
            };
        }

        Router softmaxRouter() {
            return new Router(Scoring.SOFTMAX, Selection.GREEDY, 1, 1, false, boolOr("norm_topk_prob", false), 1.0,
                    false);
        }

        Moe deepseekMoe(Architecture arch) {
            int experts = requiredInt("n_routed_experts");
            int topK = requiredInt("num_experts_per_tok");
            int ff = requiredInt("moe_intermediate_size");
            JsonNode sharedNode = node("n_shared_experts");
            int shared = sharedNode == null ? 0 : positive("n_shared_experts", sharedNode);
            boolean v3 = arch == Architecture.DEEPSEEK_V3;
            String scoring = stringOr("scoring_func", v3 ? "sigmoid" : "softmax");
            Scoring s = switch (scoring) {
                case "sigmoid" -> Scoring.SIGMOID;
                case "softmax" -> Scoring.SOFTMAX;
                default -> throw error("scoring_func", scoring + " is not supported (softmax, sigmoid)");
            };
            String method = stringOr("topk_method", v3 ? "noaux_tc" : "greedy");
            int groups = intOr("n_group", 1);
            int topKGroups = intOr("topk_group", groups);
            Selection selection;
            boolean bias;
            switch (method) {
                case "greedy" -> { selection = Selection.GREEDY; bias = false; }
                case "group_limited_greedy" -> { selection = Selection.GROUP_MAX; bias = false; }
                case "noaux_tc" -> { selection = Selection.GROUP_TOP2_SUM; bias = true; }
                default -> throw error("topk_method", method
                        + " is not supported (greedy, group_limited_greedy, noaux_tc)");
            }
            if (v3 && method.equals("group_limited_greedy")) {
                throw error("topk_method", "group_limited_greedy is a DeepSeek-V2 method; V3 uses noaux_tc");
            }
            if (!v3 && method.equals("noaux_tc")) {
                throw error("topk_method", "noaux_tc is a DeepSeek-V3 method; V2 uses greedy or group_limited_greedy");
            }
            if (selection != Selection.GREEDY) {
                if (experts % groups != 0) {
                    throw error("n_group", groups + " does not divide n_routed_experts " + experts);
                }
                if (topKGroups > groups) {
                    throw error("topk_group", topKGroups + " exceeds n_group " + groups);
                }
                if (selection == Selection.GROUP_TOP2_SUM && experts / groups < 2) {
                    throw error("n_group", "groups need at least 2 experts each for noaux_tc");
                }
                if (topK > topKGroups * (experts / groups)) {
                    throw error("num_experts_per_tok", topK + " exceeds the experts in topk_group groups");
                }
            }
            double scaling = doubleOr("routed_scaling_factor", 1.0);
            if (!(scaling > 0)) {
                throw error("routed_scaling_factor", "must be > 0, got " + scaling);
            }
            Router router = new Router(s, selection, groups, topKGroups, bias, boolOr("norm_topk_prob", false),
                    scaling, !v3);
            return new Moe(experts, topK, ff, shared * ff, false, router);
        }

        List<Boolean> moeLayers(Architecture arch, int layers) {
            List<Boolean> result = new ArrayList<>(layers);
            switch (arch) {
                case MIXTRAL, OLMOE -> {
                    for (int l = 0; l < layers; l++) {
                        result.add(true);
                    }
                }
                case QWEN2_MOE, QWEN3_MOE -> {
                    int step = intOr("decoder_sparse_step", 1);
                    Set<Integer> mlpOnly = new HashSet<>();
                    JsonNode only = node("mlp_only_layers");
                    if (only != null) {
                        if (!only.isArray()) {
                            throw error("mlp_only_layers", "must be a list of layer indices");
                        }
                        for (JsonNode n : only) {
                            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() >= layers) {
                                throw error("mlp_only_layers", "entry " + brief(n) + " is not a layer index below " + layers);
                            }
                            mlpOnly.add(n.asInt());
                        }
                    }
                    for (int l = 0; l < layers; l++) {
                        result.add(!mlpOnly.contains(l) && (l + 1) % step == 0);
                    }
                }
                case DEEPSEEK_V2, DEEPSEEK_V3 -> {
                    JsonNode firstNode = node("first_k_dense_replace");
                    int first = firstNode == null ? 0 : firstNode.asInt();
                    if (firstNode != null && (!firstNode.isIntegralNumber() || !firstNode.canConvertToInt() || first < 0
                            || first > layers)) {
                        throw error("first_k_dense_replace", "must be an integer in [0, " + layers + "], got "
                                + brief(firstNode));
                    }
                    int freq = intOr("moe_layer_freq", 1);
                    for (int l = 0; l < layers; l++) {
                        result.add(l >= first && l % freq == 0);
                    }
                }
                default -> throw new IllegalStateException();
            }
            return result;
        }
    }
}
