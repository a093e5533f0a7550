package org.jalloc.testkit.gc;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.HeapCheckException;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.Shrinker;

/**
 * {@code gc-fuzz}: seeded sequences of mutator operations ({@link GcOpGenerator}) on fresh collectors in checked
 * mode, each run by a {@link GcRun} (the heap checker and the reachability oracle after every collection and every
 * 64 operations). A failing sequence is shrunk by testkit's delta debugging ({@link Shrinker}) to a short list that
 * fails with the same signature, printable as a replay file with its seed.
 */
public final class GcFuzz {
    /** Receives progress: operations done out of the total, failures so far. */
    @FunctionalInterface
    public interface Progress {
        void update(long opsDone, long opsTotal, int failures);
    }

    private final CollectorFactory factory;
    private int opsPerSequence = 1000;
    private int shrinkBudget = 2000;

    public GcFuzz(CollectorFactory factory) {
        this.factory = factory;
    }

    /** Operations per sequence; default 1000. */
    public GcFuzz opsPerSequence(int ops) {
        if (ops < 1) {
            throw new IllegalArgumentException("operations per sequence must be positive");
        }
        this.opsPerSequence = ops;
        return this;
    }

    /** Runs the shrinker may spend on one failure; default 2000. */
    public GcFuzz shrinkBudget(int runs) {
        this.shrinkBudget = runs;
        return this;
    }

    /** Runs sequences until {@code totalOps} operations have run; every failure is shrunk and kept. */
    public GcFuzzReport run(long seed, long totalOps, @Nullable Progress progress) {
        long t0 = System.nanoTime();
        List<GcFuzzFailure> failures = new ArrayList<>();
        long done = 0;
        long sequences = 0;
        long[] counts = {0, 0};
        while (done < totalOps) {
            int length = (int) Math.min(opsPerSequence, totalOps - done);
            long s = FuzzEngine.sequenceSeed(seed, sequences);
            List<GcOp> ops = GcOpGenerator.generate(s, length, factory.heapBytes());
            GcFuzzFailure f = runAndShrink(ops, s, counts);
            if (f != null) {
                failures.add(f);
            }
            done += length;
            sequences++;
            if (progress != null) {
                progress.update(done, totalOps, failures.size());
            }
        }
        return new GcFuzzReport(factory.name(), factory.allocator(), done, counts[0], counts[1], sequences, failures,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Runs one generated sequence; its shrunk failure, or null. */
    public @Nullable GcFuzzFailure runSequence(long seed) {
        return runAndShrink(GcOpGenerator.generate(seed, opsPerSequence, factory.heapBytes()), seed, new long[2]);
    }

    /** Runs the given operations (a replay file) once, without shrinking: a report of one sequence. */
    public GcFuzzReport replay(List<GcOp> ops) {
        long t0 = System.nanoTime();
        Outcome o = execute(ops);
        List<GcFuzzFailure> failures = o.signature == null ? List.of()
                : List.of(new GcFuzzFailure(factory.name(), factory.allocator(), factory.heapBytes(), -1, ops.size(), ops, o.signature,
                        Objects.requireNonNullElse(o.message, o.signature)));
        return new GcFuzzReport(factory.name(), factory.allocator(), ops.size(), o.collections, o.checks, 1, failures,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Runs the given operations; the shrunk failure, or null. */
    public @Nullable GcFuzzFailure runOps(List<GcOp> ops, long seed) {
        return runAndShrink(ops, seed, new long[2]);
    }

    private @Nullable GcFuzzFailure runAndShrink(List<GcOp> ops, long seed, long[] counts) {
        Outcome first = execute(ops);
        counts[0] += first.collections;
        counts[1] += first.checks;
        if (first.signature == null) {
            return null;
        }
        String signature = first.signature;
        List<GcOp> shrunk = Shrinker.shrink(ops, candidate -> signature.equals(execute(candidate).signature), shrinkBudget);
        Outcome last = execute(shrunk);
        return new GcFuzzFailure(factory.name(), factory.allocator(), factory.heapBytes(), seed, ops.size(), shrunk, signature,
                Objects.requireNonNullElse(last.message, Objects.requireNonNullElse(first.message, signature)));
    }

    private record Outcome(@Nullable String signature, @Nullable String message, long collections, long checks) {}

    /** Runs {@code ops} on a fresh collector: the failure signature (null if none) and counts. */
    Outcome execute(List<GcOp> ops) {
        GcRun run;
        try {
            run = new GcRun(factory.create());
        } catch (RuntimeException e) {
            return new Outcome(e.getClass().getSimpleName(), "creating the collector threw " + e, 0, 0);
        }
        try (run) {
            try {
                for (GcOp op : ops) {
                    run.apply(op);
                }
                run.finish();
                return new Outcome(null, null, run.collector().stats().collections(), run.checks());
            } catch (HeapCheckException e) {
                return new Outcome(String.join(",", e.invariantIds()), e.getMessage(), run.collector().stats().collections(), run.checks());
            } catch (RuntimeException | StackOverflowError e) {
                StringWriter w = new StringWriter();
                e.printStackTrace(new PrintWriter(w));
                return new Outcome(e.getClass().getSimpleName(), "op #" + run.operations() + " "
                        + (run.operations() > 0 && run.operations() <= ops.size() ? ops.get((int) run.operations() - 1) : "") + " threw " + w,
                        run.collector().stats().collections(), run.checks());
            }
        }
    }
}
