package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ./moesim ...} command in the README's code blocks runs, in-process and in order, and
 * exits 0: output folders ({@code out/...}) go to a temporary folder, paths of the repository are made
 * absolute, and commands that simulate get a shorter simulated time (an extra {@code --set}) so the
 * whole README runs in well under a minute. Inline {@code ./moesim} spans in the prose are either
 * templates (placeholders in capitals, brackets) or also in a code block.
 */
class ReadmeCommandsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** Simulated seconds for README commands that simulate (the README's own take a minute or more). */
    private static final String SHORT = "simulation.durationSeconds=4";

    /** The commands of the README's fenced code blocks, continuation lines joined. */
    static List<String> codeBlockCommands(String readme) {
        List<String> commands = new ArrayList<>();
        boolean inBlock = false;
        StringBuilder current = null;
        for (String line : readme.split("\n", -1)) {
            if (line.strip().startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            if (!inBlock) {
                continue;
            }
            String text = line.strip();
            if (current != null) {
                current.append(' ').append(text.endsWith("\\") ? text.substring(0, text.length() - 1).strip() : text);
            } else if (text.startsWith("./moesim")) {
                current = new StringBuilder(text.endsWith("\\") ? text.substring(0, text.length() - 1).strip() : text);
            }
            if (current != null && !text.endsWith("\\")) {
                commands.add(current.toString().strip());
                current = null;
            }
        }
        return commands;
    }

    /** The arguments after {@code ./moesim}, paths made absolute, out/ under {@code outDir}, simulations shortened. */
    static String[] arguments(String command, Path outDir) {
        List<String> args = new ArrayList<>();
        for (String word : command.split("\\s+")) {
            if (word.equals("./moesim")) {
                continue;
            }
            if (word.startsWith("out/")) {
                args.add(outDir.resolve(word.substring(4)).toString());
            } else if (word.contains("/") && !word.startsWith("-") && !word.contains("=") && Files.exists(ROOT.resolve(word))) {
                args.add(ROOT.resolve(word).toString());
            } else {
                args.add(word);
            }
        }
        String verb = args.getFirst();
        boolean scenario = args.size() > 1 && args.get(1).endsWith(".yaml");
        if (scenario && (verb.equals("run") || verb.equals("sweep") || verb.equals("report"))) {
            args.add("--set");
            args.add(SHORT);
        }
        if (verb.equals("validate") && !args.contains("--cases")) {
            // The README runs from the clone's root, where validate finds validation/cases by default.
            args.add("--cases");
            args.add(ROOT.resolve("validation/cases").toString());
        }
        return args.toArray(String[]::new);
    }

    @Test
    void everyReadmeCommandRuns(@TempDir Path out) throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<String> commands = codeBlockCommands(readme);
        assertTrue(commands.size() >= 5, "commands found: " + commands);
        assertTrue(commands.stream().anyMatch(c -> c.startsWith("./moesim sweep")), commands.toString());
        for (String line : commands) {
            // A trailing "# exit status N" says the status the README promises (0 otherwise).
            Matcher status = Pattern.compile("\\s+#\\s*exit status (\\d+)\\s*$").matcher(line);
            int expected = status.find() ? Integer.parseInt(status.group(1)) : 0;
            String command = line.replaceFirst("\\s+#.*$", "");
            String[] args = arguments(command, out);
            CliRun r = CliRun.of(args);
            assertEquals(expected, r.status(), () -> command + "\n" + String.join(" ", args) + "\n" + r.out() + r.err());
            assertFalse(r.out().isBlank(), command + " printed nothing");
            assertFalse(r.err().contains("Exception"), command + ": " + r.err());
        }
        assertTrue(Files.exists(out.resolve("sweep/sweep.json")));
        assertTrue(Files.exists(out.resolve("sweep-report/report.pdf")));
        assertTrue(Files.exists(out.resolve("report/report.pdf")));
        assertTrue(commands.stream().anyMatch(c -> c.endsWith("# exit status 3")), "the does-it-fit example");
    }

    /** Inline {@code `./moesim ...`} spans of the prose that are whole commands, not templates (no CAPITALS, [, |, ...). */
    static List<String> inlineCommands(String readme) {
        List<String> commands = new ArrayList<>();
        Matcher m = Pattern.compile("`(\\./moesim [^`]*)`").matcher(readme);
        while (m.find()) {
            String span = m.group(1);
            boolean template = span.matches(".*(\\b[A-Z][A-Z_0-9]+\\b|\\[|\\||\\.\\.\\.).*");
            if (!template && !commands.contains(span)) {
                commands.add(span);
            }
        }
        return commands;
    }

    @Test
    void everyWholeInlineCommandRunsToo(@TempDir Path out) throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<String> blocks = codeBlockCommands(readme);
        List<String> inline = inlineCommands(readme);
        assertTrue(inline.containsAll(List.of("./moesim models list", "./moesim hardware list", "./moesim --help",
                "./moesim validate", "./moesim completion")), inline.toString());
        for (String command : inline) {
            if (blocks.contains(command)) {
                continue;
            }
            String[] args = arguments(command, out);
            CliRun r = CliRun.of(args);
            assertEquals(0, r.status(), () -> command + "\n" + r.out() + r.err());
            assertFalse(r.out().isBlank(), command + " printed nothing");
        }
    }

    @Test
    void theExtractionJoinsContinuationLinesAndSkipsOtherCommands() {
        String text = "x\n```\n./moesim sweep a.yaml --vary k=1,2 \\\n    --vary h=x,y --out out/s\nmvn -B verify\n```\n"
                + "`./moesim run X`\n```\n./moesim report out/s --out out/r\n```\n";
        assertEquals(List.of("./moesim sweep a.yaml --vary k=1,2 --vary h=x,y --out out/s", "./moesim report out/s --out out/r"),
                codeBlockCommands(text));
    }
}
