package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command answers --help and --version; typos get suggestions; completion is generated. */
class HelpTest {

    /** Every command and subcommand, as the words after {@code moesim} (the root is the empty list). */
    private static List<List<String>> commands() {
        List<List<String>> commands = new ArrayList<>();
        CommandLine root = Moesim.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        for (CommandLine c : Moesim.all(root)) {
            List<String> words = new ArrayList<>(Arrays.asList(c.getCommandSpec().qualifiedName(" ").split(" ")));
            words.removeFirst();
            commands.add(words);
        }
        return commands;
    }

    @Test
    void everyCommandAnswersHelpWithExitZeroAndNoWarning() {
        List<List<String>> commands = commands();
        assertTrue(commands.size() >= 15, "commands found: " + commands);
        for (String name : List.of("run", "sweep", "report", "hardware", "validate", "regress", "models", "trace",
                "train", "place", "completion")) {
            assertTrue(commands.contains(List.of(name)), name + " missing from " + commands);
        }
        for (List<String> command : commands) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(command);
                args.add(flag);
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertEquals(0, r.status(), () -> args + ": " + r.err());
                String qualified = String.join(" ", List.of("moesim", String.join(" ", command))).strip();
                assertTrue(r.out().contains("Usage: " + qualified), () -> args + ":\n" + r.out());
                assertEquals("", r.err(), () -> args + " printed on stderr: " + r.err());
            }
        }
    }

    @Test
    void helpCommandPrintsNoPicocliWarnings() {
        for (List<String> command : commands()) {
            if (command.size() != 1 || command.getFirst().equals("help")) {
                continue;
            }
            CliRun r = CliRun.of("help", command.getFirst());
            assertEquals(0, r.status(), r.err());
            assertEquals("", r.err(), () -> "help " + command + ": " + r.err());
            assertTrue(!r.out().contains("WARN") && r.out().startsWith("Usage: moesim " + command.getFirst()), r.out());
        }
        CliRun regress = CliRun.of("help", "regress");
        assertTrue(regress.out().contains("2% or 0.02 (default 2%)"), regress.out());
    }

    @Test
    void everyCommandPrintsTheVersionAndTheCommit() {
        for (List<String> command : commands()) {
            if (command.equals(List.of("help"))) {
                continue;
            }
            List<String> args = new ArrayList<>(command);
            args.add("--version");
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, r.status(), () -> args + ": " + r.err());
            assertTrue(r.out().strip().matches("moesim \\d+\\.\\d+\\.\\d+\\S* \\((commit [0-9a-f]{7,40}(, modified)?|unknown commit)\\)"),
                    () -> args + ": " + r.out());
        }
    }

    @Test
    void aMistypedCommandGetsTheNearestCommands() {
        CliRun r = CliRun.of("rnu", "scenarios/x.yaml");
        assertEquals(Moesim.EXIT_USAGE, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("unknown command 'rnu'") && r.err().contains("did you mean moesim run?"), r.err());

        CliRun sub = CliRun.of("hardware", "shwo", "h100");
        assertEquals(Moesim.EXIT_USAGE, sub.status());
        assertTrue(sub.err().contains("did you mean moesim hardware show?"), sub.err());

        CliRun far = CliRun.of("xyzzyq");
        assertEquals(Moesim.EXIT_USAGE, far.status());
        assertTrue(far.err().contains("unknown command 'xyzzyq'") && !far.err().contains("did you mean"), far.err());
    }

    @Test
    void aMistypedOptionGetsTheNearestOption() {
        CliRun r = CliRun.of("run", "--analytic-onyl", "scenario.yaml");
        assertEquals(Moesim.EXIT_USAGE, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--analytic-only?") && r.err().contains("see 'moesim run --help'"), r.err());
    }

    @Test
    void aMissingParameterPointsAtTheHelp() {
        CliRun r = CliRun.of("run");
        assertEquals(Moesim.EXIT_USAGE, r.status());
        assertTrue(r.err().contains("SCENARIO") && r.err().contains("'moesim run --help'"), r.err());
    }

    @Test
    void completionIsABashScriptCoveringEveryCommandAndOption() {
        CliRun r = CliRun.of("completion");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("#!/usr/bin/env bash"), r.out().lines().findFirst().orElse(""));
        assertTrue(r.out().contains("complete -F"), "no complete -F");
        for (String word : List.of("run", "sweep", "regress", "--analytic-only", "--vary", "--validation")) {
            assertTrue(r.out().contains(word), word);
        }
    }

    @Test
    void editDistanceCountsSwapsAsOne() {
        assertEquals(1, Moesim.distance("rnu", "run"));
        assertEquals(1, Moesim.distance("hardwre", "hardware"));
        assertEquals(0, Moesim.distance("sweep", "sweep"));
        assertEquals(3, Moesim.distance("", "run"));
    }
}
