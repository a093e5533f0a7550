package org.jalloc.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One in-process run of {@code ./jalloc} for the CLI's tests: its exit code, standard output and standard error. */
record CliRun(int exit, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(exit, out.toString(), err.toString());
    }

    static CliRun of(List<String> args) {
        return of(args.toArray(String[]::new));
    }

    /** The result lines of a {@code --json} run (only they begin with '{'). */
    List<String> jsonLines() {
        return out.lines().filter(l -> l.startsWith("{")).toList();
    }
}
