package io.moesim.models.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code config.json} into a {@link ModelSpec}, by its {@code model_type}:
 *
 * <ul>
 *   <li>{@code mixtral}: GQA; experts of width {@code intermediate_size}, {@code num_local_experts},
 *       softmax top-k always renormalised; {@code sliding_window} (when set) on every layer;</li>
 *   <li>{@code qwen2_moe}: GQA with q/k/v biases; experts of width {@code moe_intermediate_size}, one
 *       shared expert of width {@code shared_expert_intermediate_size} behind a sigmoid gate;
 *       renormalised only with {@code norm_topk_prob}; MoE every {@code decoder_sparse_step}-th layer,
 *       dense ({@code intermediate_size}) on {@code mlp_only_layers} (a leading run of layers only);</li>
 *   <li>{@code qwen3_moe}: as qwen2_moe without shared expert, with per-head q/k norms, biases only with
 *       {@code attention_bias};</li>
 *   <li>{@code olmoe}: GQA with q/k norms; experts of width {@code intermediate_size}; renormalised
 *       only with {@code norm_topk_prob};</li>
 *   <li>{@code deepseek_v2}, {@code deepseek_v3}, {@code kimi_k2}: MLA; dense width
 *       {@code intermediate_size} on the first {@code first_k_dense_replace} layers, experts of width
 *       {@code moe_intermediate_size}, {@code n_shared_experts} shared experts of the same width;
 *       routing by {@code scoring_func} (softmax for V2, sigmoid for V3), {@code topk_method}
 *       ({@code greedy}; {@code group_limited_greedy} and {@code noaux_tc} limited to {@code topk_group}
 *       of {@code n_group} groups; {@code noaux_tc} adds the selection bias), {@code norm_topk_prob},
 *       {@code routed_scaling_factor}; {@code num_nextn_predict_layers} MTP modules;</li>
 *   <li>{@code gpt_oss}: GQA with biases, {@code layer_types} sliding/full with {@code sliding_window};
 *       {@code num_local_experts} experts of width {@code intermediate_size}, softmax over the top-k.</li>
 * </ul>
 *
 * <p>Every error (unreadable file or JSON, unknown {@code model_type}, missing or mistyped field,
 * a layer layout moesim cannot express) is an {@link InputException} naming the file and the field.
 */
public final class HfConfigImporter {

    /** The {@code model_type} values this importer reads. */
    public static final List<String> MODEL_TYPES =
            List.of("mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "deepseek_v2", "deepseek_v3", "kimi_k2", "gpt_oss");


    private HfConfigImporter() {
    }

    /**
     * Imports {@code file}. The id is the file name without {@code .json}, or the name of the folder
     * for a file called {@code config.json}.
     */
    public static ModelSpec importFile(Path file) {
        JsonNode root = InputFiles.readJson(file, "file");
        if (root == null || !root.isObject()) {
            throw InputException.at(file, "document", "expected a JSON object of the model's fields");
        }
        return fromJson(root, file.toString(), idOf(file));
    }

    static String idOf(Path file) {
        String name = file.getFileName().toString();
        Path parent = file.toAbsolutePath().normalize().getParent();
        if (name.equals("config.json") && parent != null && parent.getFileName() != null) {
            return parent.getFileName().toString();
        }
        return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    }

    /** Builds the spec from a parsed config; {@code source} names the file in errors and in the spec. */
    public static ModelSpec fromJson(JsonNode root, String source, String id) {
        Fields f = new Fields(source, "", root);
        String type = f.text("model_type");
        try {
            return switch (type) {
                case "mixtral" -> mixtral(f, id);
                case "qwen2_moe", "qwen3_moe" -> qwenMoe(f, id, type.equals("qwen2_moe"));
                case "olmoe" -> olmoe(f, id);
                case "deepseek_v2", "deepseek_v3", "kimi_k2" -> deepseek(f, id, type);
                case "gpt_oss" -> gptOss(f, id);
                default -> throw f.error("model_type", "'" + type + "' is not supported; supported: "
                        + String.join(", ", MODEL_TYPES));
            };
        } catch (SpecException e) {
            Map<String, String> names = fileNames(type);
            throw f.error(names.getOrDefault(e.field(), e.field()), inFileTerms(e.problem(), names));
        }
    }

    /** The config.json field behind each {@link ModelSpec} component, for a {@code model_type}. */
    static Map<String, String> fileNames(String type) {
        Map<String, String> names = new HashMap<>(Map.ofEntries(
                Map.entry("numLayers", "num_hidden_layers"), Map.entry("hiddenSize", "hidden_size"),
                Map.entry("vocabSize", "vocab_size"), Map.entry("maxContextTokens", "max_position_embeddings"),
                Map.entry("numHeads", "num_attention_heads"), Map.entry("numKvHeads", "num_key_value_heads"),
                Map.entry("headDim", "head_dim"), Map.entry("topK", "num_experts_per_tok"),
                Map.entry("routedScalingFactor", "routed_scaling_factor"), Map.entry("numGroups", "n_group"),
                Map.entry("topKGroups", "topk_group"), Map.entry("qLoraRank", "q_lora_rank"),
                Map.entry("kvLoraRank", "kv_lora_rank"), Map.entry("qkNopeHeadDim", "qk_nope_head_dim"),
                Map.entry("qkRopeHeadDim", "qk_rope_head_dim"), Map.entry("vHeadDim", "v_head_dim"),
                Map.entry("mtpModules", "num_nextn_predict_layers"), Map.entry("slidingWindowTokens", "sliding_window"),
                Map.entry("denseIntermediateSize", "intermediate_size"),
                Map.entry("numSharedExperts", "n_shared_experts")));
        switch (type) {
            case "mixtral", "gpt_oss" -> {
                names.put("numRoutedExperts", "num_local_experts");
                names.put("expertIntermediateSize", "intermediate_size");
                names.put("slidingWindowLayers", type.equals("gpt_oss") ? "layer_types" : "sliding_window");
            }
            case "olmoe" -> {
                names.put("numRoutedExperts", "num_experts");
                names.put("expertIntermediateSize", "intermediate_size");
            }
            case "qwen2_moe", "qwen3_moe" -> {
                names.put("numRoutedExperts", "num_experts");
                names.put("expertIntermediateSize", "moe_intermediate_size");
                names.put("sharedExpertIntermediateSize", "shared_expert_intermediate_size");
                names.put("firstDenseLayers", "mlp_only_layers");
                names.put("moeLayerStep", "decoder_sparse_step");
            }
            default -> {
                names.put("numRoutedExperts", "n_routed_experts");
                names.put("expertIntermediateSize", "moe_intermediate_size");
                names.put("sharedExpertIntermediateSize", "moe_intermediate_size");
                names.put("firstDenseLayers", "first_k_dense_replace");
                names.put("moeLayerStep", "moe_layer_freq");
            }
        }
        return names;
    }

    /** {@code problem} with every record component it mentions renamed to its config.json field. */
    static String inFileTerms(String problem, Map<String, String> names) {
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z]+").matcher(problem);
        while (m.find()) {
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(names.getOrDefault(m.group(), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String architecture(Fields f, String type) {
        if (f.has("architectures") && f.required("architectures").isArray() && !f.required("architectures").isEmpty()
                && f.required("architectures").get(0).isTextual()) {
            return f.required("architectures").get(0).textValue();
        }
        return type;
    }

    private static ModelSpec spec(Fields f, String id, AttentionSpec attention, int firstDense, int step,
                                  int denseWidth, MoeSpec moe, int mtp) {
        return new ModelSpec(id, id, architecture(f, f.text("model_type")), String.valueOf(f.source()),
                f.integer("num_hidden_layers"), f.integer("hidden_size"), f.integer("vocab_size"),
                f.bool("tie_word_embeddings", false), attention, firstDense, step, denseWidth, moe, mtp,
                f.integer("max_position_embeddings"));
    }

    private static AttentionSpec.Gqa gqa(Fields f, boolean qkvBias, boolean qkNorm, int windowTokens,
                                         int windowLayers) {
        int heads = f.integerIn("num_attention_heads", 1, ModelLimits.MAX_HEADS);
        int kvHeads = f.integer("num_key_value_heads", heads);
        int headDim;
        if (f.has("head_dim")) {
            headDim = f.integer("head_dim");
        } else {
            int width = f.integerIn("hidden_size", 1, ModelLimits.MAX_WIDTH);
            if (heads > width) {
                throw f.error("num_attention_heads", heads + " exceeds hidden_size " + width
                        + " (the head dimension hidden_size / num_attention_heads would be 0)");
            }
            headDim = width / heads;
        }
        return new AttentionSpec.Gqa(heads, kvHeads, headDim, qkvBias, qkNorm, windowTokens, windowLayers);
    }

    private static MoeSpec moe(Fields f, String expertsField, String widthField, int shared, int sharedWidth,
                               boolean sharedGate, RoutingSpec routing) {
        return new MoeSpec(f.integer(expertsField), f.integer("num_experts_per_tok"), f.integer(widthField),
                shared, sharedWidth, sharedGate, routing);
    }

    private static ModelSpec mixtral(Fields f, String id) {
        int window = f.integer("sliding_window", 0);
        AttentionSpec attention = gqa(f, false, false, window, window > 0 ? f.integer("num_hidden_layers") : 0);
        MoeSpec moe = moe(f, "num_local_experts", "intermediate_size", 0, 0, false, RoutingSpec.softmax(true));
        return spec(f, id, attention, 0, 1, 0, moe, 0);
    }

    private static ModelSpec qwenMoe(Fields f, String id, boolean qwen2) {
        if (f.bool("use_sliding_window", false)) {
            throw f.error("use_sliding_window", "true is not supported (moesim models Qwen-MoE without window)");
        }
        int step = f.integer("decoder_sparse_step", 1);
        if (step < 1) {
            throw f.error("decoder_sparse_step", "must be >= 1, got " + step);
        }
        int firstDense = leadingDenseLayers(f);
        boolean hasDense = firstDense > 0 || step > 1;
        int denseWidth = hasDense ? f.integer("intermediate_size") : 0;
        RoutingSpec routing = RoutingSpec.softmax(f.bool("norm_topk_prob", false));
        MoeSpec moe;
        AttentionSpec attention;
        if (qwen2) {
            int sharedWidth = f.integer("shared_expert_intermediate_size", 0);
            moe = moe(f, "num_experts", "moe_intermediate_size", sharedWidth > 0 ? 1 : 0, sharedWidth,
                    sharedWidth > 0, routing);
            attention = gqa(f, true, false, 0, 0);
        } else {
            moe = moe(f, "num_experts", "moe_intermediate_size", 0, 0, false, routing);
            attention = gqa(f, f.bool("attention_bias", false), true, 0, 0);
        }
        return spec(f, id, attention, firstDense, step, denseWidth, moe, 0);
    }

    /** {@code mlp_only_layers} as a count of leading dense layers; other layouts are refused. */
    private static int leadingDenseLayers(Fields f) {
        if (!f.has("mlp_only_layers")) {
            return 0;
        }
        JsonNode layers = f.required("mlp_only_layers");
        if (!layers.isArray()) {
            throw f.error("mlp_only_layers", "expected a list of layer indices, got " + Fields.describe(layers));
        }
        for (int i = 0; i < layers.size(); i++) {
            if (!layers.get(i).isIntegralNumber() || layers.get(i).intValue() != i) {
                throw f.error("mlp_only_layers", "only a leading run 0, 1, ..., k-1 of dense layers is supported, got "
                        + Fields.describe(layers));
            }
        }
        return layers.size();
    }

    private static ModelSpec olmoe(Fields f, String id) {
        AttentionSpec attention = gqa(f, false, true, 0, 0);
        MoeSpec moe = moe(f, "num_experts", "intermediate_size", 0, 0, false,
                RoutingSpec.softmax(f.bool("norm_topk_prob", false)));
        return spec(f, id, attention, 0, 1, 0, moe, 0);
    }

    private static ModelSpec deepseek(Fields f, String id, String type) {
        boolean v2 = type.equals("deepseek_v2");
        int freq = f.integer("moe_layer_freq", 1);
        if (freq != 1) {
            throw f.error("moe_layer_freq", "only 1 is supported, got " + freq);
        }
        AttentionSpec.Mla attention = new AttentionSpec.Mla(f.integer("num_attention_heads"),
                f.integer("q_lora_rank", 0), f.integer("kv_lora_rank"), f.integer("qk_nope_head_dim"),
                f.integer("qk_rope_head_dim"), f.integer("v_head_dim"));
        String scoringName = f.text("scoring_func", v2 ? "softmax" : "sigmoid");
        RoutingSpec.Scoring scoring = switch (scoringName) {
            case "softmax" -> RoutingSpec.Scoring.SOFTMAX;
            case "sigmoid" -> RoutingSpec.Scoring.SIGMOID;
            default -> throw f.error("scoring_func", "'" + scoringName + "' is not softmax or sigmoid");
        };
        String method = f.text("topk_method", v2 ? "greedy" : "noaux_tc");
        int groups;
        int topGroups;
        boolean bias;
        switch (method) {
            case "greedy" -> {
                groups = 1;
                topGroups = 1;
                bias = false;
            }
            case "group_limited_greedy", "noaux_tc" -> {
                groups = f.integer("n_group", 1);
                topGroups = f.integer("topk_group", groups);
                bias = method.equals("noaux_tc");
            }
            default -> throw f.error("topk_method",
                    "'" + method + "' is not greedy, group_limited_greedy or noaux_tc");
        }
        RoutingSpec routing = new RoutingSpec(scoring, groups, topGroups, f.bool("norm_topk_prob", !v2),
                f.number("routed_scaling_factor", 1.0), bias);
        int expertWidth = f.integer("moe_intermediate_size");
        int shared = f.integer("n_shared_experts", 0);
        MoeSpec moe = moe(f, "n_routed_experts", "moe_intermediate_size", shared, shared > 0 ? expertWidth : 0,
                false, routing);
        int firstDense = f.integer("first_k_dense_replace", 0);
        int denseWidth = firstDense > 0 ? f.integer("intermediate_size") : 0;
        return spec(f, id, attention, firstDense, 1, denseWidth, moe, f.integer("num_nextn_predict_layers", 0));
    }

    private static ModelSpec gptOss(Fields f, String id) {
        int layers = f.integerIn("num_hidden_layers", 1, ModelLimits.MAX_LAYERS);
        List<Boolean> sliding = new ArrayList<>();
        if (f.has("layer_types")) {
            JsonNode types = f.required("layer_types");
            if (!types.isArray() || types.size() != layers) {
                throw f.error("layer_types", "expected a list of " + layers + " layer types");
            }
            for (JsonNode type : types) {
                switch (type.isTextual() ? type.textValue() : "") {
                    case "sliding_attention" -> sliding.add(true);
                    case "full_attention" -> sliding.add(false);
                    default -> throw f.error("layer_types", "unknown layer type " + Fields.describe(type));
                }
            }
        } else {
            for (int layer = 0; layer < layers; layer++) {
                sliding.add(layer % 2 == 0); // transformers' GptOssConfig default
            }
        }
        int windowed = (int) sliding.stream().filter(s -> s).count();
        int window = windowed > 0 ? f.integer("sliding_window") : 0;
        AttentionSpec attention = gqa(f, f.bool("attention_bias", false), false, window, windowed);
        MoeSpec moe = moe(f, "num_local_experts", "intermediate_size", 0, 0, false, RoutingSpec.softmax(true));
        ModelSpec spec = spec(f, id, attention, 0, 1, 0, moe, 0);
        for (int layer = 0; layer < layers; layer++) {
            if (spec.isSlidingWindowLayer(layer) != sliding.get(layer)) {
                throw f.error("layer_types", "layout not supported: full-attention layers must be every n-th layer");
            }
        }
        return spec;
    }
}
