package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.trace.RouterTrace;
import io.moesim.models.trace.TraceHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCommandTest {

    @TempDir
    Path dir;


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** Two tokens, one recorded layer (decoder layer 1), 4 experts, top-2. */
    private Path smallTrace() {
        TraceHeader h = new TraceHeader("small", "", 2, List.of(1), 4, 2, Map.of());
        Path file = dir.resolve("small.moetrace");
        RouterTrace.builder(h)
                .add(0, 0, 5, new int[][] {{2, 3}}, new float[][] {{0.25f, 0.75f}})
                .add(0, 1, 6, new int[][] {{2, 0}}, new float[][] {{0.5f, 0.5f}})
                .build().write(file);
        return file;
    }

    @Test
    void exportWritesJsonLines() throws IOException {
        Path out = dir.resolve("out.jsonl");
        CliRun r = run("trace", "export", smallTrace().toString(), "--jsonl", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of(
                "{\"seq\":0,\"pos\":0,\"token\":5,\"layer\":1,\"experts\":[3,2],\"weights\":[0.75,0.25]}",
                "{\"seq\":0,\"pos\":1,\"token\":6,\"layer\":1,\"experts\":[2,0],\"weights\":[0.5,0.5]}"),
                Files.readAllLines(out));
    }

    @Test
    void statsAsJsonAndText() throws IOException {
        Path file = smallTrace();
        CliRun r = run("trace", "stats", file.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.get("tokens").asInt());
        JsonNode layer = json.get("layers").get(0);
        assertEquals(1, layer.get("layer").asInt());
        // counts 1,0,2,1 of N*K = 4: mean 1, max/mean 2; top pair (2,3) and (0,2) once each -> (0,2) first.
        assertEquals(2.0, layer.get("maxOverMeanLoad").asDouble(), 1e-12);
        assertEquals(2, layer.get("topExperts").get(0).get("expert").asInt());
        assertEquals(0, layer.get("topPairs").get(0).get("first").asInt());
        assertEquals(2, layer.get("topPairs").get(0).get("second").asInt());

        CliRun text = run("trace", "stats", file.toString());
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("2 tokens, 1 MoE layers, 4 experts, top-2"), text.out());
    }

    @Test
    void foreignFileEndsInOneLineAndStatusTwo() throws IOException {
        Path file = dir.resolve("x.moetrace");
        Files.writeString(file, "hello");
        CliRun r = run("trace", "stats", file.toString());
        assertEquals(2, r.status());
        assertEquals("moesim: " + file + ": magic: not a moesim router trace (wrong magic bytes)", r.err().strip());
    }

    @Test
    void parentCommandPrintsUsage() {
        CliRun r = run("trace");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("export"), r.out());
        assertTrue(r.out().contains("stats"), r.out());
    }
}
