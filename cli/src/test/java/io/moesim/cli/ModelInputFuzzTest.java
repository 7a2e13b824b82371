package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz suite of the inputs of the {@code models} module and of the {@code models}, {@code trace} and
 * {@code train} commands: config.json (as {@code models show} and as {@code trace} read it), model YAML,
 * safetensors, sharded index, tokenizer.json, token-id files, router traces (plain and gzip) and the
 * commands' arguments. Each case starts from a valid small file (the tiny twins in {@code models/twins/},
 * the catalog's YAML, a trace built here), breaks one thing (missing, wrong type, zero, negative, huge,
 * NaN, truncated, junk appended, ...) and asserts the {@link BadInput} contract: exit 2, one line naming
 * the file and the field, nothing left behind.
 */
class ModelInputFuzzTest {

    private static final Path REPO = Path.of("..");
    private static final Path MIXTRAL_TWIN = REPO.resolve("models/twins/mixtral-twin");
    private static final Path QWEN3_TWIN = REPO.resolve("models/twins/qwen3-moe-twin");
    private static final Path DEEPSEEK_TWIN = REPO.resolve("models/twins/deepseek-v3-twin");
    private static final Path CATALOG = REPO.resolve("models/catalog");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String SHARD = "model-00001-of-00001.safetensors";

    @TempDir
    Path dir;

    /** A command line and the words its error must contain. */
    record Invocation(List<String> mustName, List<String> args) {
    }

    /** Writes the malformed input under the given folder and says how to run it. */
    @FunctionalInterface
    interface Setup {
        Invocation prepare(Path work) throws IOException;
    }

    /** One generated case; its name says what was broken. */
    record Case(String name, Setup setup) {
        @Override
        public String toString() {
            return name;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejected(Case c) throws IOException {
        Path work = dir.resolve("work");
        Files.createDirectories(work);
        Invocation run = c.setup().prepare(work);
        BadInput.assertRejected(work, run.mustName(), run.args().toArray(String[]::new));
    }

    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        configShowCases(all);
        configTraceCases(all);
        configFileCases(all);
        modelYamlCases(all);
        safetensorsCases(all);
        shardIndexCases(all);
        tokenizerCases(all);
        tokenIdCases(all);
        traceFileCases(all);
        argumentCases(all);
        return all.stream();
    }

    /** The suite is large enough to mean something; a shrinking generator would go unnoticed otherwise. */
    @Test
    void generatesManyCases() {
        assertTrue(cases().count() >= 500, "cases: " + cases().count());
        assertEquals(cases().count(), cases().map(Case::name).distinct().count(), "case names must be unique");
    }

    /** The unmodified fixtures pass, so that every rejection above is due to the one thing broken. */
    @Test
    void fixturesAreValid() throws IOException {
        Path work = dir.resolve("ok");
        Files.createDirectories(work);
        Path m = twinCopy(work, MIXTRAL_TWIN);
        Path ids = write(work.resolve("ids.txt"), "1 2 3 4 5 6 7 8");
        CliRun r = CliRun.of("trace", "--model", m.toString(), "--token-ids", ids.toString(), "--out",
                work.resolve("a.moetrace").toString());
        assertEquals(0, r.status(), r.err());
        Path json = write(work.resolve("ids.json"), "[1, 2, 3, 4]");
        r = CliRun.of("trace", "--model", m.toString(), "--token-ids", json.toString(), "--out",
                work.resolve("b.moetrace").toString());
        assertEquals(0, r.status(), r.err());
        Path text = write(work.resolve("t.txt"), "hello tiny twin");
        r = CliRun.of("trace", "--model", m.toString(), "--text", text.toString(), "--out",
                work.resolve("c.moetrace").toString());
        assertEquals(0, r.status(), r.err());
        Path sharded = shardedCopy(work.resolve("sharded"), index -> { });
        r = CliRun.of("trace", "--model", sharded.toString(), "--token-ids", ids.toString(), "--out",
                work.resolve("d.moetrace").toString());
        assertEquals(0, r.status(), r.err());
        for (Path config : List.of(MIXTRAL_TWIN, QWEN3_TWIN, DEEPSEEK_TWIN)) {
            assertEquals(0, CliRun.of("models", "show", config.resolve("config.json").toString()).status());
        }
        for (String yaml : List.of("mixtral-8x7b.yaml", "deepseek-v3.yaml")) {
            Path copy = work.resolve(yaml);
            writeYaml(copy, readYaml(CATALOG.resolve(yaml)));
            CliRun show = CliRun.of("models", "show", copy.toString());
            assertEquals(0, show.status(), show.err());
        }
        for (boolean gz : new boolean[] {false, true}) {
            Path trace = write(work.resolve(gz ? "t.moetrace.gz" : "t.moetrace"), gz ? gzip(validTrace()) : validTrace());
            CliRun stats = CliRun.of("trace", "stats", trace.toString());
            assertEquals(0, stats.status(), stats.err());
            CliRun export = CliRun.of("trace", "export", trace.toString(), "--jsonl", work.resolve("t.jsonl").toString());
            assertEquals(0, export.status(), export.err());
            assertEquals(TRACE_TOKENS * 3, Files.readAllLines(work.resolve("t.jsonl")).size());
        }
    }

    // ---------------------------------------------------------------- config.json

    private static final List<String> BAD_INTS = List.of("<missing>", "\"8\"", "true", "[1]", "{}", "0", "-1", "1.5",
            "1e300", "2147483648", "1000000000");

    private static void configShowCases(List<Case> all) {
        List<String> mixtralInts = List.of("num_hidden_layers", "hidden_size", "vocab_size", "num_attention_heads",
                "num_local_experts", "num_experts_per_tok", "intermediate_size", "max_position_embeddings");
        for (String field : mixtralInts) {
            for (String value : BAD_INTS) {
                all.add(configShow(MIXTRAL_TWIN, field, value, field));
            }
        }
        Map<String, List<String>> mixtral = Map.of(
                "num_key_value_heads", List.of("\"2\"", "0", "-1", "1.5", "3", "1000000000"),
                "head_dim", List.of("\"16\"", "0", "-1", "1.5", "1000000000"),
                "tie_word_embeddings", List.of("\"false\"", "0", "[]"),
                "model_type", List.of("<missing>", "1", "\"llama\"", "[]"),
                "num_experts_per_tok", List.of("9", "65"),
                "num_local_experts", List.of("16385", "1000000"),
                "sliding_window", List.of("-1", "\"x\"", "1.5"));
        mixtral.forEach((field, values) -> values.forEach(v -> all.add(configShow(MIXTRAL_TWIN, field, v, field))));
        // num_attention_heads 0 without head_dim was a division by zero
        all.add(new Case("config.json mixtral num_attention_heads=0 without head_dim", work -> {
            Path m = mutatedConfig(work, MIXTRAL_TWIN, c -> {
                c.remove("head_dim");
                c.put("num_attention_heads", 0);
            });
            return show(m, "config.json", "num_attention_heads");
        }));
        all.add(new Case("config.json mixtral num_attention_heads>hidden_size without head_dim", work -> {
            Path m = mutatedConfig(work, MIXTRAL_TWIN, c -> {
                c.remove("head_dim");
                c.put("num_attention_heads", 128);
            });
            return show(m, "config.json", "num_attention_heads");
        }));

        List<String> deepseekInts = List.of("num_hidden_layers", "hidden_size", "vocab_size", "num_attention_heads",
                "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "moe_intermediate_size",
                "n_routed_experts", "num_experts_per_tok", "max_position_embeddings", "intermediate_size");
        for (String field : deepseekInts) {
            for (String value : BAD_INTS) {
                all.add(configShow(DEEPSEEK_TWIN, field, value, field));
            }
        }
        Map<String, List<String>> deepseek = Map.ofEntries(
                Map.entry("q_lora_rank", List.of("\"x\"", "-1", "1.5", "1000000000")),
                Map.entry("n_group", List.of("0", "-1", "3", "\"8\"")),
                Map.entry("topk_group", List.of("0", "-1", "9")),
                Map.entry("n_shared_experts", List.of("-1", "\"1\"", "65")),
                Map.entry("first_k_dense_replace", List.of("-1", "4", "3", "\"1\"")),
                Map.entry("num_nextn_predict_layers", List.of("-1", "\"0\"", "2000")),
                Map.entry("routed_scaling_factor", List.of("0", "-2.5", "\"2.5\"")),
                Map.entry("moe_layer_freq", List.of("2", "0")),
                Map.entry("scoring_func", List.of("\"relu\"", "1")),
                Map.entry("topk_method", List.of("\"magic\"", "1")),
                Map.entry("norm_topk_prob", List.of("\"yes\"", "1")),
                Map.entry("num_experts_per_tok", List.of("257")));
        deepseek.forEach((field, values) -> values.forEach(v -> all.add(configShow(DEEPSEEK_TWIN, field, v, field))));
        all.add(configShow(DEEPSEEK_TWIN, "n_routed_experts", "1000000000.0", "n_routed_experts"));

        for (String field : List.of("num_experts", "moe_intermediate_size", "num_attention_heads")) {
            for (String value : BAD_INTS) {
                all.add(configShow(QWEN3_TWIN, field, value, field));
            }
        }
        Map<String, List<String>> qwen = Map.of(
                "decoder_sparse_step", List.of("0", "-1", "1000", "\"1\""),
                "mlp_only_layers", List.of("[1]", "\"x\"", "[0, 1, 2]", "[0.5]"),
                "use_sliding_window", List.of("true"),
                "norm_topk_prob", List.of("\"x\""));
        qwen.forEach((field, values) -> values.forEach(v -> all.add(configShow(QWEN3_TWIN, field, v, field))));
    }

    private static Case configShow(Path twin, String field, String value, String mustName) {
        return new Case("config.json " + twin.getFileName() + " " + field + "=" + value + " (models show)", work -> {
            Path m = mutatedConfig(work, twin, c -> set(c, field, value));
            return show(m, "config.json", mustName);
        });
    }

    private static Invocation show(Path modelDir, String... mustName) {
        return new Invocation(List.of(mustName), List.of("models", "show", modelDir.resolve("config.json").toString()));
    }

    /** config.json as the forward pass reads it, for {@code moesim trace} (another parser than models show). */
    private static void configTraceCases(List<Case> all) {
        List<String> ints = List.of("num_hidden_layers", "hidden_size", "vocab_size", "num_attention_heads",
                "num_local_experts", "num_experts_per_tok", "intermediate_size");
        List<String> values = List.of("<missing>", "\"8\"", "true", "0", "-1", "1.5", "2147483648", "1000000000");
        for (String field : ints) {
            for (String value : values) {
                all.add(configTrace(field, value, field));
            }
        }
        Map<String, List<String>> other = Map.ofEntries(
                Map.entry("num_key_value_heads", List.of("0", "3", "\"2\"")),
                Map.entry("head_dim", List.of("0", "15", "\"16\"")),
                Map.entry("num_experts_per_tok", List.of("9")),
                Map.entry("rms_norm_eps", List.of("0", "-1", "\"x\"", "1e400")),
                Map.entry("rope_theta", List.of("1", "0.5", "\"x\"")),
                Map.entry("tie_word_embeddings", List.of("\"no\"")),
                Map.entry("attention_bias", List.of("1")),
                Map.entry("clip_qkv", List.of("-1")),
                Map.entry("rope_scaling", List.of("5", "{\"type\": \"magic\"}", "{\"type\": \"linear\"}",
                        "{\"type\": \"linear\", \"factor\": 0}", "{\"type\": \"yarn\", \"factor\": -1}")),
                Map.entry("architectures", List.of("<missing>", "[]", "[\"LlamaForCausalLM\"]", "\"MixtralForCausalLM\"")));
        other.forEach((field, vs) -> vs.forEach(v -> all.add(configTrace(field, v, field))));
        // DeepSeek-V3 (MLA, group-limited sigmoid routing) as the forward pass reads it
        Map<String, List<String>> deepseek = Map.ofEntries(
                Map.entry("kv_lora_rank", List.of("<missing>", "0", "\"32\"", "1000000000")),
                Map.entry("q_lora_rank", List.of("0", "-1", "1.5")),
                Map.entry("qk_rope_head_dim", List.of("<missing>", "7", "0")),
                Map.entry("qk_nope_head_dim", List.of("<missing>", "-1")),
                Map.entry("v_head_dim", List.of("<missing>", "true")),
                Map.entry("n_routed_experts", List.of("<missing>", "0", "100000")),
                Map.entry("num_experts_per_tok", List.of("0", "257", "65")),
                Map.entry("moe_intermediate_size", List.of("<missing>", "-1")),
                Map.entry("n_shared_experts", List.of("0", "\"1\"")),
                Map.entry("n_group", List.of("0", "3", "256")),
                Map.entry("topk_group", List.of("0", "9")),
                Map.entry("topk_method", List.of("\"group_limited_greedy\"", "\"magic\"", "5")),
                Map.entry("scoring_func", List.of("\"relu\"", "1")),
                Map.entry("routed_scaling_factor", List.of("0", "-1", "\"2.5\"")),
                Map.entry("first_k_dense_replace", List.of("-1", "4", "3", "1.5")),
                Map.entry("intermediate_size", List.of("<missing>", "0")),
                Map.entry("moe_layer_freq", List.of("0", "1000")),
                Map.entry("norm_topk_prob", List.of("\"yes\"")));
        deepseek.forEach((field, vs) -> vs.forEach(v -> all.add(configTrace(DEEPSEEK_TWIN, field, v, field))));
        Map<String, List<String>> qwen = Map.of(
                "num_experts", List.of("<missing>", "0", "100000"),
                "moe_intermediate_size", List.of("<missing>", "0"),
                "decoder_sparse_step", List.of("0", "1000"),
                "mlp_only_layers", List.of("\"x\"", "[5]", "[0, 1, 2]", "[\"0\"]"));
        qwen.forEach((field, vs) -> vs.forEach(v -> all.add(configTrace(QWEN3_TWIN, field, v, field))));
    }

    private static Case configTrace(String field, String value, String mustName) {
        return configTrace(MIXTRAL_TWIN, field, value, mustName);
    }

    private static Case configTrace(Path twin, String field, String value, String mustName) {
        return new Case("config.json " + twin.getFileName() + " " + field + "=" + value + " (trace)", work -> {
            Path m = mutatedConfig(work, twin, c -> set(c, field, value));
            return trace(work, m, "config.json", mustName);
        });
    }

    private static Invocation trace(Path work, Path modelDir, String... mustName) throws IOException {
        Path ids = write(work.resolve("ids.txt"), "1 2 3 4 5 6 7 8 9 10");
        return new Invocation(List.of(mustName), List.of("trace", "--model", modelDir.toString(), "--token-ids",
                ids.toString(), "--out", work.resolve("out.moetrace").toString()));
    }

    /** Whole-file problems of config.json, for both readers. */
    private static void configFileCases(List<Case> all) {
        Map<String, FileMutation> files = fileMutations("{\"extra\": 1}", "\"model_type\"");
        for (Map.Entry<String, FileMutation> e : files.entrySet()) {
            for (boolean viaTrace : new boolean[] {false, true}) {
                all.add(new Case("config.json file " + e.getKey() + (viaTrace ? " (trace)" : " (models show)"), work -> {
                    Path m = twinCopy(work, MIXTRAL_TWIN);
                    Path config = m.resolve("config.json");
                    String word = e.getValue().apply(config);
                    return viaTrace ? trace(work, m, "config.json", word) : show(m, "config.json", word);
                }));
            }
        }
        all.add(new Case("config.json is a folder (trace)", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Files.delete(m.resolve("config.json"));
            Files.createDirectory(m.resolve("config.json"));
            return trace(work, m, "config.json", "folder");
        }));
        all.add(new Case("config.json missing (trace)", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Files.delete(m.resolve("config.json"));
            return trace(work, m, "config.json", "no such file");
        }));
    }

    /** A change to a whole text file; returns a word the error must contain. */
    @FunctionalInterface
    interface FileMutation {
        String apply(Path file) throws IOException;
    }

    /**
     * Mutations any JSON text file must survive: {@code second} is a second top-level value, {@code key} a
     * key of the document that is repeated.
     */
    private static Map<String, FileMutation> fileMutations(String second, String key) {
        Map<String, FileMutation> m = new java.util.LinkedHashMap<>();
        m.put("empty", f -> {
            Files.write(f, new byte[0]);
            return "document";
        });
        m.put("truncated to half", f -> {
            byte[] b = Files.readAllBytes(f);
            Files.write(f, Arrays.copyOf(b, b.length / 2));
            return "line";
        });
        m.put("truncated by one byte", f -> {
            byte[] b = Files.readAllBytes(f);
            int end = b.length;
            while (end > 0 && Character.isWhitespace(b[end - 1])) {
                end--;
            }
            Files.write(f, Arrays.copyOf(b, end - 1));
            return "line";
        });
        m.put("junk appended", f -> {
            Files.write(f, concat(Files.readAllBytes(f), "garbage".getBytes(StandardCharsets.UTF_8)));
            return "line";
        });
        m.put("second document", f -> {
            Files.write(f, concat(Files.readAllBytes(f), second.getBytes(StandardCharsets.UTF_8)));
            return "more than one";
        });
        m.put("not UTF-8", f -> {
            byte[] b = Files.readAllBytes(f);
            int quote = indexOf(b, (byte) '"', 0);
            b[quote + 1] = (byte) 0xff;
            Files.write(f, b);
            return "UTF-8";
        });
        m.put("a JSON array", f -> {
            Files.writeString(f, "[1, 2, 3]");
            return "document";
        });
        m.put("duplicate key", f -> {
            String text = Files.readString(f).strip();
            int brace = text.indexOf('{');
            int firstKey = text.indexOf(key);
            int comma = text.indexOf(',', firstKey);
            String entry = text.substring(firstKey, comma);
            Files.writeString(f, text.substring(0, brace + 1) + entry + "," + text.substring(brace + 1));
            return "duplicate";
        });
        m.put("NaN literal", f -> {
            String text = Files.readString(f).strip();
            Files.writeString(f, text.substring(0, text.length() - 1) + ", \"fuzz\": NaN}");
            return "NaN";
        });
        return m;
    }

    // ---------------------------------------------------------------- model YAML

    private static void modelYamlCases(List<Case> all) {
        List<String> mixtralInts = List.of("numLayers", "hiddenSize", "vocabSize", "attention.numHeads",
                "attention.numKvHeads", "attention.headDim", "moe.numRoutedExperts", "moe.topK",
                "moe.expertIntermediateSize");
        List<String> badInts = List.of("<missing>", "\"8\"", "true", "[1]", "{}", "0", "-1", "1.5", "1000000000",
                "2147483648", "1e300");
        for (String key : mixtralInts) {
            for (String v : badInts) {
                all.add(yaml("mixtral-8x7b.yaml", key, v, key));
            }
        }
        for (String v : List.of("<missing>", "\"8\"", "0", "-1", "1000000000")) {
            all.add(yaml("mixtral-8x7b.yaml", "maxContextTokens", v, "maxContextTokens"));
        }
        // the case: a million experts
        all.add(yaml("mixtral-8x7b.yaml", "moe.numRoutedExperts", "1000000", "moe.numRoutedExperts"));
        all.add(yaml("mixtral-8x7b.yaml", "moe.numRoutedExperts", "1e6", "moe.numRoutedExperts"));
        all.add(yaml("mixtral-8x7b.yaml", "moe.numRoutedExperts", "16385", "moe.numRoutedExperts"));
        String[][] others = {
            {"mtpModules", "-1", "mtpModules"}, {"mtpModules", "\"0\"", "mtpModules"}, {"mtpModules", "2000", "mtpModules"},
            {"firstDenseLayers", "-1", "firstDenseLayers"}, {"firstDenseLayers", "33", "firstDenseLayers"},
            {"firstDenseLayers", "32", "firstDenseLayers"}, {"moeLayerStep", "0", "moeLayerStep"},
            {"moeLayerStep", "33", "moeLayerStep"}, {"moeLayerStep", "2", "denseIntermediateSize"},
            {"denseIntermediateSize", "-1", "denseIntermediateSize"}, {"denseIntermediateSize", "\"0\"", "denseIntermediateSize"},
            {"tiedEmbeddings", "<missing>", "tiedEmbeddings"}, {"tiedEmbeddings", "\"false\"", "tiedEmbeddings"},
            {"tiedEmbeddings", "0", "tiedEmbeddings"}, {"attention.qkvBias", "\"x\"", "attention.qkvBias"},
            {"moe.routing.normalizeTopK", "<missing>", "moe.routing.normalizeTopK"},
            {"moe.routing.normalizeTopK", "1", "moe.routing.normalizeTopK"},
            {"id", "<missing>", "id"}, {"id", "1", "id"}, {"id", "[]", "id"}, {"displayName", "<missing>", "displayName"},
            {"displayName", "5", "displayName"}, {"architecture", "<missing>", "architecture"},
            {"source", "<missing>", "source"}, {"source", "{}", "source"},
            {"attention.type", "<missing>", "attention.type"}, {"attention.type", "\"xyz\"", "attention.type"},
            {"attention.type", "1", "attention.type"}, {"moe.routing.scoring", "<missing>", "moe.routing.scoring"},
            {"moe.routing.scoring", "\"relu\"", "moe.routing.scoring"}, {"attention", "<missing>", "attention"},
            {"attention", "5", "attention"}, {"attention", "[]", "attention"}, {"moe", "<missing>", "moe"},
            {"moe", "\"x\"", "moe"}, {"moe.routing", "<missing>", "moe.routing"}, {"moe.routing", "1", "moe.routing"},
            {"published", "1", "published"}, {"published.totalBillions", "-1", "published.totalBillions"},
            {"published.totalBillions", "\"x\"", "published.totalBillions"},
            {"published.totalBillions", "<missing>", "published.totalBillions"},
            {"published.activeBillions", "0", "published.activeBillions"},
            {"published.activeBillions", "1000", "published.activeBillions"},
            {"published.source", "<missing>", "published.source"},
            {"moe.routing.numGroups", "0", "moe.routing.numGroups"}, {"moe.routing.numGroups", "3", "moe.routing.numGroups"},
            {"moe.routing.topKGroups", "2", "moe.routing.topKGroups"}, {"moe.routing.topKGroups", "0", "moe.routing.topKGroups"},
            {"moe.routing.routedScalingFactor", "0", "moe.routing.routedScalingFactor"},
            {"moe.routing.routedScalingFactor", "-1", "moe.routing.routedScalingFactor"},
            {"moe.routing.routedScalingFactor", "\"x\"", "moe.routing.routedScalingFactor"},
            {"moe.routing.routedScalingFactor", "1e400", "moe.routing.routedScalingFactor"},
            {"attention.numKvHeads", "3", "attention.numKvHeads"}, {"moe.topK", "9", "moe.topK"},
            {"moe.topK", "65", "moe.topK"}, {"attention.slidingWindowTokens", "-1", "attention.slidingWindowTokens"},
            {"attention.slidingWindowLayers", "5", "attention.slidingWindowLayers"},
            {"moe.numSharedExperts", "1", "moe.sharedExpertIntermediateSize"},
            // unknown keys (typos) at each level
            {"numLayer", "32", "numLayer"}, {"attention.numHead", "32", "attention.numHead"},
            {"moe.routing.numGroup", "1", "moe.routing.numGroup"}, {"published.total", "1", "published.total"},
            {"moe.experts", "8", "moe.experts"}, {"attention.kvLoraRank", "512", "attention.kvLoraRank"},
        };
        for (String[] o : others) {
            all.add(yaml("mixtral-8x7b.yaml", o[0], o[1], o[2]));
        }
        String[][] deepseek = {
            {"attention.qLoraRank", "-1", "attention.qLoraRank"}, {"attention.qLoraRank", "1.5", "attention.qLoraRank"},
            {"attention.qLoraRank", "<missing>", "attention.qLoraRank"},
            {"attention.kvLoraRank", "0", "attention.kvLoraRank"}, {"attention.kvLoraRank", "<missing>", "attention.kvLoraRank"},
            {"attention.qkNopeHeadDim", "0", "attention.qkNopeHeadDim"}, {"attention.qkRopeHeadDim", "-1", "attention.qkRopeHeadDim"},
            {"attention.vHeadDim", "1000000000", "attention.vHeadDim"}, {"attention.headDim", "128", "attention.headDim"},
            {"moe.numSharedExperts", "-1", "moe.numSharedExperts"}, {"moe.numSharedExperts", "100", "moe.numSharedExperts"},
            {"moe.sharedExpertIntermediateSize", "0", "moe.sharedExpertIntermediateSize"},
            {"moe.routing.numGroups", "7", "moe.routing.numGroups"}, {"moe.routing.topKGroups", "9", "moe.routing.topKGroups"},
            {"moe.numRoutedExperts", "1000000000", "moe.numRoutedExperts"}, {"moe.topK", "257", "moe.topK"},
            {"firstDenseLayers", "61", "firstDenseLayers"}, {"denseIntermediateSize", "0", "denseIntermediateSize"},
        };
        for (String[] o : deepseek) {
            all.add(yaml("deepseek-v3.yaml", o[0], o[1], o[2]));
        }
        // whole-file problems
        String[][] texts = {
            {"duplicate key", "numLayers: 32\n", "numLayers"},
            {"second document", "---\nid: other\n", "more than one"},
            {"tab indentation", "moe:\n\tnumRoutedExperts: 8\n", "line"},
            {"unclosed quote", "extra: \"unterminated\n", "line"},
        };
        for (String[] t : texts) {
            all.add(new Case("model YAML " + t[0], work -> {
                Path file = work.resolve("model.yaml");
                Files.writeString(file, Files.readString(CATALOG.resolve("mixtral-8x7b.yaml")) + t[1]);
                return showYaml(file, "model.yaml", t[2]);
            }));
        }
        all.add(new Case("model YAML not UTF-8", work -> {
            Path file = work.resolve("model.yaml");
            Files.write(file, concat(Files.readAllBytes(CATALOG.resolve("mixtral-8x7b.yaml")),
                    new byte[] {'#', ' ', (byte) 0xc3, (byte) 0x28, '\n'}));
            return showYaml(file, "model.yaml", "UTF-8");
        }));
        all.add(new Case("model YAML empty", work -> {
            Path file = write(work.resolve("model.yaml"), "");
            return showYaml(file, "model.yaml", "document");
        }));
        all.add(new Case("model YAML a list", work -> {
            Path file = write(work.resolve("model.yaml"), "- 1\n- 2\n");
            return showYaml(file, "model.yaml", "document");
        }));
        all.add(new Case("model YAML is a folder", work -> {
            Path file = Files.createDirectory(work.resolve("model.yaml"));
            return showYaml(file, "model.yaml", "catalog id");
        }));
        for (int cut : new int[] {10, 100, 300, 600}) {
            all.add(new Case("model YAML truncated to " + cut + " bytes", work -> {
                Path file = work.resolve("model.yaml");
                writeYaml(file, readYaml(CATALOG.resolve("mixtral-8x7b.yaml")));
                byte[] b = Files.readAllBytes(file);
                Files.write(file, Arrays.copyOf(b, Math.min(cut, b.length - 1)));
                return showYaml(file, "model.yaml");
            }));
        }
    }

    private static Case yaml(String fixture, String key, String value, String mustName) {
        return new Case("model YAML " + fixture + " " + key + "=" + value, work -> {
            ObjectNode root = readYaml(CATALOG.resolve(fixture));
            setPath(root, key, value);
            Path file = work.resolve("model.yaml");
            writeYaml(file, root);
            return showYaml(file, "model.yaml", mustName);
        });
    }

    private static Invocation showYaml(Path file, String... mustName) {
        return new Invocation(List.of(mustName), List.of("models", "show", file.toString()));
    }

    // ---------------------------------------------------------------- safetensors

    private static final List<String> SOME_TENSORS = List.of("model.embed_tokens.weight",
            "model.layers.0.self_attn.q_proj.weight", "model.layers.1.block_sparse_moe.gate.weight",
            "model.layers.2.block_sparse_moe.experts.3.w2.weight", "model.layers.0.input_layernorm.weight",
            "lm_head.weight");

    private static void safetensorsCases(List<Case> all) {
        for (String t : SOME_TENSORS) {
            Object[][] edits = {
                {"renamed", (HeaderEdit) h -> h.set(t + ".renamed", h.remove(t))},
                {"dtype I32", (HeaderEdit) h -> ((ObjectNode) h.get(t)).put("dtype", "I32")},
                {"dtype F16", (HeaderEdit) h -> ((ObjectNode) h.get(t)).put("dtype", "F16")},
                {"dtype BF16", (HeaderEdit) h -> ((ObjectNode) h.get(t)).put("dtype", "BF16")},
                {"dtype F64", (HeaderEdit) h -> ((ObjectNode) h.get(t)).put("dtype", "F64")},
                {"dtype XYZ", (HeaderEdit) h -> ((ObjectNode) h.get(t)).put("dtype", "XYZ")},
                {"dtype 5", (HeaderEdit) h -> ((ObjectNode) h.get(t)).put("dtype", 5)},
                {"dtype missing", (HeaderEdit) h -> ((ObjectNode) h.get(t)).remove("dtype")},
                {"shape []", (HeaderEdit) h -> ((ObjectNode) h.get(t)).putArray("shape")},
                {"shape transposed", (HeaderEdit) h -> reverse((ArrayNode) h.get(t).get("shape"))},
                {"shape with a leading 1", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("shape")).insert(0, 1)},
                {"shape negative", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("shape")).set(0, -1)},
                {"shape string", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("shape")).set(0, "64")},
                {"shape fractional", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("shape")).set(0, 1.5)},
                {"shape huge", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("shape")).set(0, Long.MAX_VALUE)},
                {"shape not a list", (HeaderEdit) h -> ((ObjectNode) h.get(t)).put("shape", "x")},
                {"data_offsets reversed", (HeaderEdit) h -> reverse((ArrayNode) h.get(t).get("data_offsets"))},
                {"data_offsets end +4", (HeaderEdit) h -> bump((ArrayNode) h.get(t).get("data_offsets"), 1, 4)},
                {"data_offsets begin -4", (HeaderEdit) h -> bump((ArrayNode) h.get(t).get("data_offsets"), 0, -4)},
                {"data_offsets past the end", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("data_offsets")).set(1, 1L << 40)},
                {"data_offsets one number", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("data_offsets")).remove(1)},
                {"data_offsets strings", (HeaderEdit) h -> ((ArrayNode) h.get(t).get("data_offsets")).set(0, "0")},
                {"entry a string", (HeaderEdit) h -> h.put(t, "x")},
            };
            for (Object[] e : edits) {
                boolean symmetric = t.contains("q_proj") || t.contains("layernorm");
                if (!(symmetric && e[0].equals("shape transposed"))) {
                    all.add(safetensors(t + " " + e[0], (HeaderEdit) e[1], t));
                }
            }
        }
        all.add(safetensors("two tensors overlap", h -> {
            ArrayNode q = (ArrayNode) h.get("model.layers.0.self_attn.q_proj.weight").get("data_offsets");
            ((ObjectNode) h.get("model.layers.0.self_attn.o_proj.weight")).set("data_offsets", q.deepCopy());
        }, "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.o_proj.weight"));
        all.add(safetensors("tensor shifted onto its neighbour", h -> {
            ArrayNode k = (ArrayNode) h.get("model.layers.0.self_attn.k_proj.weight").get("data_offsets");
            bump(k, 0, -8);
            bump(k, 1, -8);
        }, "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.q_proj.weight"));
        all.add(safetensors("__metadata__ value a number", h -> ((ObjectNode) h.get("__metadata__")).put("format", 5),
                "__metadata__.format"));
        all.add(safetensors("__metadata__ a string", h -> h.put("__metadata__", "x"), "__metadata__"));
        all.add(safetensors("header a list", h -> {
            throw new HeaderReplaced("[1, 2]");
        }, "header"));
        all.add(safetensors("header duplicate tensor", h -> {
            String text = h.toString();
            String first = "\"model.embed_tokens.weight\":" + h.get("model.embed_tokens.weight");
            throw new HeaderReplaced("{" + first + "," + text.substring(1));
        }, "header", "duplicate"));
        all.add(safetensors("header not UTF-8", h -> {
            throw new HeaderReplaced(null);
        }, "header", "UTF-8"));

        // byte-level damage
        long[] lengths = {0, 1, 8, 1L << 40, Long.MAX_VALUE, -1L};
        for (long len : lengths) {
            all.add(rawSafetensors("header length " + len, b -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len),
                    "header"));
        }
        for (String where : List.of("0", "4", "7", "8", "20", "half header", "header end", "header end+100", "size-1")) {
            all.add(rawSafetensorsResize("truncated at " + where, (b, headerEnd) -> switch (where) {
                case "half header" -> Arrays.copyOf(b, (8 + headerEnd) / 2);
                case "header end" -> Arrays.copyOf(b, headerEnd);
                case "header end+100" -> Arrays.copyOf(b, headerEnd + 100);
                case "size-1" -> Arrays.copyOf(b, b.length - 1);
                default -> Arrays.copyOf(b, Integer.parseInt(where));
            }));
        }
        for (int junk : new int[] {1, 7, 4096}) {
            all.add(rawSafetensorsResize("junk appended " + junk + " bytes", (b, headerEnd) -> concat(b, new byte[junk]),
                    "data"));
        }
        // NaN and infinite weights: the error names the tensor
        List<String> routed = List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
                "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                "model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.o_proj.weight",
                "model.layers.0.post_attention_layernorm.weight", "model.layers.1.block_sparse_moe.gate.weight",
                "model.layers.2.input_layernorm.weight");
        for (String t : routed) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                all.add(new Case("safetensors " + t + " holds " + bad, work -> {
                    Path m = twinCopy(work, MIXTRAL_TWIN);
                    poke(m.resolve("model.safetensors"), t, t.equals("model.embed_tokens.weight") ? 64 + 5 : 5, bad);
                    return trace(work, m, "model.safetensors", t);
                }));
            }
        }
        String[][] others = {
            {"deepseek-v3-twin", "model.layers.1.self_attn.kv_a_proj_with_mqa.weight"},
            {"deepseek-v3-twin", "model.layers.1.mlp.gate.e_score_correction_bias"},
            {"deepseek-v3-twin", "model.layers.1.mlp.shared_experts.down_proj.weight"},
            {"deepseek-v3-twin", "model.layers.0.mlp.gate_proj.weight"},
            {"qwen3-moe-twin", "model.layers.0.self_attn.q_norm.weight"},
            {"qwen3-moe-twin", "model.layers.2.mlp.gate.weight"},
        };
        for (String[] o : others) {
            Path twin = REPO.resolve("models/twins").resolve(o[0]);
            all.add(new Case("safetensors " + o[0] + " " + o[1] + " renamed", work -> {
                Path m = twinCopy(work, twin);
                renameTensor(m.resolve("model.safetensors"), o[1]);
                return trace(work, m, "model.safetensors", o[1]);
            }));
            all.add(new Case("safetensors " + o[0] + " " + o[1] + " holds NaN", work -> {
                Path m = twinCopy(work, twin);
                poke(m.resolve("model.safetensors"), o[1], 1, Float.NaN);
                return trace(work, m, "model.safetensors", o[1]);
            }));
        }
        all.add(new Case("safetensors model.safetensors is a folder", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Files.delete(m.resolve("model.safetensors"));
            Files.createDirectory(m.resolve("model.safetensors"));
            return trace(work, m, "model.safetensors", "checkpoint");
        }));
    }

    /** An edit of a parsed safetensors header. */
    @FunctionalInterface
    interface HeaderEdit {
        void apply(ObjectNode header);
    }

    /** Thrown by an edit that replaces the whole header text (null: a non-UTF-8 byte in a tensor name). */
    static final class HeaderReplaced extends RuntimeException {
        final String text;

        HeaderReplaced(String text) {
            super(null, null, false, false);
            this.text = text;
        }
    }

    private static Case safetensors(String what, HeaderEdit edit, String... mustName) {
        return new Case("safetensors " + what, work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Path file = m.resolve("model.safetensors");
            byte[] b = Files.readAllBytes(file);
            int headerLength = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            ObjectNode header = (ObjectNode) JSON.readTree(new String(b, 8, headerLength, StandardCharsets.UTF_8));
            byte[] headerBytes;
            try {
                edit.apply(header);
                headerBytes = JSON.writeValueAsBytes(header);
            } catch (HeaderReplaced r) {
                if (r.text == null) {
                    headerBytes = Arrays.copyOfRange(b, 8, 8 + headerLength);
                    int quote = indexOf(headerBytes, (byte) '"', 0);
                    headerBytes[quote + 1] = (byte) 0xfe;
                } else {
                    headerBytes = r.text.getBytes(StandardCharsets.UTF_8);
                }
            }
            ByteBuffer out = ByteBuffer.allocate(8 + headerBytes.length + b.length - 8 - headerLength)
                    .order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(headerBytes.length).put(headerBytes).put(b, 8 + headerLength, b.length - 8 - headerLength);
            Files.write(file, out.array());
            List<String> names = new ArrayList<>(List.of("model.safetensors"));
            names.addAll(List.of(mustName));
            return trace(work, m, names.toArray(String[]::new));
        });
    }

    private static Case rawSafetensors(String what, Consumer<byte[]> edit, String field) {
        return new Case("safetensors " + what, work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Path file = m.resolve("model.safetensors");
            byte[] b = Files.readAllBytes(file);
            edit.accept(b);
            Files.write(file, b);
            return trace(work, m, "model.safetensors", field);
        });
    }

    @FunctionalInterface
    interface Resize {
        byte[] apply(byte[] file, int headerEnd);
    }

    private static Case rawSafetensorsResize(String what, Resize resize, String... field) {
        return new Case("safetensors " + what, work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Path file = m.resolve("model.safetensors");
            byte[] b = Files.readAllBytes(file);
            int headerEnd = 8 + (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            Files.write(file, resize.apply(b, headerEnd));
            List<String> names = new ArrayList<>(List.of("model.safetensors"));
            names.addAll(List.of(field));
            return trace(work, m, names.toArray(String[]::new));
        });
    }

    /** Renames tensor {@code name} (same length, so the data section is unchanged). */
    private static void renameTensor(Path file, String name) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int headerLength = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(b, 8, headerLength, StandardCharsets.UTF_8);
        String renamed = "\"" + name.substring(0, name.length() - 1) + "X\"";
        assertTrue(header.contains("\"" + name + "\""), name);
        byte[] h = header.replace("\"" + name + "\"", renamed).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(h, 0, b, 8, h.length);
        Files.write(file, b);
    }

    /** Writes {@code value} as the float32 at element {@code index} of F32 tensor {@code name}. */
    private static void poke(Path file, String name, int index, float value) throws IOException {
        byte[] b = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) bb.getLong(0);
        JsonNode header = JSON.readTree(new String(b, 8, headerLength, StandardCharsets.UTF_8));
        assertEquals("F32", header.get(name).get("dtype").asText());
        long begin = header.get(name).get("data_offsets").get(0).asLong();
        bb.putFloat((int) (8 + headerLength + begin + 4L * index), value);
        Files.write(file, b);
    }

    // ---------------------------------------------------------------- sharded index

    private static void shardIndexCases(List<Case> all) {
        String t = "model.layers.1.block_sparse_moe.gate.weight";
        String[][] escapes = {
            {"parent folder", "../outside.safetensors", "leaves"},
            {"etc passwd", "../../etc/passwd", "leaves"},
            {"absolute path", "/etc/passwd", "absolute"},
            {"dot-dot inside", "sub/../../outside.safetensors", "leaves"},
            {"dot slash dot-dot", "./../outside.safetensors", "leaves"},
            {"the folder itself", ".", "leaves"},
            {"missing shard", "nope.safetensors", "does not exist"},
            {"empty name", "", "shard"},
        };
        for (String[] e : escapes) {
            all.add(shard("shard path " + e[0], index -> ((ObjectNode) index.get("weight_map")).put(t, e[1]),
                    "model.safetensors.index.json", "weight_map", e[2]));
        }
        all.add(new Case("shard index symlink to a file outside", work -> {
            Path m = shardedCopy(work.resolve("m"), index -> ((ObjectNode) index.get("weight_map")).put(t, "link.safetensors"));
            Files.copy(m.resolve(SHARD), work.resolve("outside.safetensors"));
            Files.createSymbolicLink(m.resolve("link.safetensors"), Path.of("..", "outside.safetensors"));
            return trace(work, m, "model.safetensors.index.json", "link");
        }));
        all.add(new Case("shard index symlinked folder outside", work -> {
            Path m = shardedCopy(work.resolve("m"), index -> ((ObjectNode) index.get("weight_map")).put(t, "sub/x.safetensors"));
            Path outside = Files.createDirectories(work.resolve("outside"));
            Files.copy(m.resolve(SHARD), outside.resolve("x.safetensors"));
            Files.createSymbolicLink(m.resolve("sub"), Path.of("..", "outside"));
            return trace(work, m, "model.safetensors.index.json", "link");
        }));
        all.add(new Case("shard index shard is a folder", work -> {
            Path m = shardedCopy(work.resolve("m"), index -> ((ObjectNode) index.get("weight_map")).put(t, "dir.safetensors"));
            Files.createDirectory(m.resolve("dir.safetensors"));
            return trace(work, m, "model.safetensors.index.json", "regular file");
        }));
        Object[][] maps = {
            {"shard name a number", (IndexEdit) i -> ((ObjectNode) i.get("weight_map")).put(t, 5), "weight_map"},
            {"shard name null", (IndexEdit) i -> ((ObjectNode) i.get("weight_map")).putNull(t), "weight_map"},
            {"shard name a list", (IndexEdit) i -> ((ObjectNode) i.get("weight_map")).putArray(t), "weight_map"},
            {"weight_map missing", (IndexEdit) i -> i.remove("weight_map"), "weight_map"},
            {"weight_map a string", (IndexEdit) i -> i.put("weight_map", "x"), "weight_map"},
            {"weight_map a list", (IndexEdit) i -> i.putArray("weight_map"), "weight_map"},
            {"weight_map empty", (IndexEdit) i -> i.putObject("weight_map"), "weight_map"},
            {"tensor not in its shard", (IndexEdit) i -> ((ObjectNode) i.get("weight_map")).put("model.fake.weight", SHARD),
                "model.fake.weight"},
            {"needed tensor not listed", (IndexEdit) i -> ((ObjectNode) i.get("weight_map")).remove(t), t},
        };
        for (Object[] e : maps) {
            all.add(shard((String) e[0], (IndexEdit) e[1], e[2].equals("model.fake.weight")
                    ? new String[] {SHARD, "model.fake.weight"} : new String[] {"model.safetensors.index.json", (String) e[2]}));
        }
        Map<String, FileMutation> files = fileMutations("{}", "\"metadata\"");
        files.remove("NaN literal");
        files.forEach((what, mutation) -> all.add(new Case("shard index file " + what, work -> {
            Path m = shardedCopy(work.resolve("m"), i -> { });
            String word = mutation.apply(m.resolve("model.safetensors.index.json"));
            return trace(work, m, "model.safetensors.index.json", word);
        })));
    }

    @FunctionalInterface
    interface IndexEdit {
        void apply(ObjectNode index);
    }

    private static Case shard(String what, IndexEdit edit, String... mustName) {
        return new Case("shard index " + what, work -> {
            Path m = shardedCopy(work.resolve("m"), edit);
            Files.copy(m.resolve(SHARD), work.resolve("outside.safetensors"));
            return trace(work, m, mustName);
        });
    }

    /** A copy of the Mixtral twin with its weights as the one shard of a sharded checkpoint. */
    private static Path shardedCopy(Path m, IndexEdit edit) throws IOException {
        Files.createDirectories(m);
        for (String f : List.of("config.json", "tokenizer.json")) {
            Files.copy(MIXTRAL_TWIN.resolve(f), m.resolve(f));
        }
        Files.copy(MIXTRAL_TWIN.resolve("model.safetensors"), m.resolve(SHARD));
        byte[] b = Files.readAllBytes(m.resolve(SHARD));
        int headerLength = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        JsonNode header = JSON.readTree(new String(b, 8, headerLength, StandardCharsets.UTF_8));
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", b.length - 8 - headerLength);
        ObjectNode map = index.putObject("weight_map");
        for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("__metadata__")) {
                map.put(name, SHARD);
            }
        }
        edit.apply(index);
        Files.write(m.resolve("model.safetensors.index.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        return m;
    }

    // ---------------------------------------------------------------- tokenizer.json and --text

    private static void tokenizerCases(List<Case> all) {
        Object[][] edits = {
            {"model missing", (TokEdit) t -> t.remove("model"), "model"},
            {"model a number", (TokEdit) t -> t.put("model", 5), "model"},
            {"model.type Unigram", (TokEdit) t -> model(t).put("type", "Unigram"), "model.type"},
            {"model.type a number", (TokEdit) t -> model(t).put("type", 5), "type"},
            {"model.vocab missing", (TokEdit) t -> model(t).remove("vocab"), "model.vocab"},
            {"model.vocab a string", (TokEdit) t -> model(t).put("vocab", "x"), "model.vocab"},
            {"model.vocab a list", (TokEdit) t -> model(t).putArray("vocab"), "model.vocab"},
            {"model.vocab id negative", (TokEdit) t -> ((ObjectNode) model(t).get("vocab")).put("!", -1), "model.vocab"},
            {"model.vocab id a string", (TokEdit) t -> ((ObjectNode) model(t).get("vocab")).put("!", "33"), "model.vocab"},
            {"model.vocab id fractional", (TokEdit) t -> ((ObjectNode) model(t).get("vocab")).put("!", 1.5), "model.vocab"},
            {"model.vocab id huge", (TokEdit) t -> ((ObjectNode) model(t).get("vocab")).put("!", 1L << 40), "model.vocab"},
            {"model.merges missing", (TokEdit) t -> model(t).remove("merges"), "model.merges"},
            {"model.merges a string", (TokEdit) t -> model(t).put("merges", "x"), "model.merges"},
            {"model.merges entry without space", (TokEdit) t -> model(t).putArray("merges").add("ab"), "model.merges[0]"},
            {"model.merges entry unknown tokens", (TokEdit) t -> model(t).putArray("merges").add("zz qq"), "model.merges[0]"},
            {"model.merges entry a number", (TokEdit) t -> model(t).putArray("merges").add(5), "model.merges[0]"},
            {"model.unk_token unknown", (TokEdit) t -> model(t).put("unk_token", "<nope>"), "model.unk_token"},
            {"model.dropout 0.5", (TokEdit) t -> model(t).put("dropout", 0.5), "model.dropout"},
            {"model.dropout a string", (TokEdit) t -> model(t).put("dropout", "x"), "model.dropout"},
            {"model.byte_fallback a string", (TokEdit) t -> model(t).put("byte_fallback", "yes"), "byte_fallback"},
            {"added_tokens a string", (TokEdit) t -> t.put("added_tokens", "x"), "added_tokens"},
            {"added_tokens id negative", (TokEdit) t -> added(t).put("id", -1), "added_tokens[0].id"},
            {"added_tokens id a string", (TokEdit) t -> added(t).put("id", "256"), "added_tokens[0].id"},
            {"added_tokens id missing", (TokEdit) t -> added(t).remove("id"), "added_tokens[0].id"},
            {"added_tokens content missing", (TokEdit) t -> added(t).remove("content"), "added_tokens[0].content"},
            {"added_tokens special a string", (TokEdit) t -> added(t).put("special", "yes"), "special"},
            {"pre_tokenizer type unknown", (TokEdit) t -> ((ObjectNode) t.get("pre_tokenizer")).put("type", "Magic"),
                "pre_tokenizer.type"},
            {"pre_tokenizer add_prefix_space a string", (TokEdit) t -> ((ObjectNode) t.get("pre_tokenizer"))
                .put("add_prefix_space", "x"), "add_prefix_space"},
            {"decoder type unknown", (TokEdit) t -> ((ObjectNode) t.get("decoder")).put("type", "Magic"), "decoder.type"},
            {"normalizer type unknown", (TokEdit) t -> t.putObject("normalizer").put("type", "Magic"), "normalizer.type"},
            {"post_processor type unknown", (TokEdit) t -> t.putObject("post_processor").put("type", "Magic"),
                "post_processor.type"},
        };
        for (Object[] e : edits) {
            all.add(new Case("tokenizer.json " + e[0], work -> {
                Path m = twinCopy(work, MIXTRAL_TWIN);
                ObjectNode tok = (ObjectNode) JSON.readTree(m.resolve("tokenizer.json").toFile());
                ((TokEdit) e[1]).apply(tok);
                Files.write(m.resolve("tokenizer.json"), JSON.writeValueAsBytes(tok));
                return traceText(work, m, "hello", "tokenizer.json", (String) e[2]);
            }));
        }
        Map<String, FileMutation> files = fileMutations("{}", "\"version\"");
        files.remove("NaN literal");
        files.put("a JSON array", f -> {
            Files.writeString(f, "[1, 2, 3]");
            return "json";
        });
        files.put("empty", f -> {
            Files.write(f, new byte[0]);
            return "json";
        });
        files.forEach((what, mutation) -> all.add(new Case("tokenizer.json file " + what, work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            String word = mutation.apply(m.resolve("tokenizer.json"));
            return traceText(work, m, "hello", "tokenizer.json", word);
        })));
        all.add(new Case("tokenizer.json missing", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Files.delete(m.resolve("tokenizer.json"));
            return traceText(work, m, "hello", "tokenizer.json", "missing");
        }));
        all.add(new Case("tokenizer.json is a folder", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Files.delete(m.resolve("tokenizer.json"));
            Files.createDirectory(m.resolve("tokenizer.json"));
            return traceText(work, m, "hello", "tokenizer.json", "folder");
        }));
        // the --text file itself
        all.add(new Case("--text empty", work -> traceText(work, twinCopy(work, MIXTRAL_TWIN), "", "text.txt", "--text")));
        all.add(new Case("--text not UTF-8", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Invocation run = traceText(work, m, "hello", "text.txt", "--text", "UTF-8");
            Files.write(work.resolve("text.txt"), new byte[] {'h', 'i', (byte) 0xff, (byte) 0xfe});
            return run;
        }));
        all.add(new Case("--text is a folder", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Invocation run = traceText(work, m, "hello", "text.txt", "--text", "folder");
            Files.delete(work.resolve("text.txt"));
            Files.createDirectory(work.resolve("text.txt"));
            return run;
        }));
        all.add(new Case("--text missing", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Invocation run = traceText(work, m, "hello", "text.txt", "--text", "no such file");
            Files.delete(work.resolve("text.txt"));
            return run;
        }));
    }

    @FunctionalInterface
    interface TokEdit {
        void apply(ObjectNode tokenizer);
    }

    private static ObjectNode model(ObjectNode tokenizer) {
        return (ObjectNode) tokenizer.get("model");
    }

    private static ObjectNode added(ObjectNode tokenizer) {
        return (ObjectNode) tokenizer.get("added_tokens").get(0);
    }

    private static Invocation traceText(Path work, Path modelDir, String text, String... mustName) throws IOException {
        Path file = write(work.resolve("text.txt"), text);
        return new Invocation(List.of(mustName), List.of("trace", "--model", modelDir.toString(), "--text",
                file.toString(), "--out", work.resolve("out.moetrace").toString()));
    }

    // ---------------------------------------------------------------- token ids

    private static void tokenIdCases(List<Case> all) {
        String[][] texts = {
            {"empty", "", "token ids"}, {"only a comment", "# nothing here\n", "token ids"},
            {"only blank lines", "  \n\n\t\n", "token ids"}, {"only commas", ",,,", "token ids"},
            {"a word", "abc", "line 1"}, {"a word on line 3", "1 2\n3 4\n5 x 6\n", "line 3"},
            {"negative", "1 -1", "line 1"}, {"fractional", "1.5", "line 1"}, {"at the vocab size", "257", "line 1"},
            {"huge", "99999999999999999999", "line 1"}, {"long max", "9223372036854775807", "line 1"},
            {"semicolons", "1;2", "line 1"}, {"hex", "0x10", "line 1"},
            {"an object", "{\"ids\": [1]}", "line 1"},
            {"json empty", "[]", "token ids"}, {"json a string", "[1, \"2\"]", "[1]"}, {"json fractional", "[1, 2.5]", "[1]"},
            {"json negative", "[-1]", "[0]"}, {"json at the vocab size", "[257]", "[0]"}, {"json nested", "[[1]]", "[0]"},
            {"json null", "[1, null]", "[1]"}, {"json true", "[true]", "[0]"}, {"json huge", "[1e30]", "[0]"},
            {"json truncated", "[1, 2", "json"}, {"json two arrays", "[1] [2]", "json"}, {"json trailing comma", "[1, 2,]", "json"},
            {"json NaN", "[NaN]", "json"},
        };
        for (String[] t : texts) {
            all.add(new Case("token ids " + t[0], work -> {
                Path m = twinCopy(work, MIXTRAL_TWIN);
                Path ids = write(work.resolve("ids.txt"), t[1]);
                return new Invocation(List.of("ids.txt", t[2]), List.of("trace", "--model", m.toString(), "--token-ids",
                        ids.toString(), "--out", work.resolve("out.moetrace").toString()));
            }));
        }
        Object[][] files = {
            {"not UTF-8", (FileMutation) f -> {
                Files.write(f, new byte[] {'1', ' ', (byte) 0xc0, ' ', '2'});
                return "UTF-8";
            }},
            {"a folder", (FileMutation) f -> {
                Files.createDirectory(f);
                return "folder";
            }},
            {"missing", (FileMutation) f -> "no such file"},
        };
        for (Object[] e : files) {
            all.add(new Case("token ids file " + e[0], work -> {
                Path m = twinCopy(work, MIXTRAL_TWIN);
                Path ids = work.resolve("ids.txt");
                String word = ((FileMutation) e[1]).apply(ids);
                return new Invocation(List.of("ids.txt", word), List.of("trace", "--model", m.toString(), "--token-ids",
                        ids.toString(), "--out", work.resolve("out.moetrace").toString()));
            }));
        }
    }

    // ---------------------------------------------------------------- router traces

    private static final int TRACE_TOKENS = 40;
    private static final int LAYERS = 3;
    private static final int TOP_K = 2;
    private static final int EXPERTS = 8;

    /** A trace header as this test encodes it (docs/trace-format.md). */
    record Header(String model, String arch, int numLayers, int[] moeLayers, int experts, int topK, int idBytes,
                  int weightFormat, String[] metadata) {
        static Header valid() {
            return new Header("mixtral-twin", "MixtralForCausalLM", LAYERS, new int[] {0, 1, 2}, EXPERTS, TOP_K, 1, 1,
                    new String[] {"source_text", "fuzz", "created_by", "ModelInputFuzzTest"});
        }

        byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            putString(b, model);
            putString(b, arch);
            b.putInt(numLayers).putInt(moeLayers.length);
            for (int l : moeLayers) {
                b.putInt(l);
            }
            b.putInt(experts).putInt(topK).put((byte) idBytes).put((byte) weightFormat).putShort((short) 0);
            b.putInt(metadata.length / 2);
            for (String s : metadata) {
                putString(b, s);
            }
            return Arrays.copyOf(b.array(), b.position());
        }

        private static void putString(ByteBuffer b, String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            b.putInt(bytes.length).put(bytes);
        }
    }

    /** Editable contents of a trace: header fields, then per token (seq, pos, id) and [layer][k] ids and weights. */
    static final class TraceSpec {
        Header header = Header.valid();
        byte[] headerBody;            // when set, used instead of header.encode()
        int version = 1;
        Integer headerLength;         // when set, written instead of the true length
        int[] seq = new int[TRACE_TOKENS];
        int[] pos = new int[TRACE_TOKENS];
        int[] tok = new int[TRACE_TOKENS];
        int[][][] ids = new int[TRACE_TOKENS][LAYERS][TOP_K];
        float[][][] w = new float[TRACE_TOKENS][LAYERS][TOP_K];
        Long endTotal;                // when set, written in the end marker instead of the token count
        Integer chunkCount;           // when set, written as the chunk's token count

        TraceSpec() {
            for (int t = 0; t < TRACE_TOKENS; t++) {
                seq[t] = t / 10;
                pos[t] = t % 10;
                tok[t] = (t * 7) % 257;
                for (int l = 0; l < LAYERS; l++) {
                    ids[t][l][0] = (t + l) % EXPERTS;
                    ids[t][l][1] = (t + l + 3) % EXPERTS;
                    w[t][l][0] = 0.75f;
                    w[t][l][1] = 0.25f;
                }
            }
        }

        byte[] encode() {
            byte[] body = headerBody != null ? headerBody : header.encode();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer start = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            start.put(new byte[] {(byte) 0x89, 'M', 'O', 'E', 'T', 'R', 'C', '\n'});
            start.putShort((short) version).putShort((short) 0).putInt(headerLength != null ? headerLength : body.length);
            out.writeBytes(start.array());
            out.writeBytes(body);
            out.writeBytes(le(crc(body)));
            int tokens = seq.length;
            if (tokens > 0) {
                ByteBuffer payload = ByteBuffer.allocate(tokens * (12 + LAYERS * TOP_K * 5)).order(ByteOrder.LITTLE_ENDIAN);
                for (int t = 0; t < tokens; t++) {
                    payload.putInt(seq[t]).putInt(pos[t]).putInt(tok[t]);
                    for (int l = 0; l < LAYERS; l++) {
                        for (int j = 0; j < TOP_K; j++) {
                            payload.put((byte) ids[t][l][j]);
                        }
                        for (int j = 0; j < TOP_K; j++) {
                            payload.putFloat(w[t][l][j]);
                        }
                    }
                }
                out.writeBytes(le(chunkCount != null ? chunkCount : tokens));
                out.writeBytes(payload.array());
                out.writeBytes(le(crc(payload.array())));
            }
            out.writeBytes(le(0));
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(endTotal != null ? endTotal : tokens).array());
            return out.toByteArray();
        }
    }

    static byte[] validTrace() {
        return new TraceSpec().encode();
    }

    private static void traceFileCases(List<Case> all) {
        Object[][] semantic = {
            {"expert id = expert count", (Consumer<TraceSpec>) s -> s.ids[3][1][0] = EXPERTS, "experts"},
            {"expert id 255", (Consumer<TraceSpec>) s -> s.ids[0][0][1] = 255, "experts"},
            {"expert chosen twice", (Consumer<TraceSpec>) s -> s.ids[5][2][1] = s.ids[5][2][0], "experts"},
            {"NaN weight", (Consumer<TraceSpec>) s -> s.w[7][0][1] = Float.NaN, "weights"},
            {"NaN first weight", (Consumer<TraceSpec>) s -> s.w[0][0][0] = Float.NaN, "weights"},
            {"infinite weight", (Consumer<TraceSpec>) s -> s.w[7][1][0] = Float.POSITIVE_INFINITY, "weights"},
            {"negative weight", (Consumer<TraceSpec>) s -> s.w[9][2][1] = -0.25f, "weights"},
            {"unordered weights", (Consumer<TraceSpec>) s -> {
                s.w[11][1][0] = 0.25f;
                s.w[11][1][1] = 0.75f;
            }, "weights"},
            {"end marker count too high", (Consumer<TraceSpec>) s -> s.endTotal = (long) TRACE_TOKENS + 1, "end marker"},
            {"end marker count negative", (Consumer<TraceSpec>) s -> s.endTotal = -1L, "end marker"},
            {"no tokens", (Consumer<TraceSpec>) s -> {
                s.seq = new int[0];
            }, "end marker"},
            {"chunk count -1", (Consumer<TraceSpec>) s -> s.chunkCount = -1, "chunk"},
            {"chunk count huge", (Consumer<TraceSpec>) s -> s.chunkCount = Integer.MAX_VALUE, "chunk"},
            {"chunk count one short", (Consumer<TraceSpec>) s -> s.chunkCount = TRACE_TOKENS - 1, "checksum"},
            {"version 2", (Consumer<TraceSpec>) s -> s.version = 2, "version"},
            {"version 0", (Consumer<TraceSpec>) s -> s.version = 0, "version"},
            {"header length huge", (Consumer<TraceSpec>) s -> s.headerLength = -1, "header"},
            {"header length 16M+1", (Consumer<TraceSpec>) s -> s.headerLength = (16 << 20) + 1, "header"},
            {"header length short", (Consumer<TraceSpec>) s -> s.headerLength = 10, "header"},
            {"expert count 0", (Consumer<TraceSpec>) s -> s.header = with(s.header, 0, TOP_K, 1), "header.num_experts"},
            {"expert count 65537", (Consumer<TraceSpec>) s -> s.header = with(s.header, 65537, TOP_K, 2), "header.num_experts"},
            {"top-k 0", (Consumer<TraceSpec>) s -> s.header = with(s.header, EXPERTS, 0, 1), "header.top_k"},
            {"top-k above experts", (Consumer<TraceSpec>) s -> s.header = with(s.header, 1, TOP_K, 1), "header.top_k"},
            {"expert id bytes 2 for 8 experts", (Consumer<TraceSpec>) s -> s.header = with(s.header, EXPERTS, TOP_K, 2),
                "expert_id_bytes"},
            {"weight format 2", (Consumer<TraceSpec>) s -> s.header = new Header("m", "a", LAYERS, new int[] {0, 1, 2},
                EXPERTS, TOP_K, 1, 2, new String[0]), "weight_format"},
            {"layers decreasing", (Consumer<TraceSpec>) s -> s.header = new Header("m", "a", LAYERS, new int[] {2, 1, 0},
                EXPERTS, TOP_K, 1, 1, new String[0]), "header.moe_layers"},
            {"layer past the model", (Consumer<TraceSpec>) s -> s.header = new Header("m", "a", LAYERS, new int[] {0, 1, 3},
                EXPERTS, TOP_K, 1, 1, new String[0]), "header.moe_layers"},
            {"more recorded layers than layers", (Consumer<TraceSpec>) s -> s.header = new Header("m", "a", 2,
                new int[] {0, 1, 2}, EXPERTS, TOP_K, 1, 1, new String[0]), "header.num_recorded"},
            {"a billion recorded layers", (Consumer<TraceSpec>) s -> {
                byte[] body = s.header.encode();
                ByteBuffer bb = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
                int at = 4 + "mixtral-twin".length() + 4 + "MixtralForCausalLM".length();
                bb.putInt(at, 1_000_000_000).putInt(at + 4, 1_000_000_000);
                s.headerBody = body;
            }, "header.num_recorded"},
            {"metadata key twice", (Consumer<TraceSpec>) s -> s.header = new Header("m", "a", LAYERS, new int[] {0, 1, 2},
                EXPERTS, TOP_K, 1, 1, new String[] {"k", "1", "k", "2"}), "metadata"},
            {"model id not UTF-8", (Consumer<TraceSpec>) s -> {
                byte[] body = s.header.encode();
                body[4] = (byte) 0xff;
                s.headerBody = body;
            }, "header.model"},
            {"model id length huge", (Consumer<TraceSpec>) s -> {
                byte[] body = s.header.encode();
                ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1 << 30);
                s.headerBody = body;
            }, "header.model"},
            {"metadata count huge", (Consumer<TraceSpec>) s -> {
                byte[] body = s.header.encode();
                int at = body.length - 4 - 4 * 4 - "source_textfuzzcreated_byModelInputFuzzTest".length();
                ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).putInt(at, Integer.MAX_VALUE);
                s.headerBody = body;
            }, "metadata"},
            {"header with extra bytes", (Consumer<TraceSpec>) s -> s.headerBody = concat(s.header.encode(), new byte[3]),
                "header"},
            {"header cut", (Consumer<TraceSpec>) s -> s.headerBody = Arrays.copyOf(s.header.encode(), 20), "header"},
        };
        for (Object[] e : semantic) {
            for (boolean gz : new boolean[] {false, true}) {
                TraceSpec spec = new TraceSpec();
                @SuppressWarnings("unchecked")
                Consumer<TraceSpec> edit = (Consumer<TraceSpec>) e[1];
                edit.accept(spec);
                byte[] bytes = spec.encode();
                addTraceCases(all, (String) e[0], gz ? gzip(bytes) : bytes, gz, (String) e[2]);
            }
        }
        byte[] valid = validTrace();
        int headerEnd = 16 + Header.valid().encode().length;
        Object[][] raw = {
            {"empty file", new byte[0], "magic"},
            {"wrong magic", flip(valid, 1), "magic"},
            {"a text file", "{\"not\": \"a trace\"}\n".getBytes(StandardCharsets.UTF_8), "magic"},
            {"header byte flipped", flip(valid, 20), "header"},
            {"header checksum flipped", flip(valid, headerEnd + 1), "header"},
            {"payload byte flipped", flip(valid, headerEnd + 4 + 4 + 20), "checksum"},
            {"payload checksum flipped", flip(valid, valid.length - 12 - 2), "checksum"},
            {"junk appended 1 byte", concat(valid, new byte[1]), "end marker"},
            {"junk appended 100 bytes", concat(valid, new byte[100]), "end marker"},
            {"a second trace appended", concat(valid, valid), "end marker"},
        };
        for (Object[] e : raw) {
            for (boolean gz : new boolean[] {false, true}) {
                byte[] bytes = (byte[]) e[1];
                addTraceCases(all, (String) e[0], gz ? gzip(bytes) : bytes, gz, (String) e[2]);
            }
        }
        int[] cuts = {4, 8, 12, 15, 16, 20, headerEnd - 1, headerEnd, headerEnd + 2, headerEnd + 4, headerEnd + 6,
            headerEnd + 8 + 100, valid.length - 12, valid.length - 6, valid.length - 1};
        for (int cut : cuts) {
            addTraceCases(all, "truncated at " + cut, Arrays.copyOf(valid, cut), false, "trunc");
        }
        byte[] gz = gzip(valid);
        for (int cut : new int[] {1, 2, 5, 10, gz.length / 2, gz.length - 8, gz.length - 4, gz.length - 1}) {
            addTraceCases(all, "gzip truncated at " + cut, Arrays.copyOf(gz, cut), true, "");
        }
        Object[][] gzRaw = {
            {"junk after the gzip stream", concat(gz, "x".getBytes(StandardCharsets.UTF_8)), "end marker"},
            {"zeros after the gzip stream", concat(gz, new byte[100]), "end marker"},
            {"newline after the gzip stream", concat(gz, new byte[] {'\n'}), "end marker"},
            {"half a gzip header after the stream", concat(gz, new byte[] {0x1f}), "end marker"},
            {"gzip member of junk after the stream", concat(gz, gzip("junk".getBytes(StandardCharsets.UTF_8))), "end marker"},
            {"gzip CRC flipped", flip(gz, gz.length - 8), "gzip"},
            {"gzip length flipped", flip(gz, gz.length - 2), "gzip"},
            {"gzip reserved flag", orByte(gz, 3, 0x80), "gzip"},
            {"gzip method 7", setByte(gz, 2, 7), "gzip"},
            {"gzip deflate data flipped", flip(gz, 30), ""},
        };
        for (Object[] e : gzRaw) {
            addTraceCases(all, (String) e[0], (byte[]) e[1], true, (String) e[2]);
        }
        all.add(new Case("trace stats of a folder", work -> new Invocation(List.of("t.moetrace", "folder"),
                List.of("trace", "stats", Files.createDirectory(work.resolve("t.moetrace")).toString()))));
        all.add(new Case("trace stats of a missing file", work -> new Invocation(List.of("t.moetrace", "no such file"),
                List.of("trace", "stats", work.resolve("t.moetrace").toString()))));
        all.add(new Case("trace export of a folder", work -> new Invocation(List.of("t.moetrace", "folder"),
                List.of("trace", "export", Files.createDirectory(work.resolve("t.moetrace")).toString(), "--jsonl",
                        work.resolve("o.jsonl").toString()))));
    }

    private static Header with(Header h, int experts, int topK, int idBytes) {
        return new Header(h.model(), h.arch(), h.numLayers(), h.moeLayers(), experts, topK, idBytes, h.weightFormat(),
                h.metadata());
    }

    /** The same broken trace through {@code trace stats} and {@code trace export}. */
    private static void addTraceCases(List<Case> all, String what, byte[] bytes, boolean gz, String field) {
        String name = gz ? "t.moetrace.gz" : "t.moetrace";
        List<String> mustName = field.isEmpty() ? List.of(name) : List.of(name, field);
        all.add(new Case("trace " + (gz ? "gzip " : "") + what + " (stats)", work -> {
            Path file = write(work.resolve(name), bytes);
            return new Invocation(mustName, List.of("trace", "stats", file.toString()));
        }));
        all.add(new Case("trace " + (gz ? "gzip " : "") + what + " (export)", work -> {
            Path file = write(work.resolve(name), bytes);
            return new Invocation(mustName, List.of("trace", "export", file.toString(), "--jsonl",
                    work.resolve("out.jsonl").toString()));
        }));
    }

    // ---------------------------------------------------------------- command-line arguments

    private static void argumentCases(List<Case> all) {
        for (String context : List.of("0", "-5", "abc", "1e3")) {
            all.add(new Case("trace --context " + context, work -> withArgs(trace(work, twinCopy(work, MIXTRAL_TWIN),
                    "--context"), "--context", context)));
        }
        for (String max : List.of("0", "-1", "x")) {
            all.add(new Case("trace --max-tokens " + max, work -> withArgs(trace(work, twinCopy(work, MIXTRAL_TWIN),
                    "--max-tokens"), "--max-tokens", max)));
        }
        all.add(new Case("trace --out is a folder", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Invocation run = trace(work, m, "out.moetrace", "--out", "folder");
            Files.createDirectory(work.resolve("out.moetrace"));
            return run;
        }));
        all.add(new Case("trace --out under a file", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Path file = write(work.resolve("plain.txt"), "x");
            Path ids = write(work.resolve("ids.txt"), "1 2 3");
            return new Invocation(List.of("--out", "plain.txt"), List.of("trace", "--model", m.toString(),
                    "--token-ids", ids.toString(), "--out", file.resolve("out.moetrace").toString()));
        }));
        all.add(new Case("trace --model missing folder", work -> trace(work, work.resolve("nope"), "nope", "--model")));
        all.add(new Case("trace --model is a file", work -> trace(work, write(work.resolve("m.txt"), "x"), "m.txt",
                "--model")));
        all.add(new Case("trace without --out", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Path ids = write(work.resolve("ids.txt"), "1 2 3");
            return new Invocation(List.of("--out"), List.of("trace", "--model", m.toString(), "--token-ids", ids.toString()));
        }));
        all.add(new Case("trace with --text and --token-ids", work -> {
            Path m = twinCopy(work, MIXTRAL_TWIN);
            Path ids = write(work.resolve("ids.txt"), "1 2 3");
            return new Invocation(List.of("--text", "--token-ids"), List.of("trace", "--model", m.toString(),
                    "--token-ids", ids.toString(), "--text", ids.toString(), "--out", work.resolve("o.moetrace").toString()));
        }));
        all.add(new Case("trace export --jsonl is a folder", work -> {
            Path t = write(work.resolve("t.moetrace"), validTrace());
            Path out = Files.createDirectory(work.resolve("o.jsonl"));
            return new Invocation(List.of("o.jsonl", "--jsonl"), List.of("trace", "export", t.toString(), "--jsonl",
                    out.toString()));
        }));
        all.add(new Case("trace export --jsonl under a file", work -> {
            Path t = write(work.resolve("t.moetrace"), validTrace());
            return new Invocation(List.of("--jsonl", "t.moetrace"), List.of("trace", "export", t.toString(), "--jsonl",
                    t.resolve("o.jsonl").toString()));
        }));
        for (String top : List.of("0", "-3", "many")) {
            all.add(new Case("trace stats --top " + top, work -> {
                Path t = write(work.resolve("t.moetrace"), validTrace());
                return new Invocation(List.of("--top"), List.of("trace", "stats", t.toString(), "--top", top));
            }));
        }
        for (String kv : List.of("0", "-1", "NaN", "x")) {
            all.add(new Case("models show --kv-bytes " + kv, work -> new Invocation(List.of("--kv-bytes"),
                    List.of("models", "show", "mixtral-8x7b", "--kv-bytes", kv))));
        }
        all.add(new Case("models show of an unknown id", work -> new Invocation(List.of("no-such-model", "catalog id"),
                List.of("models", "show", "no-such-model"))));
        all.add(new Case("models show of a folder without config.json", work -> new Invocation(List.of("empty", "catalog id"),
                List.of("models", "show", Files.createDirectory(work.resolve("empty")).toString()))));

        // train
        for (String bytes : List.of("-1", "0", "10", "127", "2000000000")) {
            all.add(new Case("train --traces-only --trace-bytes " + bytes, work -> {
                Path twin = twinCopy(work, MIXTRAL_TWIN);
                Path corpus = fakeCorpus(work);
                return new Invocation(List.of("--trace-bytes"), List.of("train", "--twin", "mixtral-twin", "--traces-only",
                        "--out", twin.toString(), "--corpus", corpus.toString(), "--trace-bytes", bytes));
            }));
        }
        String[][] trainArgs = {
            {"--steps 0", "--steps", "0", "--steps"}, {"--steps -5", "--steps", "-5", "--steps"},
            {"--batch 0", "--batch", "0", "--batch"}, {"--lr 0", "--lr", "0", "--lr"}, {"--lr NaN", "--lr", "NaN", "--lr"},
            {"--lr Infinity", "--lr", "Infinity", "--lr"}, {"--lr -1", "--lr", "-1", "--lr"},
            {"--twin unknown", "--twin", "gpt-twin", "--twin"},
        };
        for (String[] a : trainArgs) {
            all.add(new Case("train " + a[0], work -> {
                List<String> args = new ArrayList<>(List.of("train", "--twin", "mixtral-twin", "--out",
                        work.resolve("out").toString(), "--corpus", fakeCorpus(work).toString()));
                int at = args.indexOf(a[1]);
                if (at >= 0) {
                    args.set(at + 1, a[2]);
                } else {
                    args.addAll(List.of(a[1], a[2]));
                }
                return new Invocation(List.of(a[3]), args);
            }));
        }
        all.add(new Case("train --out is a file", work -> {
            Path file = write(work.resolve("out.txt"), "x");
            return new Invocation(List.of("out.txt", "--out"), List.of("train", "--twin", "mixtral-twin", "--out",
                    file.toString(), "--corpus", fakeCorpus(work).toString()));
        }));
        all.add(new Case("train --out under a file", work -> {
            Path file = write(work.resolve("out.txt"), "x");
            return new Invocation(List.of("out.txt", "--out"), List.of("train", "--twin", "mixtral-twin", "--out",
                    file.resolve("twin").toString(), "--corpus", fakeCorpus(work).toString()));
        }));
        for (String blocker : List.of("README.md", "model.safetensors", "config.json", "tokenizer.json")) {
            all.add(new Case("train --out with " + blocker + " a folder", work -> {
                Path out = Files.createDirectories(work.resolve("out").resolve(blocker)).getParent();
                return new Invocation(List.of(blocker, "--out"), List.of("train", "--twin", "mixtral-twin", "--out",
                        out.toString(), "--corpus", fakeCorpus(work).toString()));
            }));
            all.add(new Case("train --traces-only --out with " + blocker + " a folder", work -> {
                Path out = twinCopy(work, MIXTRAL_TWIN);
                Files.deleteIfExists(out.resolve(blocker));
                Files.createDirectory(out.resolve(blocker));
                return new Invocation(List.of(blocker, "--out"), List.of("train", "--twin", "mixtral-twin", "--traces-only",
                        "--out", out.toString(), "--corpus", fakeCorpus(work).toString()));
            }));
        }
        all.add(new Case("train --traces-only --out with traces a file", work -> {
            Path out = twinCopy(work, MIXTRAL_TWIN);
            write(out.resolve("traces"), "x");
            return new Invocation(List.of("traces", "--out"), List.of("train", "--twin", "mixtral-twin", "--traces-only",
                    "--out", out.toString(), "--corpus", fakeCorpus(work).toString()));
        }));
        all.add(new Case("train --checkpoint is a folder", work -> {
            Path ckpt = Files.createDirectory(work.resolve("ckpt"));
            return new Invocation(List.of("ckpt", "--checkpoint"), List.of("train", "--twin", "mixtral-twin", "--out",
                    work.resolve("out").toString(), "--corpus", fakeCorpus(work).toString(), "--checkpoint", ckpt.toString()));
        }));
        Object[][] checkpoints = {
            {"empty", new byte[0], "truncated"},
            {"text", "garbage\n".getBytes(StandardCharsets.UTF_8), "magic"},
            {"four zero bytes", new byte[4], "magic"},
        };
        for (Object[] c : checkpoints) {
            all.add(new Case("train --resume from a checkpoint that is " + c[0], work -> {
                Path ckpt = write(work.resolve("ckpt.bin"), (byte[]) c[1]);
                return new Invocation(List.of("ckpt.bin", (String) c[2]), List.of("train", "--twin", "mixtral-twin",
                        "--resume", "--checkpoint", ckpt.toString(), "--steps", "1", "--batch", "1", "--out",
                        work.resolve("out").toString(), "--corpus", fakeCorpus(work).toString()));
            }));
        }
        all.add(new Case("train --corpus missing", work -> new Invocation(List.of("prose.train.txt", "no such file"),
                List.of("train", "--twin", "mixtral-twin", "--out", work.resolve("out").toString(), "--corpus",
                        work.resolve("nope").toString()))));
        all.add(new Case("train --corpus with a short file", work -> {
            Path corpus = fakeCorpus(work);
            write(corpus.resolve("code.heldout.txt"), "short");
            return new Invocation(List.of("code.heldout.txt", "short"), List.of("train", "--twin", "mixtral-twin",
                    "--out", work.resolve("out").toString(), "--corpus", corpus.toString()));
        }));
    }

    private static Invocation withArgs(Invocation base, String... extra) {
        List<String> args = new ArrayList<>(base.args());
        args.addAll(List.of(extra));
        return new Invocation(base.mustName(), args);
    }

    /** Three domains of 4 KiB of prose each, train and held-out: enough for Corpus, too little for long traces. */
    private static Path fakeCorpus(Path work) throws IOException {
        Path corpus = Files.createDirectories(work.resolve("corpus"));
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(92);
        for (String domain : List.of("prose", "code", "techprose")) {
            for (String part : List.of("train", "heldout")) {
                Path f = corpus.resolve(domain + "." + part + ".txt");
                if (!Files.exists(f)) {
                    write(f, text);
                }
            }
        }
        return corpus;
    }

    // ---------------------------------------------------------------- helpers

    private static Path twinCopy(Path work, Path twin) throws IOException {
        Path m = Files.createDirectories(work.resolve("m"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            if (!Files.exists(m.resolve(f))) {
                Files.copy(twin.resolve(f), m.resolve(f));
            }
        }
        return m;
    }

    private static Path mutatedConfig(Path work, Path twin, Consumer<ObjectNode> edit) throws IOException {
        Path m = twinCopy(work, twin);
        ObjectNode config = (ObjectNode) JSON.readTree(m.resolve("config.json").toFile());
        edit.accept(config);
        Files.write(m.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        return m;
    }

    /** Sets (or with {@code <missing>} removes) {@code field} to the JSON {@code value}. */
    private static void set(ObjectNode node, String field, String value) {
        if (value.equals("<missing>")) {
            node.remove(field);
        } else {
            try {
                node.set(field, value.equals("1e400") ? JSON.getNodeFactory().numberNode(Double.POSITIVE_INFINITY)
                        : JSON.readTree(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@link #set} at a dotted path of objects. */
    private static void setPath(ObjectNode root, String path, String value) {
        String[] parts = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (ObjectNode) node.get(parts[i]);
        }
        if (value.equals("1e6")) {
            node.put(parts[parts.length - 1], 1e6);
        } else {
            set(node, parts[parts.length - 1], value);
        }
    }

    private static ObjectNode readYaml(Path file) throws IOException {
        return (ObjectNode) YAML.readTree(file.toFile());
    }

    private static void writeYaml(Path file, JsonNode root) throws IOException {
        Files.write(file, YAML.writeValueAsBytes(root));
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }

    private static Path write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }

    private static void reverse(ArrayNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        array.removeAll();
        for (int i = items.size() - 1; i >= 0; i--) {
            array.add(items.get(i));
        }
    }

    private static void bump(ArrayNode array, int index, long delta) {
        array.set(index, array.get(index).asLong() + delta);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] flip(byte[] b, int at) {
        byte[] out = b.clone();
        out[at] ^= 0x5a;
        return out;
    }

    private static byte[] orByte(byte[] b, int at, int bits) {
        byte[] out = b.clone();
        out[at] |= (byte) bits;
        return out;
    }

    private static byte[] setByte(byte[] b, int at, int value) {
        byte[] out = b.clone();
        out[at] = (byte) value;
        return out;
    }

    private static int indexOf(byte[] b, byte value, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + value);
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] le(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    private static int crc(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return (int) c.getValue();
    }
}
