package org.jalloc.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.Charset;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.testkit.trace.TraceFormatException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./jalloc}: checked fuzzing, trace replay, statistics and workload generation for every allocator found
 * on the module path. Subcommands, flags and {@code --json} lines are a public contract: extend, don't break.
 *
 * <p>Exit codes: 0 all good; 1 a violation, a failed trace, out of memory, or an internal error (an exception
 * jalloc did not expect: one line naming it, the stack trace with {@code JALLOC_STACKTRACE=1}); 2 a usage or input
 * error (a bad flag, an unknown allocator or option, a heap that cannot be reserved, an unreadable or malformed
 * trace, an output that cannot be written), always one line on stderr. No input prints a Java stack trace.
 */
@Command(name = "jalloc", mixinStandardHelpOptions = true, version = "jalloc 0.1.0",
        description = "Classic memory allocators over off-heap memory, each checked and measured.",
        footer = {"", "Also: ./jalloc bench [--smoke|--quick|--full] [--json] [--report] runs the JMH suite (the launcher runs it on the class path)."},
        subcommands = {FuzzCommand.class, ReplayCommand.class, StatsCommand.class, GenCommand.class, ListCommand.class, CheckRateCommand.class,
                GcFuzzCommand.class, FragmentationCommand.class, HeapMapCommand.class, TrimCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before run()
    CommandSpec spec;

    /** Exit code for violations, failed traces, out of memory and internal errors. */
    static final int FAILED = 1;
    /** Exit code for usage and input errors. */
    static final int USAGE = 2;
    /** Set to 1 to get the stack trace of an internal error. */
    static final String STACKTRACE_ENV = "JALLOC_STACKTRACE";

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            System.err.println("jalloc: internal error in thread " + thread.getName() + ": " + describe(e) + hint());
            if (stackTraces()) {
                e.printStackTrace();
            }
        });
        Charset cs = Charset.defaultCharset();
        StdOut out = new StdOut(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), cs));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), cs), true);
        int exit = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(exit);
    }

    /** Runs the CLI with the given streams; returns the exit code (for tests). Never throws. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        int exit;
        try {
            CommandLine cli = new CommandLine(new Main());
            cli.setOut(out);
            cli.setErr(err);
            cli.setParameterExceptionHandler((e, a) -> {
                CommandLine c = e.getCommandLine();
                String name = c.getCommandName();
                String command = c.getParent() == null ? "jalloc" : "jalloc " + name;
                String suggestion = "";
                if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                    suggestion = "; did you mean " + String.join(" or ", u.getSuggestions().stream().limit(3).toList()) + "?";
                }
                err.println(command + ": " + line(String.valueOf(e.getMessage())) + suggestion + " (see ./" + command + " --help)");
                return USAGE;
            });
            cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(e, err));
            exit = cli.execute(args);
        } catch (RuntimeException | Error e) {
            exit = failure(e, err);
        }
        out.flush();
        if (out.checkError()) {
            IOException why = out instanceof StdOut s ? s.error() : null;
            err.println("jalloc: cannot write standard output" + (why == null ? "" : ": " + line(Io.reason(why))));
            exit = exit == 0 ? USAGE : exit;
        }
        err.flush();
        return exit;
    }

    /** Prints what went wrong in one line; returns the exit code it deserves. */
    static int failure(Throwable e, PrintWriter err) {
        if (e instanceof UsageException || e instanceof IllegalArgumentException || e instanceof UncheckedIOException
                || e instanceof TraceFormatException) {
            err.println("jalloc: " + line(String.valueOf(e.getMessage())));
            return USAGE;
        }
        if (e instanceof AllocatorFailure) {
            err.println("jalloc: " + line(String.valueOf(e.getMessage())));
            return FAILED;
        }
        if (e instanceof OutOfMemoryError) {
            err.println("jalloc: out of memory (Java heap): " + line(String.valueOf(e.getMessage())));
            return FAILED;
        }
        err.println("jalloc: internal error: " + describe(e) + hint());
        if (stackTraces()) {
            e.printStackTrace(err);
        }
        return FAILED;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getName() + (m == null ? "" : ": " + line(m));
    }

    private static String hint() {
        return stackTraces() ? "" : " (a bug in jalloc; run with " + STACKTRACE_ENV + "=1 for the stack trace)";
    }

    private static boolean stackTraces() {
        return "1".equals(System.getenv(STACKTRACE_ENV));
    }

    /** A message as one line: line breaks become "; ", and a very long one is cut. */
    static String line(String message) {
        String one = message.strip().replaceAll("\\s*\\R\\s*", "; ");
        return one.length() <= 1000 ? one : one.substring(0, 1000) + "…";
    }

    /** Standard output that remembers why a write failed (a PrintWriter only remembers that one did). */
    static final class StdOut extends PrintWriter {
        private final Recording recording;

        StdOut(Writer w) {
            this(new Recording(w));
        }

        private StdOut(Recording r) {
            super(r);
            this.recording = r;
        }

        @Nullable IOException error() {
            return recording.error;
        }
    }

    private static final class Recording extends Writer {
        private final Writer w;
        @Nullable IOException error;

        Recording(Writer w) {
            this.w = w;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            try {
                w.write(buf, off, len);
            } catch (IOException e) {
                throw remember(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                w.flush();
            } catch (IOException e) {
                throw remember(e);
            }
        }

        @Override
        public void close() throws IOException {
            w.close();
        }

        private IOException remember(IOException e) {
            if (error == null) {
                error = e;
            }
            return e;
        }
    }
}
