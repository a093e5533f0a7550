package org.jalloc.testkit.trace;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapCheckException;
import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorFactory;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.memory.Libc;

/**
 * Replays traces the way CS:APP's mdriver does: one run for correctness and utilization (with the checker after
 * every op when asked), then unchecked timing runs over a reused heap for throughput, keeping the best run. The
 * libc baseline runs the same ops through {@code malloc/realloc/free} via FFM, timed the same way.
 */
public final class TraceReplayer {
    /**
     * @param check         run the first pass under {@link CheckedAllocator}
     * @param timing        measure ops/s with unchecked runs
     * @param minTimingNanos keep timing until this much time has been spent (at least {@code minRuns} runs), after
     *                       untimed warm-up runs for a quarter of it
     * @param minRuns       the fewest timing runs
     * @param maxRuns       the most timing runs
     */
    public record Options(boolean check, boolean timing, long minTimingNanos, int minRuns, int maxRuns) {
        /** Checked or not, timed with at least 3 runs and 0.2 s. */
        public static Options defaults(boolean check) {
            return new Options(check, true, 200_000_000L, 3, 1000);
        }

        /** One pass, no timing. */
        public static Options correctnessOnly(boolean check) {
            return new Options(check, false, 0, 0, 0);
        }
    }

    private TraceReplayer() {}

    public static ReplayResult replay(Trace trace, AllocatorFactory factory, Options options) {
        try (Heap heap = Heap.reserve(factory.heapBytes())) {
            Allocator allocator = factory.create(heap);
            CheckedAllocator checked = options.check() ? new CheckedAllocator(allocator) : null;
            Allocator target = checked != null ? checked : allocator;
            OpRunner runner = new OpRunner(trace.numIds());
            long violations = 0;
            String failure = "";
            try {
                OpList ops = trace.opList();
                for (int i = 0; i < ops.size(); i++) {
                    if (!runner.apply(target, ops, i)) {
                        break;
                    }
                }
                if (checked != null && !runner.outOfMemory()) {
                    checked.verifyAll();
                }
            } catch (HeapCheckException e) {
                violations = e.violations().size();
                failure = String.valueOf(e.getMessage());
            } catch (RuntimeException e) {
                violations = 1;
                failure = "op #" + (runner.executed()) + " threw " + e;
            }
            long external = allocator.heapWalk().externalMetadataBytes();
            long highWater = heap.highWater() - heap.start();
            double utilization = highWater + external == 0 ? 0 : (double) runner.peakRequested() / (highWater + external);
            long visited = checked != null ? checked.extentsVisited() : 0;
            double opsPerSecond = 0;
            if (options.timing() && failure.isEmpty() && !runner.outOfMemory()) {
                opsPerSecond = time(trace, options, () -> {
                    heap.reset();
                    return factory.create(heap);
                });
            }
            return new ReplayResult(trace.name(), factory.name(), runner.executed(), utilization, opsPerSecond, violations,
                    runner.outOfMemory(), runner.peakRequested(), highWater, external, visited, failure);
        }
    }

    /** Best ops/s over unchecked runs, each on a fresh allocator from {@code fresh}. */
    private static double time(Trace trace, Options options, java.util.function.Supplier<Allocator> fresh) {
        long best = Long.MAX_VALUE;
        long spent = 0;
        int runs = 0;
        OpList ops = trace.opList();
        int n = ops.size();
        // Warm-up runs, not counted, so the first traces of a session are not timed while the JIT is still cold.
        long warmEnd = System.nanoTime() + options.minTimingNanos() / 4;
        do {
            Allocator allocator = fresh.get();
            OpRunner runner = new OpRunner(trace.numIds());
            for (int i = 0; i < n; i++) {
                runner.apply(allocator, ops, i);
            }
        } while (System.nanoTime() < warmEnd);
        while (runs < options.maxRuns() && (runs < options.minRuns() || spent < options.minTimingNanos())) {
            Allocator allocator = fresh.get();
            OpRunner runner = new OpRunner(trace.numIds());
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                runner.apply(allocator, ops, i);
            }
            long t = System.nanoTime() - t0;
            best = Math.min(best, t);
            spent += t;
            runs++;
        }
        return n / (Math.max(best, 1) / 1e9);
    }

    /**
     * Best ops/s of the same trace through libc {@code malloc/calloc/aligned_alloc/realloc/free} via FFM downcalls
     * ({@code x} succeeds when {@code malloc_usable_size} already covers the size, as glibc cannot grow in place
     * on request). Live blocks are freed after each timed run.
     *
     * @throws IllegalStateException when the downcalls are unavailable (no native access)
     */
    public static double libcOpsPerSecond(Trace trace, Options options) {
        if (!Libc.available()) {
            throw new IllegalStateException("libc baseline unavailable: " + Libc.unavailableReason());
        }
        OpList ops = trace.opList();
        int n = ops.size();
        long best = Long.MAX_VALUE;
        long spent = 0;
        int runs = 0;
        while (runs < Math.max(1, options.maxRuns()) && (runs < Math.max(1, options.minRuns()) || spent < options.minTimingNanos())) {
            IdTable ptr = new IdTable(trace.numIds());
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                int id = ops.id(i);
                long size = ops.size(i);
                switch (ops.kind(i)) {
                    case 'a' -> ptr.set(id, Libc.malloc(size), 0);
                    case 'c' -> ptr.set(id, Libc.calloc(ops.arg(i), size), 0);
                    case 'm' -> ptr.set(id, Libc.alignedAlloc(ops.arg(i), size), 0);
                    case 'r' -> {
                        long p = Libc.realloc(id >= 0 ? ptr.first(id) : 0, size);
                        if (p != 0 || size == 0) {
                            ptr.set(id, p, 0);
                        }
                    }
                    case 'f' -> {
                        long p = id >= 0 ? ptr.first(id) : 0;
                        if (p != 0) {
                            Libc.free(p);
                            ptr.set(id, 0, 0);
                        }
                    }
                    case 'x' -> {
                        long p = ptr.first(id);
                        if (p != 0) {
                            Libc.usableSize(p);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown op " + ops.get(i));
                }
            }
            long t = System.nanoTime() - t0;
            ptr.forEachSet((id, p, unused) -> Libc.free(p));
            best = Math.min(best, t);
            spent += t;
            runs++;
        }
        return n / (Math.max(best, 1) / 1e9);
    }
}
