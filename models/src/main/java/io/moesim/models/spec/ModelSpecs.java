package io.moesim.models.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The model catalog and the resolution of a model argument.
 *
 * <p>The catalog is {@code models/catalog/}, packaged into the jar under
 * {@code io/moesim/models/catalog/}: {@code index.yaml} lists the ids ({@code ids: [...]}), and each
 * id has {@code <id>.yaml}, in the format {@link #readYaml} reads (the record components of
 * {@link ModelSpec}, {@code attention} with {@code type: gqa|mla}, {@code moe} with {@code routing},
 * and an optional {@code published} block of published parameter counts in billions).
 */
public final class ModelSpecs {

    private static final String CATALOG = "/io/moesim/models/catalog/";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ModelSpecs() {
    }

    /** The catalog ids, in the index's order. */
    public static List<String> catalogIds() {
        JsonNode index = readResource("index.yaml");
        JsonNode ids = index.get("ids");
        if (ids == null || !ids.isArray()) {
            throw new IllegalStateException("catalog index.yaml has no ids list");
        }
        List<String> result = new ArrayList<>();
        ids.forEach(id -> result.add(id.asText()));
        return List.copyOf(result);
    }

    /** All catalog entries, in the index's order. */
    public static List<CatalogEntry> catalog() {
        return catalogIds().stream().map(id -> catalogEntry(id).orElseThrow(
                () -> new IllegalStateException("catalog index lists " + id + " but has no " + id + ".yaml"))).toList();
    }

    /** The catalog entry {@code id}, if the catalog has one. */
    public static Optional<CatalogEntry> catalogEntry(String id) {
        if (!catalogIds().contains(id)) {
            return Optional.empty();
        }
        String name = id + ".yaml";
        return Optional.of(readEntry(readResource(name), "catalog/" + name));
    }

    /**
     * Resolves a model argument: a catalog id, or a path (relative to {@code baseDir}) to a Hugging Face
     * {@code config.json} (any {@code .json} file), a folder holding one, or a model YAML in the catalog's
     * format.
     *
     * @throws InputException when it is neither, listing the catalog ids
     */
    public static ModelSpec resolve(String idOrPath, Path baseDir) {
        Optional<CatalogEntry> entry = catalogEntry(idOrPath);
        if (entry.isPresent()) {
            return entry.get().spec();
        }
        Path path;
        try {
            path = baseDir.resolve(idOrPath);
        } catch (RuntimeException e) {
            throw unknown(idOrPath);
        }
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve("config.json"))) {
            return HfConfigImporter.importFile(path.resolve("config.json"));
        }
        if (!Files.isRegularFile(path)) {
            throw unknown(idOrPath);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return readYaml(path).spec();
        }
        return HfConfigImporter.importFile(path);
    }

    private static InputException unknown(String idOrPath) {
        return new InputException("model '" + idOrPath + "': neither a catalog id ("
                + String.join(", ", catalogIds()) + ") nor a readable config.json or model YAML file");
    }

    /** Reads a model YAML file in the catalog's format. */
    public static CatalogEntry readYaml(Path file) {
        JsonNode root = InputFiles.parse(YAML, InputFiles.readText(file, "file"), file, "document", "YAML");
        return readEntry(root, file.toString());
    }

    private static JsonNode readResource(String name) {
        try (InputStream in = ModelSpecs.class.getResourceAsStream(CATALOG + name)) {
            if (in == null) {
                throw new IllegalStateException("catalog resource " + CATALOG + name + " is missing from the jar");
            }
            return YAML.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read catalog resource " + name, e);
        }
    }

    private static final List<String> ROOT_KEYS = List.of("id", "displayName", "architecture", "source", "numLayers",
            "hiddenSize", "vocabSize", "tiedEmbeddings", "maxContextTokens", "mtpModules", "firstDenseLayers",
            "moeLayerStep", "denseIntermediateSize", "attention", "moe", "published");
    private static final List<String> GQA_KEYS = List.of("type", "numHeads", "numKvHeads", "headDim", "qkvBias",
            "qkNorm", "slidingWindowTokens", "slidingWindowLayers");
    private static final List<String> MLA_KEYS = List.of("type", "numHeads", "qLoraRank", "kvLoraRank",
            "qkNopeHeadDim", "qkRopeHeadDim", "vHeadDim");
    private static final List<String> MOE_KEYS = List.of("numRoutedExperts", "topK", "expertIntermediateSize",
            "numSharedExperts", "sharedExpertIntermediateSize", "sharedExpertGate", "routing");
    private static final List<String> ROUTING_KEYS = List.of("scoring", "numGroups", "topKGroups", "normalizeTopK",
            "routedScalingFactor", "selectionBias");
    private static final List<String> PUBLISHED_KEYS = List.of("totalBillions", "activeBillions",
            "activeIncludesEmbedding", "source");

    /**
     * Builds a catalog entry from a parsed model YAML, strictly: an unknown key, a value of the wrong
     * type, or one outside its range ({@link ModelLimits}) is an {@link InputException} naming the key by
     * its dotted path ({@code moe.routing.numGroups}).
     */
    static CatalogEntry readEntry(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw InputException.at(source, "document", "expected a YAML mapping of the model's keys");
        }
        Fields f = new Fields(source, "", root);
        f.allowOnly(ROOT_KEYS);
        Fields a = f.object("attention");
        String type = a.text("type");
        AttentionSpec attention = switch (type) {
            case "gqa" -> {
                a.allowOnly(GQA_KEYS);
                yield built(a, () -> new AttentionSpec.Gqa(a.integer("numHeads"), a.integer("numKvHeads"),
                        a.integer("headDim"), a.bool("qkvBias", false), a.bool("qkNorm", false),
                        a.integer("slidingWindowTokens", 0), a.integer("slidingWindowLayers", 0)));
            }
            case "mla" -> {
                a.allowOnly(MLA_KEYS);
                yield built(a, () -> new AttentionSpec.Mla(a.integer("numHeads"), a.integer("qLoraRank"),
                        a.integer("kvLoraRank"), a.integer("qkNopeHeadDim"), a.integer("qkRopeHeadDim"),
                        a.integer("vHeadDim")));
            }
            default -> throw a.error("type", "expected gqa or mla, got '" + type + "'");
        };
        Fields m = f.object("moe");
        m.allowOnly(MOE_KEYS);
        Fields r = m.object("routing");
        r.allowOnly(ROUTING_KEYS);
        String scoringName = r.text("scoring");
        RoutingSpec.Scoring scoring = switch (scoringName) {
            case "softmax" -> RoutingSpec.Scoring.SOFTMAX;
            case "sigmoid" -> RoutingSpec.Scoring.SIGMOID;
            default -> throw r.error("scoring", "expected softmax or sigmoid, got '" + scoringName + "'");
        };
        RoutingSpec routing = built(r, () -> new RoutingSpec(scoring, r.integer("numGroups", 1),
                r.integer("topKGroups", 1), r.bool("normalizeTopK"), r.number("routedScalingFactor", 1.0),
                r.bool("selectionBias", false)));
        MoeSpec moe = built(m, () -> new MoeSpec(m.integer("numRoutedExperts"), m.integer("topK"),
                m.integer("expertIntermediateSize"), m.integer("numSharedExperts", 0),
                m.integer("sharedExpertIntermediateSize", 0), m.bool("sharedExpertGate", false), routing),
                "numGroups", r, "topKGroups", r);
        ModelSpec spec = built(f, () -> new ModelSpec(f.text("id"), f.text("displayName"), f.text("architecture"),
                f.text("source"), f.integer("numLayers"), f.integer("hiddenSize"), f.integer("vocabSize"),
                f.bool("tiedEmbeddings"), attention, f.integer("firstDenseLayers", 0),
                f.integer("moeLayerStep", 1), f.integer("denseIntermediateSize", 0), moe,
                f.integer("mtpModules", 0), f.integer("maxContextTokens")),
                "slidingWindowLayers", a, "slidingWindowTokens", a);
        Optional<PublishedSize> published = Optional.empty();
        if (f.has("published")) {
            Fields p = f.object("published");
            p.allowOnly(PUBLISHED_KEYS);
            double total = p.number("totalBillions");
            double active = p.number("activeBillions");
            boolean includesEmbedding = p.bool("activeIncludesEmbedding");
            String publishedSource = p.text("source");
            if (!(total > 0) || total > 1e6) {
                throw p.error("totalBillions", "must be in (0, 1000000], got " + total);
            }
            if (!(active > 0) || active > total) {
                throw p.error("activeBillions", "must be in (0, totalBillions " + total + "], got " + active);
            }
            published = Optional.of(new PublishedSize(total * 1e9, active * 1e9, includesEmbedding, publishedSource));
        }
        return new CatalogEntry(spec, published);
    }

    /**
     * Runs a record constructor, turning its {@link SpecException} into an {@link InputException} at the key
     * of {@code f} it concerns; {@code elsewhere} maps components that live in another object (name, Fields)...
     */
    private static <T> T built(Fields f, java.util.function.Supplier<T> constructor, Object... elsewhere) {
        try {
            return constructor.get();
        } catch (SpecException e) {
            for (int i = 0; i + 1 < elsewhere.length; i += 2) {
                if (elsewhere[i].equals(e.field())) {
                    throw ((Fields) elsewhere[i + 1]).error(e.field(), e.problem());
                }
            }
            throw f.error(e.field(), e.problem());
        }
    }
}
