package io.moesim.models.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceJsonlTest {

    @TempDir
    Path dir;

    @Test
    void exportsOneLinePerTokenAndLayerByDescendingWeight() throws IOException {
        Path trace = dir.resolve("hand.moetrace.gz");
        HandTrace.build().write(trace);
        Path out = dir.resolve("hand.jsonl");
        long lines = TraceJsonl.export(trace, out);
        assertEquals(8, lines);
        assertEquals(List.of(
                "{\"seq\":0,\"pos\":0,\"token\":10,\"layer\":0,\"experts\":[0,1],\"weights\":[0.6,0.4]}",
                "{\"seq\":0,\"pos\":0,\"token\":10,\"layer\":2,\"experts\":[0,1],\"weights\":[0.5,0.5]}",
                "{\"seq\":0,\"pos\":1,\"token\":11,\"layer\":0,\"experts\":[0,2],\"weights\":[0.7,0.3]}",
                "{\"seq\":0,\"pos\":1,\"token\":11,\"layer\":2,\"experts\":[2,3],\"weights\":[0.9,0.1]}",
                "{\"seq\":0,\"pos\":2,\"token\":12,\"layer\":0,\"experts\":[1,0],\"weights\":[0.5,0.5]}",
                "{\"seq\":0,\"pos\":2,\"token\":12,\"layer\":2,\"experts\":[2,0],\"weights\":[0.75,0.25]}",
                "{\"seq\":1,\"pos\":0,\"token\":13,\"layer\":0,\"experts\":[3,0],\"weights\":[0.8,0.2]}",
                "{\"seq\":1,\"pos\":0,\"token\":13,\"layer\":2,\"experts\":[1,3],\"weights\":[0.6,0.4]}"),
                Files.readAllLines(out));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count()); // no temporary file left behind
        }
    }
}
