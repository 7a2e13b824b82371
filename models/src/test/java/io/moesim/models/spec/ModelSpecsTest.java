package io.moesim.models.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecsTest {

    /** The catalog folder of the source tree (surefire runs in the module's folder). */
    private static final Path CATALOG_DIR = Path.of("catalog");

    @Test
    void indexListsExactlyTheCatalogFiles() throws IOException {
        TreeSet<String> files = new TreeSet<>();
        try (Stream<Path> paths = Files.list(CATALOG_DIR)) {
            paths.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("index.yaml"))
                    .forEach(n -> files.add(n.substring(0, n.length() - ".yaml".length())));
        }
        assertEquals(files, new TreeSet<>(ModelSpecs.catalogIds()));
        assertEquals(11, files.size());
    }

    @Test
    void everyEntryLoadsWithItsIdAndPublishedFigures() {
        for (CatalogEntry entry : ModelSpecs.catalog()) {
            assertTrue(entry.published().isPresent(), entry.id());
            assertTrue(entry.spec().source().contains("http"), entry.id() + " names no URL");
        }
        assertEquals("mixtral-8x7b", ModelSpecs.catalogEntry("mixtral-8x7b").orElseThrow().spec().id());
    }

    /** Catalog entries whose config.json is copied in src/test/resources/hf-configs/ must agree with the importer on it, field by field. */
    @Test
    void catalogAgreesWithImportedConfigs() {
        for (String id : List.of("deepseek-v3", "kimi-k2", "qwen3-235b-a22b", "qwen3-30b-a3b", "mixtral-8x7b",
                "mixtral-8x22b", "gpt-oss-120b", "deepseek-v2-lite")) {
            ModelSpec catalog = ModelSpecs.catalogEntry(id).orElseThrow().spec();
            ModelSpec imported = HfConfigImporter.importFile(HfConfigImporterTest.config(id + ".json"));
            ModelSpec comparable = new ModelSpec(catalog.id(), catalog.displayName(), imported.architecture(),
                    catalog.source(), imported.numLayers(), imported.hiddenSize(), imported.vocabSize(),
                    imported.tiedEmbeddings(), imported.attention(), imported.firstDenseLayers(),
                    imported.moeLayerStep(), imported.denseIntermediateSize(), imported.moe(), imported.mtpModules(),
                    imported.maxContextTokens());
            assertEquals(comparable, catalog, id);
        }
    }

    @Test
    void resolvesIdsConfigFilesFoldersAndYaml(@TempDir Path dir) throws IOException {
        assertEquals("deepseek-v3", ModelSpecs.resolve("deepseek-v3", dir).id());
        Path folder = Files.createDirectories(dir.resolve("Mixtral-8x7B"));
        Files.copy(HfConfigImporterTest.config("mixtral-8x7b.json"), folder.resolve("config.json"));
        ModelSpec fromFile = ModelSpecs.resolve("Mixtral-8x7B/config.json", dir);
        assertEquals("Mixtral-8x7B", fromFile.id());
        assertEquals(14336, fromFile.moe().expertIntermediateSize());
        assertEquals(fromFile, ModelSpecs.resolve("Mixtral-8x7B", dir));
        Files.copy(CATALOG_DIR.resolve("dbrx.yaml"), dir.resolve("my-model.yaml"));
        assertEquals(ModelSpecs.catalogEntry("dbrx").orElseThrow().spec(), ModelSpecs.resolve("my-model.yaml", dir));
    }

    @Test
    void unknownModelListsTheCatalogIds(@TempDir Path dir) {
        InputException e = assertThrows(InputException.class, () -> ModelSpecs.resolve("gpt-5", dir));
        assertEquals("model 'gpt-5': neither a catalog id (" + String.join(", ", ModelSpecs.catalogIds())
                + ") nor a readable config.json or model YAML file", e.getMessage());
    }

    @Test
    void badModelYamlNamesFileAndField(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.yaml");
        Files.writeString(file, Files.readString(CATALOG_DIR.resolve("mixtral-8x7b.yaml"))
                .replace("topK: 2", "topK: two"));
        InputException e = assertThrows(InputException.class, () -> ModelSpecs.resolve("m.yaml", dir));
        assertEquals(file + ": moe.topK: expected an integer, got \"two\"", e.getMessage());
        Files.writeString(file, Files.readString(CATALOG_DIR.resolve("mixtral-8x7b.yaml"))
                .replace("  type: gqa\n", ""));
        e = assertThrows(InputException.class, () -> ModelSpecs.resolve("m.yaml", dir));
        assertEquals(file + ": attention.type: missing", e.getMessage());
    }
}
