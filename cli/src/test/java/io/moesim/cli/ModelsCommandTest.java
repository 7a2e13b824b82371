package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.spec.ModelSpecs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelsCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void listShowsEveryCatalogModel() {
        CliRun r = run("models", "list");
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("ID "), lines[0]);
        assertEquals(ModelSpecs.catalogIds().size() + 2, lines.length);
        String v3 = lines[1];
        assertTrue(v3.startsWith("deepseek-v3 "), v3);
        assertTrue(v3.matches(".*\\s61\\s+256\\+1\\s+8\\s+671\\.\\d\\dB\\s+37\\.\\d\\dB"), v3);
    }

    @Test
    void showJsonHasTheAccounting() throws Exception {
        CliRun r = run("models", "show", "deepseek-v3", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(61.0 * 576 * 2, json.get("kvCacheBytesPerToken").asDouble());
        long total = json.get("totalParameters").asLong();
        assertTrue(Math.abs(total - 671e9) / 671e9 < 0.02, "total " + total);
        assertTrue(json.get("activeParametersPerToken").asLong() < 38e9);
        JsonNode p = json.get("parameters");
        long sum = 0;
        for (String field : new String[] {"embedding", "attention", "denseMlp", "routedExperts", "sharedExperts",
                "routers", "norms", "lmHead"}) {
            sum += p.get(field).asLong();
        }
        assertEquals(total, sum);
        assertEquals(671e9, json.get("published").get("totalParameters").asDouble());
    }

    @Test
    void showTextOfAConfigFile() throws Exception {
        Path config = Path.of(ModelsCommandTest.class.getResource("/mixtral-8x7b.json").toURI());
        CliRun r = run("models", "show", config.toString(), "--kv-bytes", "1");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("layers: 32 (32 MoE, 0 dense)"), r.out());
        assertTrue(r.out().contains("46.70B"), r.out());
        assertTrue(r.out().contains("KV cache: 65536 bytes per token"), r.out());
    }

    @Test
    void unknownModelIsOneLineAndExitTwo() {
        CliRun r = run("models", "show", "no-such-model");
        assertEquals(Moesim.EXIT_USAGE, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("moesim: model 'no-such-model': neither a catalog id (deepseek-v3, "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
