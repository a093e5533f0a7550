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
                for (Op op : trace.ops()) {
                    if (!runner.apply(target, op)) {
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
        var ops = trace.ops().toArray(new Op[0]);
        // Warm-up runs, not counted, so the first traces of a session are not timed while the JIT is still cold.
        long warmEnd = System.nanoTime() + options.minTimingNanos() / 4;
        do {
            Allocator allocator = fresh.get();
            OpRunner runner = new OpRunner(trace.numIds());
            for (Op op : ops) {
                runner.apply(allocator, op);
            }
        } while (System.nanoTime() < warmEnd);
        while (runs < options.maxRuns() && (runs < options.minRuns() || spent < options.minTimingNanos())) {
            Allocator allocator = fresh.get();
            OpRunner runner = new OpRunner(trace.numIds());
            long t0 = System.nanoTime();
            for (Op op : ops) {
                runner.apply(allocator, op);
            }
            long t = System.nanoTime() - t0;
            best = Math.min(best, t);
            spent += t;
            runs++;
        }
        return ops.length / (Math.max(best, 1) / 1e9);
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
        var ops = trace.ops().toArray(new Op[0]);
        long best = Long.MAX_VALUE;
        long spent = 0;
        int runs = 0;
        int ids = (int) Math.max(16, trace.numIds());
        for (Op op : ops) {
            ids = Math.max(ids, op.id() + 1);
        }
        long[] ptr = new long[ids];
        while (runs < Math.max(1, options.maxRuns()) && (runs < Math.max(1, options.minRuns()) || spent < options.minTimingNanos())) {
            long t0 = System.nanoTime();
            for (Op op : ops) {
                int id = op.id();
                switch (op.kind()) {
                    case 'a' -> ptr[id] = Libc.malloc(op.size());
                    case 'c' -> ptr[id] = Libc.calloc(op.arg(), op.size());
                    case 'm' -> ptr[id] = Libc.alignedAlloc(op.arg(), op.size());
                    case 'r' -> {
                        long p = Libc.realloc(id >= 0 ? ptr[id] : 0, op.size());
                        if (p != 0 || op.size() == 0) {
                            ptr[id] = p;
                        }
                    }
                    case 'f' -> {
                        if (id >= 0 && ptr[id] != 0) {
                            Libc.free(ptr[id]);
                            ptr[id] = 0;
                        }
                    }
                    case 'x' -> {
                        if (ptr[id] != 0) {
                            Libc.usableSize(ptr[id]);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown op " + op);
                }
            }
            long t = System.nanoTime() - t0;
            for (int i = 0; i < ptr.length; i++) {
                if (ptr[i] != 0) {
                    Libc.free(ptr[i]);
                    ptr[i] = 0;
                }
            }
            best = Math.min(best, t);
            spent += t;
            runs++;
        }
        return ops.length / (Math.max(best, 1) / 1e9);
    }
}
