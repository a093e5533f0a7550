package org.jalloc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jalloc.core.AllocatorFactory;
import org.jalloc.core.Allocators;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.testkit.fuzz.ConcurrentFuzz;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzFailure;
import org.jalloc.testkit.fuzz.FuzzReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./jalloc fuzz}: checked fuzzing of one allocator or all of them. */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Runs seeded op sequences with the heap checker after every op (checked at barriers with --threads).",
                "A failing sequence is shrunk and printed as a replayable trace."})
final class FuzzCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--allocator", defaultValue = "all", description = "allocator name or spec (NAME:key=value,...), or 'all' (default)")
    String allocator = "all";

    @Option(names = "--ops", defaultValue = "100000", description = "ops per allocator, counting every thread (default ${DEFAULT-VALUE})")
    long ops;

    @Option(names = "--seed", defaultValue = "1", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--heap", defaultValue = "16M", converter = SizeConverter.class, description = "heap size, bytes or K/M/G (default ${DEFAULT-VALUE})")
    long heap;

    @Option(names = "--threads", defaultValue = "1", description = "worker threads; only for thread-safe allocators (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--sequence-ops", defaultValue = "1000", description = "ops per sequence (default ${DEFAULT-VALUE})")
    int sequenceOps;

    @Option(names = "--json", description = "one JSON object per allocator")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (ops <= 0 || threads <= 0 || sequenceOps <= 0) {
            throw new UsageException("--ops, --threads and --sequence-ops must be positive");
        }
        List<String> names = new ArrayList<>();
        if (allocator.equals("all")) {
            List<String> skipped = new ArrayList<>();
            for (AllocatorType t : Allocators.types()) {
                if (threads == 1 || t.threadSafety() == ThreadSafety.CONCURRENT) {
                    names.add(t.name());
                } else {
                    skipped.add(t.name());
                }
            }
            if (names.isEmpty()) {
                throw new UsageException("no allocator supports --threads " + threads + " (all are single-owner)");
            }
            if (!skipped.isEmpty()) {
                err.println("jalloc: --threads " + threads + " skips the single-owner allocators: " + String.join(", ", skipped));
            }
        } else {
            names.add(allocator);
        }
        List<AllocatorFactory> factories = new ArrayList<>();
        for (String name : names) {
            AllocatorFactory f = AllocatorFactory.of(name, heap);
            if (threads > 1 && f.threadSafety() != ThreadSafety.CONCURRENT) {
                throw new UsageException(f.name() + " is single-owner (not thread safe): it cannot be fuzzed with --threads " + threads);
            }
            factories.add(f);
        }
        boolean failed = false;
        Progress progress = new Progress();
        for (AllocatorFactory f : factories) {
            FuzzReport report = threads == 1
                    ? new FuzzEngine(f).opsPerSequence(sequenceOps).run(seed, ops,
                            (done, total, failures) -> progress.show(f.name() + "  " + done + "/" + total + " ops  " + failures + " failing"))
                    : new ConcurrentFuzz(f, threads).run(seed, ops,
                            (done, total, failures) -> progress.show(f.name() + "  " + done + "/" + total + " ops  " + failures + " failing"));
            progress.done();
            failed |= !report.failures().isEmpty();
            for (FuzzFailure failure : report.failures()) {
                (json ? err : out).println(failure);
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("allocator", report.allocator());
                o.put("ops", report.ops());
                o.put("seed", report.seed());
                o.put("violations", report.failures().size());
                o.put("blocksVisited", report.blocksVisited());
                o.put("seconds", report.seconds());
                o.put("threads", threads);
                o.put("sequences", report.sequences());
                out.println(Json.object(o));
            } else {
                out.printf("%-40s %9d ops  %5d sequences  %3d violations  %,14d blocks checked  %6.1f s  (%.1f M blocks/s)%n",
                        report.allocator(), report.ops(), report.sequences(), report.failures().size(), report.blocksVisited(),
                        report.seconds(), report.blocksPerSecond() / 1e6);
            }
            out.flush();
        }
        return failed ? Main.FAILED : 0;
    }
}
