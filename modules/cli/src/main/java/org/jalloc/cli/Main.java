package org.jalloc.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

import org.jalloc.testkit.trace.TraceFormatException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./jalloc}: checked fuzzing, trace replay, statistics and workload generation for every allocator found
 * on the module path. Subcommands, flags and {@code --json} lines are a public contract: extend, don't break.
 *
 * <p>Exit codes: 0 all good; 1 a violation, a failed trace or out of memory in replay; 2 a usage error, an
 * unknown allocator or an unreadable trace.
 */
@Command(name = "jalloc", mixinStandardHelpOptions = true, version = "jalloc 0.1.0",
        description = "Classic memory allocators over off-heap memory, each checked and measured.",
        footer = {"", "Also: ./jalloc bench [--smoke|--quick|--full] [--json] [--report] runs the JMH suite (the launcher runs it on the class path)."},
        subcommands = {FuzzCommand.class, ReplayCommand.class, StatsCommand.class, GenCommand.class, ListCommand.class, CheckRateCommand.class,
                GcFuzzCommand.class, FragmentationCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for violations, failed traces, out of memory. */
    static final int FAILED = 1;
    /** Exit code for usage errors. */
    static final int USAGE = 2;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (for tests). */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UsageException || e instanceof IllegalArgumentException || e instanceof UncheckedIOException
                    || e instanceof TraceFormatException) {
                commandLine.getErr().println("jalloc: " + e.getMessage());
                return USAGE;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
