package io.moesim.models.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json and model YAML errors name the file's own fields; sizes beyond {@link ModelLimits} are refused. */
class ModelInputErrorsTest {

    @TempDir
    Path dir;

    private static final String MIXTRAL = """
            {"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "vocab_size": 32000,
             "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
             "max_position_embeddings": 32768, "num_experts_per_tok": 2, "intermediate_size": 14336,
             "num_local_experts": 8, "tie_word_embeddings": false}
            """;

    private String importError(String json) throws IOException {
        Path f = Files.writeString(dir.resolve("config.json"), json);
        return assertThrows(InputException.class, () -> HfConfigImporter.importFile(f)).getMessage()
                .substring(f.toString().length() + 2);
    }

    private String yamlError(String yaml) throws IOException {
        Path f = Files.writeString(dir.resolve("m.yaml"), yaml);
        return assertThrows(InputException.class, () -> ModelSpecs.readYaml(f)).getMessage()
                .substring(f.toString().length() + 2);
    }

    @Test
    void zeroAttentionHeadsIsAnErrorNotADivisionByZero() throws IOException {
        assertEquals("num_attention_heads: must be in [1, 4096], got 0",
                importError(MIXTRAL.replace("\"num_attention_heads\": 32", "\"num_attention_heads\": 0")));
    }

    @Test
    void errorsNameTheConfigFieldsNotTheRecordComponents() throws IOException {
        assertEquals("hidden_size: must be in [1, 131072], got -1", importError(MIXTRAL.replace("4096", "-1")));
        assertEquals("num_hidden_layers: must be > 0, got 0",
                importError(MIXTRAL.replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": 0")));
        assertEquals("num_key_value_heads: 5 does not divide num_attention_heads 32",
                importError(MIXTRAL.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5")));
        assertEquals("num_experts_per_tok: 9 exceeds num_local_experts 8",
                importError(MIXTRAL.replace("\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 9")));
        assertEquals("intermediate_size: must be > 0, got 0", importError(MIXTRAL.replace("14336", "0")));
    }

    @Test
    void expertCountsBeyondTheLimitAreRefusedUpFront() throws IOException {
        assertEquals("num_local_experts: must be at most 16384 (moesim's limit), got 1000000000",
                importError(MIXTRAL.replace("\"num_local_experts\": 8", "\"num_local_experts\": 1e9")));
        String yaml = Files.readString(Path.of("catalog", "mixtral-8x7b.yaml"));
        assertEquals("moe.numRoutedExperts: must be at most 16384 (moesim's limit), got 1000000",
                yamlError(yaml.replace("numRoutedExperts: 8 ", "numRoutedExperts: 1000000 ")));
        assertEquals(ModelLimits.MAX_EXPERTS, new MoeSpec(ModelLimits.MAX_EXPERTS, 8, 16, 0, 0, false,
                RoutingSpec.softmax(true)).numRoutedExperts(), "the limit itself is accepted");
    }

    @Test
    void aModelTooLargeToCountIsRefusedNamingItsLargestPart() throws IOException {
        String json = MIXTRAL.replace("\"num_local_experts\": 8", "\"num_local_experts\": 16384")
                .replace("14336", "1048576");
        String e = importError(json);
        assertTrue(e.startsWith("num_local_experts: the model would hold about 6.7"), e);
        assertTrue(e.endsWith("parameters, more than moesim's limit of 1e+15"), e);
        assertEquals(1_032_000_000_000.0, ModelAccounting.parameters(ModelSpecs.resolve("kimi-k2", Path.of(""))).total(),
                0.01e12, "the largest catalog model is far inside the limit");
    }

    @Test
    void modelYamlIsStrict() throws IOException {
        String yaml = Files.readString(Path.of("catalog", "mixtral-8x7b.yaml"));
        String unknown = yamlError(yaml.replace("  topK: 2", "  topK: 2\n  topk: 2"));
        assertTrue(unknown.startsWith("moe.topk: unknown key (known here: numRoutedExperts, topK,"), unknown);
        assertEquals("numLayers: expected an integer, got \"32\"", yamlError(yaml.replace("numLayers: 32", "numLayers: '32'")));
        assertTrue(yamlError(yaml + "numLayers: 32\n").contains("Duplicate field 'numLayers'"));
        assertTrue(yamlError(yaml + "---\nid: x\n").startsWith("document: not valid YAML: more than one document"));
        assertEquals("moe.routing.numGroups: 3 does not divide numRoutedExperts 8",
                yamlError(yaml.replace("    scoring: softmax", "    scoring: softmax\n    numGroups: 3")));
    }
}
