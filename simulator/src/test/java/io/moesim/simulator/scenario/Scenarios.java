package io.moesim.simulator.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test helpers: the shipped scenarios and scenario files written on the fly. */
public final class Scenarios {

    private Scenarios() {
    }

    /** The repository's {@code scenarios/} folder (tests run in the module folder). */
    public static Path shipped(String name) {
        return Path.of("..", "scenarios", name);
    }

    public static Scenario load(Path file, String... sets) {
        return new ScenarioLoader().load(file, List.of(sets));
    }

    /** Writes {@code yaml} to {@code dir/name} and returns the path. */
    public static Path write(Path dir, String name, String yaml) {
        try {
            return Files.writeString(dir.resolve(name), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
