package io.moesim.cli;

import java.io.PrintWriter;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error (me.tongfei:progressbar), drawn only when standard error is a
 * terminal; elsewhere (a pipe, a file, a test) every call does nothing, so output stays clean and the
 * same from run to run. The {@code ./moesim} launcher tells whether standard error is a terminal with
 * {@code -Dmoesim.progress=true|false}; without it (the jar run directly) the JVM's console decides.
 * The bar is cleared when closed.
 */
final class Progress implements AutoCloseable {

    /** The system property the launcher sets ({@code true} when stderr is a terminal). */
    static final String PROPERTY = "moesim.progress";

    private final ProgressBar bar;
    private final PrintWriter err;
    private final int width;

    private Progress(ProgressBar bar, PrintWriter err, int width) {
        this.bar = bar;
        this.err = err;
        this.width = width;
    }

    /** Whether bars are drawn in this process. */
    static boolean enabled() {
        String property = System.getProperty(PROPERTY);
        if (property != null) {
            return Boolean.parseBoolean(property);
        }
        return System.console() != null && System.console().isTerminal();
    }

    /** A bar of {@code total} steps named {@code task}; shown in {@code unit} (e.g. {@code points}). */
    static Progress start(PrintWriter err, String task, long total, String unit) {
        return start(err, task, total, unit, 1);
    }

    /**
     * A bar of {@code total} steps, shown in {@code unit}s of {@code unitSize} steps (e.g. steps in
     * milliseconds shown in seconds: {@code "s", 1000}).
     */
    static Progress start(PrintWriter err, String task, long total, String unit, long unitSize) {
        if (!enabled() || err == null) {
            return new Progress(null, null, 0);
        }
        int width = terminalWidth();
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(1, total))
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" " + unit, Math.max(1, unitSize))
                .setUpdateIntervalMillis(200)
                .setConsumer(new DelegatingProgressBarConsumer(line -> {
                    synchronized (err) {
                        err.print('\r');
                        err.print(line);
                        err.flush();
                    }
                }, width - 1))
                .build();
        return new Progress(bar, err, width);
    }

    /** Sets the steps done. */
    void stepTo(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    /** One more step done. */
    void step() {
        if (bar != null) {
            bar.step();
        }
    }

    /** A short message after the bar (e.g. the current loss). */
    void message(String message) {
        if (bar != null) {
            bar.setExtraMessage(message);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            synchronized (err) {
                err.print("\r" + " ".repeat(Math.max(0, width - 1)) + "\r");
                err.flush();
            }
        }
    }

    private static int terminalWidth() {
        try {
            String text = System.getProperty("moesim.columns", System.getenv().getOrDefault("COLUMNS", "80"));
            int columns = Integer.parseInt(text.strip());
            return Math.max(40, Math.min(columns, 200));
        } catch (NumberFormatException e) {
            return 80;
        }
    }
}
