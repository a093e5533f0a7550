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
                "(extent walk, free-structure walk, the allocator's own invariants). Reports blocks walked per second: after a",
                "warm-up of 30% of --seconds, --seconds is split into --rounds timed rounds and the rate is their median",
                "(their range and the mean over all rounds are printed too)."})
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

    /** The most timed rounds. */
    static final int MAX_ROUNDS = 1000;

    @Option(names = "--rounds", defaultValue = "10", description = "timed rounds, 1 to 1000; the rate is their median (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--json", description = "one JSON object")
    boolean json;

    /** Java heap bytes this thread allocated so far, or -1 where the JVM cannot tell. */
    private static long allocatedBytes() {
        return java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                ? t.getCurrentThreadAllocatedBytes() : -1;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        UsageException.requireRange("--blocks", blocks, 1, MAX_BLOCKS);
        UsageException.requireRange("--seconds", seconds, 0.001, MAX_SECONDS);
        UsageException.requireRange("--rounds", rounds, 1, MAX_ROUNDS);
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
            System.gc(); // the heap build's garbage is not the checker's: collect it before the timed rounds
            // Timed rounds: on a shared machine another job's burst slows a round or two; their median is what the
            // checker costs, the range shows the noise, and the mean over all rounds is the old single figure.
            double[] rates = new double[rounds];
            long roundNanos = Math.max(1, (long) (seconds * 1e9 / rounds));
            long allocatedBefore = allocatedBytes();
            long visited = 0;
            long nanos = 0;
            int checks = 0;
            for (int r = 0; r < rounds; r++) {
                long before = checker.extentsVisited();
                long t0 = System.nanoTime();
                long end = t0 + roundNanos;
                long t;
                do {
                    checker.check(Inspection.of(a).heapWalk());
                    checks++;
                    t = System.nanoTime();
                } while (t < end);
                long walked = checker.extentsVisited() - before;
                rates[r] = walked / ((t - t0) / 1e9);
                visited += walked;
                nanos += t - t0;
            }
            long allocated = allocatedBefore < 0 ? -1 : allocatedBytes() - allocatedBefore;
            double elapsed = nanos / 1e9;
            double mean = visited / elapsed;
            double[] sorted = rates.clone();
            java.util.Arrays.sort(sorted);
            double median = rounds % 2 == 1 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
            long perCheck = allocated < 0 ? -1 : Math.round((double) allocated / checks);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("allocator", factory.name());
                o.put("extentsPerCheck", checker.extentCount());
                o.put("checks", checks);
                o.put("blocksPerSecond", median);
                o.put("rounds", rounds);
                o.put("minBlocksPerSecond", sorted[0]);
                o.put("maxBlocksPerSecond", sorted[rounds - 1]);
                o.put("meanBlocksPerSecond", mean);
                o.put("bytesAllocatedPerCheck", perCheck);
                out.println(Json.LINES.object(o));
            } else {
                out.printf("%s: %,d extents per check, %,d checks in %.1f s: %.1f M blocks/s (median of %d rounds, %.1f-%.1f; mean %.1f;"
                        + " %s bytes allocated per check)%n", factory.name(), checker.extentCount(), checks, elapsed, median / 1e6, rounds,
                        sorted[0] / 1e6, sorted[rounds - 1] / 1e6, mean / 1e6, perCheck < 0 ? "unknown" : String.format("%,d", perCheck));
            }
        }
        return 0;
    }
}
