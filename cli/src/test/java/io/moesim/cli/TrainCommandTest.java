package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

    @TempDir
    Path dir;


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path corpus() throws IOException {
        Path c = dir.resolve("corpus");
        Files.createDirectories(c);
        String text = "To be, or not to be: that is the question. int x = y + 1;\n".repeat(40);
        for (String d : new String[] {"prose", "code", "techprose"}) {
            Files.writeString(c.resolve(d + ".train.txt"), text);
            Files.writeString(c.resolve(d + ".heldout.txt"), text);
        }
        return c;
    }

    @Test
    void unknownTwinIsOneLineAndExitTwo() {
        CliRun r = run("train", "--twin", "gpt-twin");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("moesim: ") && r.err().contains("unknown twin 'gpt-twin'"), r.err());
        assertEquals(1, r.err().strip().lines().count());
    }

    @Test
    void missingCorpusNamesTheFile() {
        CliRun r = run("train", "--twin", "mixtral-twin", "--corpus", dir.resolve("nothing").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("prose.train.txt") && r.err().contains("build-corpus.sh"), r.err());
    }

    @Test
    void tracesOnlyWithoutATrainedTwinIsRefused() throws IOException {
        CliRun r = run("train", "--twin", "mixtral-twin", "--traces-only", "--corpus", corpus().toString(),
                "--out", dir.resolve("empty").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("model.safetensors"), r.err());
    }

    @Test
    void twoStepsWriteAHuggingFaceDirectory() throws IOException {
        Path out = dir.resolve("twin");
        CliRun r = run("train", "--twin", "mixtral-twin", "--steps", "2", "--batch", "1", "--corpus", corpus().toString(),
                "--out", out.toString(), "--checkpoint", dir.resolve("ck.bin").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"MixtralForCausalLM\""));
        assertTrue(Files.size(out.resolve("model.safetensors")) > 1_000_000);
        assertTrue(Files.readString(out.resolve("README.md")).contains("| prose |"));
        assertTrue(Files.exists(dir.resolve("ck.bin")));
        assertTrue(r.out().contains("held-out prose"), r.out());
    }
}
