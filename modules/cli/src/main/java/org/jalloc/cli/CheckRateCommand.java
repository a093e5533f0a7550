package org.jalloc.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.jalloc.testkit.json.Json;

/** {@code ./jalloc check-rate}: how many blocks per second the heap checker walks for an allocator. */
@Command(name = "check-rate", mixinStandardHelpOptions = true,
        description = {"Measures the heap checker: builds a heap of --blocks blocks (every other one freed) and times full checks",
                "(extent walk, free-structure walk, the allocator's own invariants). Reports blocks walked per second."})
final class CheckRateCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--allocator", defaultValue = "first-fit", description = "allocator name or spec (default ${DEFAULT-VALUE})")
    String allocator = "first-fit";

    /** The most blocks check-rate builds (8 bytes each on the Java heap, at least 16 in the allocator's). */
    static final int MAX_BLOCKS = 10_000_000;
    /** The longest measurement, in seconds. */
    static final double MAX_SECONDS = 3600;

    @Option(names = "--blocks", defaultValue = "50000", description = "blocks in the heap, 1 to 10000000 (default ${DEFAULT-VALUE})")
    int blocks;

    @Option(names = "--seconds", defaultValue = "3", description = "time spent checking, up to 3600 (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--heap", defaultValue = "1G", converter = SizeConverter.class, description = "heap size (default ${DEFAULT-VALUE})")
    long heap;

    @Option(names = "--json", description = "one JSON object")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        UsageException.requireRange("--blocks", blocks, 1, MAX_BLOCKS);
        UsageException.requireRange("--seconds", seconds, 0.001, MAX_SECONDS);
        AllocatorFactory factory = Specs.usable(allocator, heap);
        try (Allocator a = factory.create(Specs.reserve(heap))) {
            long[] p = new long[blocks];
            for (int i = 0; i < blocks; i++) {
                p[i] = a.malloc(16 + (i % 7) * 16L);
                if (p[i] == 0) {
                    throw new UsageException("the heap filled up after " + i + " blocks; use a larger --heap");
                }
            }
            for (int i = 0; i < blocks; i += 2) {
                a.free(p[i]);
            }
            HeapChecker checker = new HeapChecker();
            java.util.List<Violation> v = checker.check(Inspection.of(a).heapWalk());
            if (!v.isEmpty()) {
                spec.commandLine().getErr().println(v);
                return Main.FAILED;
            }
            long warmEnd = System.nanoTime() + (long) (seconds * 0.3e9);
            while (System.nanoTime() < warmEnd) {
                checker.check(Inspection.of(a).heapWalk());
            }
            long before = checker.extentsVisited();
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            int checks = 0;
            while (System.nanoTime() < end) {
                checker.check(Inspection.of(a).heapWalk());
                checks++;
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double rate = (checker.extentsVisited() - before) / elapsed;
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("allocator", factory.name());
                o.put("extentsPerCheck", checker.extentCount());
                o.put("checks", checks);
                o.put("blocksPerSecond", rate);
                out.println(Json.LINES.object(o));
            } else {
                out.printf("%s: %,d extents per check, %,d checks in %.1f s: %.1f M blocks/s%n", factory.name(), checker.extentCount(),
                        checks, elapsed, rate / 1e6);
            }
        }
        return 0;
    }
}
