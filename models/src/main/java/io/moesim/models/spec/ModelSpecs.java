package io.moesim.models.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.moesim.models.InputException;
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
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new InputException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read: " + e.getMessage(), e);
        }
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

    static CatalogEntry readEntry(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new InputException(source + ": not a YAML mapping");
        }
        Fields f = new Fields(source, "", root);
        try {
            Fields a = f.object("attention");
            AttentionSpec attention = switch (a.text("type")) {
                case "gqa" -> new AttentionSpec.Gqa(a.integer("numHeads"), a.integer("numKvHeads"),
                        a.integer("headDim"), a.bool("qkvBias", false), a.bool("qkNorm", false),
                        a.integer("slidingWindowTokens", 0), a.integer("slidingWindowLayers", 0));
                case "mla" -> new AttentionSpec.Mla(a.integer("numHeads"), a.integer("qLoraRank"),
                        a.integer("kvLoraRank"), a.integer("qkNopeHeadDim"), a.integer("qkRopeHeadDim"),
                        a.integer("vHeadDim"));
                default -> throw a.error("type", "expected gqa or mla, got '" + a.text("type") + "'");
            };
            Fields m = f.object("moe");
            Fields r = m.object("routing");
            RoutingSpec.Scoring scoring = switch (r.text("scoring")) {
                case "softmax" -> RoutingSpec.Scoring.SOFTMAX;
                case "sigmoid" -> RoutingSpec.Scoring.SIGMOID;
                default -> throw r.error("scoring", "expected softmax or sigmoid, got '" + r.text("scoring") + "'");
            };
            RoutingSpec routing = new RoutingSpec(scoring, r.integer("numGroups", 1), r.integer("topKGroups", 1),
                    r.bool("normalizeTopK"), r.number("routedScalingFactor", 1.0), r.bool("selectionBias", false));
            MoeSpec moe = new MoeSpec(m.integer("numRoutedExperts"), m.integer("topK"),
                    m.integer("expertIntermediateSize"), m.integer("numSharedExperts", 0),
                    m.integer("sharedExpertIntermediateSize", 0), m.bool("sharedExpertGate", false), routing);
            ModelSpec spec = new ModelSpec(f.text("id"), f.text("displayName"), f.text("architecture"),
                    f.text("source"), f.integer("numLayers"), f.integer("hiddenSize"), f.integer("vocabSize"),
                    f.bool("tiedEmbeddings"), attention, f.integer("firstDenseLayers", 0),
                    f.integer("moeLayerStep", 1), f.integer("denseIntermediateSize", 0), moe,
                    f.integer("mtpModules", 0), f.integer("maxContextTokens"));
            Optional<PublishedSize> published = Optional.empty();
            if (f.has("published")) {
                Fields p = f.object("published");
                published = Optional.of(new PublishedSize(p.number("totalBillions") * 1e9,
                        p.number("activeBillions") * 1e9, p.bool("activeIncludesEmbedding"),
                        p.text("source")));
            }
            return new CatalogEntry(spec, published);
        } catch (IllegalArgumentException e) {
            throw new InputException(source + ": " + e.getMessage(), e);
        }
    }
}
