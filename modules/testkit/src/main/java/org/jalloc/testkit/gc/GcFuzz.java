package org.jalloc.testkit.gc;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.HeapCheckException;
import org.jalloc.gc.Collector;
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
    /** The collector collects in steps: sequences interleave step operations. */
    private final boolean steps;
    private int opsPerSequence = 1000;
    private int shrinkBudget = 2000;
    private int checkEvery = GcRun.CHECK_EVERY;
    private int threads = 1;
    /** The most mutator threads a threaded run takes (each a platform thread). */
    public static final int MAX_THREADS = 256;

    public GcFuzz(CollectorFactory factory) {
        this.factory = factory;
        Collector probe = factory.create();
        try {
            this.steps = probe.collectsInSteps();
        } finally {
            probe.close();
        }
    }

    /** Operations per sequence; default 1000. */
    public GcFuzz opsPerSequence(int ops) {
        if (ops < 1) {
            throw new IllegalArgumentException("operations per sequence must be positive");
        }
        this.opsPerSequence = ops;
        return this;
    }

    /**
     * Operations between two checks that are not at a collection; default {@link GcRun#CHECK_EVERY}. 1 checks after
     * every operation: slower, but a failure then shrinks independently of where the periodic checks fall.
     */
    public GcFuzz checkEvery(int ops) {
        if (ops < 1) {
            throw new IllegalArgumentException("checkEvery must be positive");
        }
        this.checkEvery = ops;
        return this;
    }

    /**
     * Mutator threads per sequence (default 1). With more, each sequence is one list of operations per thread, run at
     * once on one collector ({@link GcThreadedRun}: the checker and the oracle at safepoints); such failures depend on
     * the schedule and are reported with every thread's operations, not shrunk. Needs a collector that takes several
     * mutators ({@code concurrent}).
     *
     * @throws IllegalArgumentException for fewer than 1 or more than {@link #MAX_THREADS}, or a single-owner collector
     */
    public GcFuzz threads(int n) {
        if (n < 1 || n > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be between 1 and " + MAX_THREADS + ", not " + n);
        }
        if (n > 1) {
            Collector probe = factory.create();
            try {
                probe.mutator();
                probe.newMutator();
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("--threads " + n + ": " + e.getMessage());
            } finally {
                probe.close();
            }
        }
        this.threads = n;
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
            GcFuzzFailure f;
            if (threads > 1) {
                f = runThreaded(s, length, counts);
            } else {
                List<GcOp> ops = GcOpGenerator.generate(s, length, factory.heapBytes(), steps);
                f = runAndShrink(ops, s, counts);
            }
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

    /** One sequence on {@link #threads} threads: {@code length} operations split among them. Not shrunk. */
    private @Nullable GcFuzzFailure runThreaded(long seed, int length, long[] counts) {
        int per = Math.max(1, length / threads);
        List<List<GcOp>> lists = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            lists.add(GcOpGenerator.generate(FuzzEngine.sequenceSeed(seed, t), per, factory.heapBytes(), steps));
        }
        GcThreadedRun run;
        try {
            run = new GcThreadedRun(factory.create(), threads, lists.get(0), checkEvery);
        } catch (RuntimeException e) {
            return new GcFuzzFailure(factory.name(), factory.allocator(), factory.heapBytes(), seed, length, List.of(),
                    e.getClass().getSimpleName(), "creating the collector threw " + e);
        }
        try (run) {
            RuntimeException f;
            try {
                f = run.run(lists);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                f = new IllegalStateException("interrupted", e);
            }
            counts[0] += run.collector().stats().collections();
            counts[1] += run.checks();
            if (f == null) {
                return null;
            }
            String signature = f instanceof HeapCheckException h ? String.join(",", h.invariantIds()) : f.getClass().getSimpleName();
            StringWriter w = new StringWriter();
            if (!(f instanceof HeapCheckException)) {
                f.printStackTrace(new PrintWriter(w));
            }
            StringBuilder msg = new StringBuilder(f instanceof HeapCheckException ? String.valueOf(f.getMessage()) : w.toString());
            List<GcOp> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                msg.append("\n# thread ").append(t).append(" (sequence seed ").append(FuzzEngine.sequenceSeed(seed, t)).append("), ")
                        .append(lists.get(t).size()).append(" operations:\n");
                for (GcOp op : lists.get(t)) {
                    msg.append(op).append('\n');
                }
                all.addAll(lists.get(t));
            }
            msg.append("# ").append(threads).append(" threads: the interleaving decided; not shrunk (marker=steps with one thread shrinks)");
            return new GcFuzzFailure(factory.name(), factory.allocator(), factory.heapBytes(), seed, all.size(), all, signature, msg.toString());
        }
    }

    /** Runs one generated sequence; its shrunk failure, or null. */
    public @Nullable GcFuzzFailure runSequence(long seed) {
        return runAndShrink(GcOpGenerator.generate(seed, opsPerSequence, factory.heapBytes(), steps), seed, new long[2]);
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
            run = new GcRun(factory.create(), checkEvery);
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
