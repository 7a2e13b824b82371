package io.moesim.cli;

import io.moesim.models.InputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code moesim} command: entry point and the table of its subcommands. Exit statuses are
 * documented in {@code docs/exit-codes.md}.
 */
@Command(
        name = "moesim",
        mixinStandardHelpOptions = true,
        versionProvider = Moesim.Version.class,
        description = "Simulates and prices Mixture-of-Experts model deployments on GPU clusters.",
        subcommands = {
            CommandLine.HelpCommand.class,
            RunCommand.class,
            ModelsCommand.class,
            HardwareCommand.class,
            TrainCommand.class,
            TraceCommand.class,
            SweepCommand.class,
            ReportCommand.class,
            PlaceCommand.class,
            ValidateCommand.class,
            RegressCommand.class,
            CompletionCommand.class,
        })
public final class Moesim implements Runnable {

    /** Exit status: the command did what was asked (for {@code run}: the deployment fits). */
    public static final int EXIT_OK = 0;

    /**
     * Exit status: moesim itself failed (a bug; the stack trace is printed), or a check failed
     * ({@code validate}: a case left its tolerance; {@code regress}: a prediction moved).
     */
    public static final int EXIT_FAILURE = 1;

    /** Exit status for a user's mistake (bad file, bad field, bad argument). */
    public static final int EXIT_USAGE = 2;

    /**
     * Exit status of {@code run} when the deployment does not fit in memory: the answer (what does
     * not fit, by how much, and changes that would fit) was printed and any {@code --json} written,
     * with {@code "feasible": false}.
     */
    public static final int EXIT_INFEASIBLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit status. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = commandLine(out, err);
        cli.setParameterExceptionHandler((ex, arguments) -> {
            err.println("moesim: " + usageMessage(ex));
            err.flush();
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable cause = ex;
            while (cause != null && !(cause instanceof InputException)) {
                cause = cause.getCause();
            }
            if (cause != null) {
                err.println("moesim: " + cause.getMessage());
                err.flush();
                return EXIT_USAGE;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    /**
     * The command tree with {@code out} and {@code err}: every command and subcommand answers
     * {@code --help} and {@code --version}.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Moesim());
        cli.setOut(out);
        cli.setErr(err);
        for (CommandLine command : all(cli)) {
            CommandLine.Model.CommandSpec spec = command.getCommandSpec();
            if (command.getCommand() instanceof CommandLine.HelpCommand) {
                continue; // has its own --help
            }
            if (!spec.mixinStandardHelpOptions()) {
                spec.mixinStandardHelpOptions(true);
            }
            spec.versionProvider(new Version());
        }
        return cli;
    }

    /** {@code cli} and all its subcommands, depth first. */
    static List<CommandLine> all(CommandLine cli) {
        List<CommandLine> all = new ArrayList<>();
        all.add(cli);
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (!all.contains(sub)) {
                for (CommandLine c : all(sub)) {
                    if (!all.contains(c)) {
                        all.add(c);
                    }
                }
            }
        }
        return all;
    }

    /**
     * One line for a command-line mistake: picocli's message, the suggestions for a mistyped
     * command or option, and where to look.
     */
    static String usageMessage(CommandLine.ParameterException ex) {
        StringBuilder message = new StringBuilder(ex.getMessage().strip());
        CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
        String name = spec.qualifiedName();
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> suggestions = new ArrayList<>(unmatched.getSuggestions());
            List<String> args = unmatched.getUnmatched();
            if (!spec.subcommands().isEmpty() && !args.isEmpty()
                    && !args.getFirst().startsWith("-")) {
                // A mistyped command: the commands nearest in spelling.
                String typed = args.getFirst();
                message = new StringBuilder("unknown command '" + typed + "'");
                suggestions.clear();
                int best = Integer.MAX_VALUE;
                for (String command : spec.subcommands().keySet()) {
                    int d = distance(typed.toLowerCase(java.util.Locale.ROOT), command);
                    if (d < best) {
                        best = d;
                        suggestions.clear();
                    }
                    if (d == best) {
                        suggestions.add(name + " " + command);
                    }
                }
                if (best > Math.max(2, typed.length() / 2)) {
                    suggestions.clear();
                }
            }
            if (!suggestions.isEmpty()) {
                message.append("; did you mean ").append(String.join(" or ", suggestions.subList(0,
                        Math.min(3, suggestions.size())))).append('?');
            }
        }
        message.append(" (see '").append(name).append(" --help')");
        return message.toString().replace('\n', ' ');
    }

    /** Edit distance (insertions, deletions, substitutions, adjacent swaps) between {@code a} and {@code b}. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** {@code moesim --version}: the version and the git commit the jar was built from. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"moesim " + version() + " (" + commit() + ")"};
        }

        /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
        static String version() {
            String v = properties().getProperty("version", "");
            return filled(v) ? v : "0.1.0-SNAPSHOT";
        }

        /**
         * {@code commit 0123456789ab} (with {@code , modified} when the work tree had uncommitted
         * changes), or {@code unknown commit} when not built from a git clone (cli/pom.xml writes
         * moesim-commit.txt).
         */
        static String commit() {
            String commit = "";
            try (InputStream in = Moesim.class.getResourceAsStream("moesim-commit.txt")) {
                if (in != null) {
                    commit = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                }
            } catch (IOException e) {
                // No commit resource: not built from git.
            }
            return commit.matches("[0-9a-f]{7,40}(, modified)?") ? "commit " + commit : "unknown commit";
        }

        private static boolean filled(String value) {
            return !value.isBlank() && !value.contains("${");
        }

        private static Properties properties() {
            Properties p = new Properties();
            try (InputStream in = Moesim.class.getResourceAsStream("moesim-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // No version resource: the defaults above apply.
            }
            return p;
        }
    }
}
