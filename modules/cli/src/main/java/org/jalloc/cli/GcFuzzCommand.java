package org.jalloc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.testkit.gc.CollectorFactory;
import org.jalloc.testkit.gc.GcFuzz;
import org.jalloc.testkit.gc.GcFuzzFailure;
import org.jalloc.testkit.gc.GcFuzzReport;
import org.jalloc.testkit.gc.GcOp;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.jalloc.testkit.json.Json;

/** {@code ./jalloc gc-fuzz}: checked fuzzing of a collector against the reachability oracle. */
@Command(name = "gc-fuzz", mixinStandardHelpOptions = true,
        description = {"Runs seeded mutator operations on a collector in checked mode, with the heap checker and the reachability",
                "oracle after every collection and every 64 operations. A failing sequence is shrunk and printed as a replay file."})
final class GcFuzzCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--collector", required = true, description = "collector name or spec (NAME:key=value,...); ./jalloc list shows them")
    String collector = "";

    @Option(names = "--allocator", description = "for mark-sweep, incremental, concurrent and refcount: the allocator their objects live in (default tlsf)")
    @Nullable String allocator;

    @Option(names = "--ops", defaultValue = "100000", description = "operations in all (default ${DEFAULT-VALUE})")
    long ops;

    @Option(names = "--seed", defaultValue = "1", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--heap", defaultValue = "256K", converter = SizeConverter.class,
            description = "space per sequence, bytes or K/M/G (default ${DEFAULT-VALUE}: small, so collections and exhaustion are frequent)")
    long heap;

    @Option(names = "--sequence-ops", defaultValue = "1000", description = "operations per sequence (default ${DEFAULT-VALUE})")
    int sequenceOps;

    @Option(names = "--threads", defaultValue = "1",
            description = "mutator threads per sequence, 1 to 256 (default ${DEFAULT-VALUE}); more than 1 needs a collector with several mutators"
                    + " (concurrent): each thread runs its own operations, checked at safepoints against the oracle; such failures are not shrunk")
    int threads;

    @Option(names = "--replay", description = "run the operations of a replay file once (as printed for a failure) instead of generating")
    @Nullable Path replay;

    @Option(names = "--json", description = "one JSON line: collector, allocator, ops, collections, violations, seconds")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (ops <= 0 || sequenceOps <= 0) {
            throw new UsageException("--ops and --sequence-ops must be positive");
        }
        CollectorFactory factory = CollectorFactory.of(collector, allocator, heap);
        UsageException.requireRange("--threads", threads, 1, GcFuzz.MAX_THREADS);
        if (threads > 1 && replay != null) {
            throw new UsageException("--replay runs one thread: drop --threads");
        }
        factory.create().close(); // a heap that cannot be reserved or held is a usage error (exit 2), not a violation
        GcFuzz fuzz = new GcFuzz(factory).opsPerSequence(sequenceOps);
        try {
            fuzz.threads(threads);
        } catch (IllegalArgumentException e) {
            throw new UsageException(String.valueOf(e.getMessage()));
        }
        GcFuzzReport report;
        Path file = replay;
        if (file != null) {
            List<GcOp> list;
            try {
                list = GcOp.parseAll(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new UsageException("cannot read " + file + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : Io.reason(e)));
            } catch (IllegalArgumentException e) {
                throw new UsageException(file + ": " + e.getMessage());
            }
            report = fuzz.replay(list);
        } else {
            Progress progress = new Progress();
            report = fuzz.run(seed, ops, (done, total, failures) ->
                    progress.show(factory.name() + "  " + done + "/" + total + " ops  " + failures + " failing"));
            progress.done();
        }
        for (GcFuzzFailure f : report.failures()) {
            (json ? err : out).println(f);
        }
        if (json) {
            Map<String, @Nullable Object> o = new LinkedHashMap<>();
            o.put("collector", report.collector());
            o.put("allocator", report.allocator());
            o.put("ops", report.ops());
            o.put("collections", report.collections());
            o.put("violations", report.failures().size());
            o.put("seconds", report.seconds());
            out.println(Json.LINES.object(o));
        } else {
            out.printf("%-24s %-12s %9d ops  %5d sequences  %7d collections  %7d checks  %3d violations  %6.1f s%n", report.collector(),
                    report.allocator() == null ? "(own space)" : report.allocator(), report.ops(), report.sequences(), report.collections(),
                    report.checks(), report.failures().size(), report.seconds());
        }
        out.flush();
        return report.failures().isEmpty() ? 0 : Main.FAILED;
    }
}
