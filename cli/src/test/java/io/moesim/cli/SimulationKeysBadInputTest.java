package io.moesim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad values of the scenario's {@code simulation} keys: one line naming the file and the key, exit 2. */
class SimulationKeysBadInputTest {

    private static Path scenario(Path dir) throws IOException {
        Path file = dir.resolve("mixtral.yaml");
        Files.copy(Path.of("..", "scenarios", "mixtral-8x7b-h100.yaml"), file);
        return file;
    }

    @Test
    void badSimulationKeysAreRejected(@TempDir Path dir) throws IOException {
        String file = scenario(dir).toString();
        BadInput.assertRejected(dir, List.of("mixtral.yaml", "simulation.maxSeconds"), "run", file,
                "--set", "simulation.durationSeconds=60", "--set", "simulation.maxSeconds=100");
        BadInput.assertRejected(dir, List.of("mixtral.yaml", "simulation.warmupSeconds"), "run", file,
                "--set", "simulation.warmupSeconds=100", "--set", "simulation.maxSeconds=50");
        BadInput.assertRejected(dir, List.of("mixtral.yaml", "simulation.warmupSeconds"), "run", file,
                "--set", "simulation.warmupSeconds=60", "--set", "simulation.durationSeconds=60");
        BadInput.assertRejected(dir, List.of("mixtral.yaml", "simulation.relativeHalfWidth"), "run", file,
                "--set", "simulation.relativeHalfWidth=0");
        BadInput.assertRejected(dir, List.of("mixtral.yaml", "simulation.relativeHalfWidth"), "run", file,
                "--set", "simulation.relativeHalfWidth=fast");
        BadInput.assertRejected(dir, List.of("mixtral.yaml", "simulation.maxSeconds"), "run", file,
                "--set", "simulation.maxSeconds=-1");
        // The default warm-up (2 request lifetimes, over a minute here) does not fit under a 1 s cap.
        BadInput.assertRejected(dir, List.of("mixtral.yaml", "simulation.warmupSeconds"), "run", file,
                "--set", "simulation.maxSeconds=1");
    }
}
