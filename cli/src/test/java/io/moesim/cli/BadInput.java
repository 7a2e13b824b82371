package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The contract every bad input must meet, shared by the fuzz suites of each input class: the
 * command exits with status 2, prints exactly one line on standard error that names the file (or
 * argument) and the field, prints no stack trace, and leaves the folder it was given exactly as it
 * was (no output, no hidden temporary file).
 */
final class BadInput {

    private BadInput() {}

    /**
     * Runs {@code moesim ARGS} and asserts the contract; {@code watched} is the folder whose contents
     * must not change, {@code mustName} the words the error line must contain (case-insensitive).
     * Returns the error line.
     */
    static String assertRejected(Path watched, List<String> mustName, String... args) {
        List<String> before = listing(watched);
        CliRun r = CliRun.of(args);
        String what = String.join(" ", args);
        assertEquals(Moesim.EXIT_USAGE, r.status(), () -> what + "\nexit " + r.status() + "\nerr: " + r.err());
        String err = r.err().strip();
        assertFalse(err.isEmpty(), what + ": nothing on stderr");
        assertEquals(1, err.lines().count(), () -> what + ": more than one line on stderr:\n" + r.err());
        assertFalse(err.contains("Exception") || err.contains("\tat "), () -> what + ": Java internals leak: " + err);
        for (String word : mustName) {
            assertTrue(err.toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                    () -> what + ": the error does not name '" + word + "': " + err);
        }
        assertEquals(before, listing(watched), () -> what + ": files changed under " + watched);
        return err;
    }

    /** Every path under {@code dir}, hidden ones included, relative and sorted. */
    static List<String> listing(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
