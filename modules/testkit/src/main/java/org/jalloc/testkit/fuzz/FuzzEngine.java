package org.jalloc.testkit.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapCheckException;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.OpRunner;

/**
 * Invariant-checked fuzzing, generic over any allocator: seeded op sequences ({@link OpGenerator}) run under
 * {@link CheckedAllocator} (shadow model, per-block payload patterns, the heap checker after every op, every
 * payload at the end). A failing sequence is shrunk by delta debugging to a short one that fails the same way and
 * reported as a replayable trace with its seed.
 *
 * <p>Each sequence (and each shrinking run) gets a fresh heap and a fresh allocator, closed afterwards.
 */
public final class FuzzEngine {
    /** Receives progress: ops done so far out of the total, and failures so far. */
    @FunctionalInterface
    public interface Progress {
        void update(long opsDone, long opsTotal, int failures);
    }

    private final AllocatorFactory factory;
    private int opsPerSequence = 500;
    private int shrinkBudget = 3000;

    public FuzzEngine(AllocatorFactory factory) {
        this.factory = factory;
    }

    /** Ops per sequence (at least 200 is what the tests use); default 500. */
    public FuzzEngine opsPerSequence(int ops) {
        if (ops < 1) {
            throw new IllegalArgumentException("ops per sequence must be positive");
        }
        this.opsPerSequence = ops;
        return this;
    }

    /** Test runs the shrinker may spend on one failure; default 3000. */
    public FuzzEngine shrinkBudget(int runs) {
        this.shrinkBudget = runs;
        return this;
    }

    /** The seed of sequence {@code index} of a run seeded {@code seed} (SplitMix64 of the pair). */
    public static long sequenceSeed(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Runs sequences until {@code totalOps} ops have been executed; every failure is shrunk and kept. An allocator
     * with a discipline (a stack, an arena, a pool) is fuzzed by {@link DisciplineFuzz}, which keeps it.
     */
    public FuzzReport run(long seed, long totalOps, @Nullable Progress progress) {
        return run(seed, totalOps, progress, () -> false);
    }

    /**
     * As {@link #run(long, long, Progress)}, but stops early, between two sequences, once {@code stop} says so (the
     * soak mode's deadline); the report counts the ops actually run.
     */
    public FuzzReport run(long seed, long totalOps, @Nullable Progress progress, BooleanSupplier stop) {
        DisciplineFuzz discipline = DisciplineFuzz.forFactory(factory);
        if (discipline != null) {
            return discipline.opsPerSequence(opsPerSequence).shrinkBudget(shrinkBudget).run(seed, totalOps, progress, stop);
        }
        return runSequences(factory.name(), seed, totalOps, opsPerSequence, progress, stop,
                (s, length, visited) -> runAndShrink(OpGenerator.generate(s, length, factory.heapBytes()), s, visited));
    }

    /** Generates, runs and shrinks the sequence of {@code length} ops seeded by {@code seed}; null when it passed. */
    interface SequenceRunner {
        @Nullable FuzzFailure run(long seed, int length, long[] visited);
    }

    /**
     * The run loop both engines share: sequences of {@code opsPerSequence} ops (the last one shorter) seeded by
     * {@link #sequenceSeed}, until {@code totalOps} ops ran or {@code stop} says so between two sequences.
     */
    static FuzzReport runSequences(String name, long seed, long totalOps, int opsPerSequence, @Nullable Progress progress,
            BooleanSupplier stop, SequenceRunner runner) {
        long t0 = System.nanoTime();
        List<FuzzFailure> failures = new ArrayList<>();
        long done = 0;
        long sequences = 0;
        long[] visited = {0};
        while (done < totalOps && !stop.getAsBoolean()) {
            int length = (int) Math.min(opsPerSequence, totalOps - done);
            FuzzFailure f = runner.run(sequenceSeed(seed, sequences), length, visited);
            if (f != null) {
                failures.add(f);
            }
            done += length;
            sequences++;
            if (progress != null) {
                progress.update(done, totalOps, failures.size());
            }
        }
        return new FuzzReport(name, done, seed, sequences, failures, visited[0], (System.nanoTime() - t0) / 1e9);
    }

    /** Runs one generated sequence (of the allocator's discipline, if it has one); returns its shrunk failure, or null. */
    public @Nullable FuzzFailure runSequence(long seed) {
        DisciplineFuzz discipline = DisciplineFuzz.forFactory(factory);
        if (discipline != null) {
            return discipline.opsPerSequence(opsPerSequence).shrinkBudget(shrinkBudget).runSequence(seed);
        }
        return runAndShrink(OpGenerator.generate(seed, opsPerSequence, factory.heapBytes()), seed, new long[1]);
    }

    /** Runs the given ops (e.g. from fuzzer bytes); returns the shrunk failure, or null if they passed. */
    public @Nullable FuzzFailure runOps(List<Op> ops, long seed) {
        return runAndShrink(ops, seed, new long[1]);
    }

    private @Nullable FuzzFailure runAndShrink(List<Op> ops, long seed, long[] visited) {
        Outcome first = execute(ops);
        visited[0] += first.visited;
        if (first.signature == null) {
            return null;
        }
        String signature = first.signature;
        List<Op> shrunk = Shrinker.shrink(ops, candidate -> signature.equals(execute(candidate).signature), shrinkBudget);
        Outcome last = execute(shrunk);
        return new FuzzFailure(factory.name(), factory.heapBytes(), seed, ops.size(), shrunk, signature,
                Objects.requireNonNullElse(last.message, first.message == null ? signature : first.message));
    }

    /**
     * An exception an allocator threw, in one line: the exception and where it was thrown (the first jalloc frame
     * and the frame that threw), so a report is a line to read, not a stack trace to scroll (replay the shrunk trace
     * under a debugger for the rest).
     */
    public static String thrown(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        String where = "";
        for (StackTraceElement f : st) {
            if (f.getClassName().startsWith("org.jalloc.") && !f.getClassName().startsWith("org.jalloc.testkit.")) {
                where = " at " + f;
                break;
            }
        }
        if (st.length > 0 && !where.equals(" at " + st[0])) {
            where = " (thrown at " + st[0] + ")" + where;
        }
        String m = String.valueOf(e).replaceAll("\\s*\\R\\s*", "; ");
        return m + where;
    }

    private record Outcome(@Nullable String signature, @Nullable String message, long visited) {}

    private Outcome execute(List<Op> ops) {
        Heap heap = Heap.reserve(factory.heapBytes());
        CheckedAllocator checked;
        try {
            checked = new CheckedAllocator(factory.create(heap));
        } catch (RuntimeException e) {
            heap.close();
            return new Outcome(e.getClass().getSimpleName(), "creating the allocator threw " + e, 0);
        }
        try {
            return execute(checked, ops);
        } finally {
            checked.close();
        }
    }

    private static Outcome execute(CheckedAllocator checked, List<Op> ops) {
        OpRunner runner = new OpRunner(64);
        long opNo = 0;
        try {
            for (Op op : ops) {
                opNo++;
                runner.apply(checked, op);
            }
            checked.verifyAll();
            return new Outcome(null, null, checked.extentsVisited());
        } catch (HeapCheckException e) {
            return new Outcome(String.join(",", e.invariantIds()), e.getMessage(), checked.extentsVisited());
        } catch (RuntimeException | StackOverflowError e) {
            return new Outcome(e.getClass().getSimpleName(), "op #" + opNo + " " + ops.get((int) opNo - 1) + " threw " + thrown(e),
                    checked.extentsVisited());
        }
    }
}
