package io.moesim.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the {@code moesim} command line in-process: its exit status and what it printed. */
record CliRun(int status, String out, String err) {

    /** Runs {@code moesim ARGS} with captured output and error streams. */
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Moesim.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(status, out.toString(), err.toString());
    }
}
