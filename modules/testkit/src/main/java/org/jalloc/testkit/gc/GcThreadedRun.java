package org.jalloc.testkit.gc;

import java.util.ArrayList;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.HeapCheckException;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.HeapMap;
import org.jalloc.check.Violation;
import org.jalloc.gc.Collector;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.inspect.GcInspector;

/**
 * A checked run of {@code gc-fuzz} operations on several mutator threads of one collector (one that takes several:
 * {@code concurrent}). Each thread applies its own operation list through its own {@link Mutator} and its own part of
 * the shadow graph (its frames and its globals); the objects of different threads never meet, so each part is exact.
 * The heap checker and the oracle — every thread's part at once — run only at safepoints, with every thread stopped:
 * <ul>
 *   <li>at every stop the collector makes (its root scans and remarks, full collections), through the listener;</li>
 *   <li>every 64 operations of each thread, which asks the collector for a safepoint ({@code atSafepoint});</li>
 *   <li>at the end, after a full collection, with completeness.</li>
 * </ul>
 * A thread stops at a poll or a barrier's slow path before it changes the heap or its shadow, so both always agree.
 * The first violation (or exception) stops every thread and is the run's outcome. Types are defined before the threads
 * start, from the first thread's {@code T} operations (the others' are dropped).
 */
public final class GcThreadedRun implements AutoCloseable {
    private final Collector collector;
    private final GcInspector inspector;
    private final List<GcRun> workers = new ArrayList<>();
    private final HeapChecker checker = new HeapChecker();
    private volatile @Nullable RuntimeException failure;
    private volatile boolean stop;
    private long checks;

    /** Creates {@code threads} mutators (in order: the collector's first, then new ones) and defines the types. */
    public GcThreadedRun(Collector collector, int threads, List<GcOp> typeOps, int checkEvery) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive");
        }
        this.collector = collector;
        this.inspector = GcInspector.of(collector);
        List<Integer> types = new ArrayList<>();
        for (GcOp op : typeOps) {
            if (op.kind() == 'T' && types.size() < 16) {
                types.add(collector.types().define("t" + types.size(), Math.floorMod(op.a(), 7), Math.floorMod(op.b(), 65)));
            }
        }
        for (int i = 0; i < threads; i++) {
            Mutator m = i == 0 ? collector.mutator() : collector.newMutator();
            workers.add(new GcRun(collector, m, types, checkEvery, this::checkFromWorker));
        }
        for (GcRun w : workers) {
            w.mutator().enterSafeRegion(); // until its thread takes it
        }
        inspector.onCollection(this::checkInsideStop);
    }

    public Collector collector() {
        return collector;
    }

    /** Checks run so far. */
    public long checks() {
        return checks;
    }

    /**
     * Runs each list on its own platform thread (list i on mutator i; {@code T} operations are skipped), then a final
     * full collection and check. Returns the first failure, or null.
     */
    public @Nullable RuntimeException run(List<List<GcOp>> perThread) throws InterruptedException {
        if (perThread.size() != workers.size()) {
            throw new IllegalArgumentException(perThread.size() + " operation lists for " + workers.size() + " threads");
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < workers.size(); i++) {
            GcRun w = workers.get(i);
            List<GcOp> ops = perThread.get(i);
            threads.add(Thread.ofPlatform().name("gc-fuzz-mutator-" + i).start(() -> work(w, ops)));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure == null) {
            try {
                collector.collect(); // from this thread, no mutator's: every worker is in its safe region
            } catch (RuntimeException e) {
                record(e);
            }
        }
        return failure;
    }

    private void work(GcRun w, List<GcOp> ops) {
        Mutator m = w.mutator();
        m.leaveSafeRegion();
        try {
            for (GcOp op : ops) {
                if (stop) {
                    break;
                }
                if (op.kind() != 'T') {
                    w.apply(op);
                }
            }
        } catch (RuntimeException | StackOverflowError e) {
            record(e instanceof RuntimeException r ? r : new IllegalStateException(w.where() + " threw " + e, e));
        } finally {
            m.enterSafeRegion();
        }
    }

    private synchronized void record(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        stop = true;
    }

    /** A worker's periodic check: ask for a safepoint. */
    private void checkFromWorker(boolean afterCollection) {
        inspector.atSafepoint(() -> checkAll(false));
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    /** The collector's listener: already inside its stop. */
    private void checkInsideStop() {
        checkAll(inspector.fullyCollected());
    }

    /** Every thread's shadow at once against the heap; a violation is recorded (the threads stop), not thrown here. */
    private void checkAll(boolean complete) {
        if (failure != null) {
            return;
        }
        checks++;
        List<Violation> found = new ArrayList<>(checker.check(inspector.heapWalk()));
        if (found.isEmpty()) {
            ShadowGraph all = new ShadowGraph();
            for (GcRun w : workers) {
                all.frames.addAll(w.shadow.frames);
                all.globals.putAll(w.shadow.globals);
            }
            all.compare(workers.get(0).mutator(), inspector, complete, found);
        }
        if (!found.isEmpty()) {
            StringBuilder where = new StringBuilder();
            for (int i = 0; i < workers.size(); i++) {
                where.append(i == 0 ? "" : "; ").append("thread ").append(i).append(" at ").append(workers.get(i).where());
            }
            long at = found.get(0).address();
            String map;
            try {
                map = HeapMap.around(inspector.heapWalk(), at == 0 ? inspector.spaceStart() : at, 4, null);
            } catch (RuntimeException e) {
                map = "(no heap map: " + e + ")";
            }
            record(new HeapCheckException(collector.name(), found, checker.suppressedViolations(), 0, "(threads: " + where + ")", map));
        }
    }

    @Override
    public void close() {
        collector.close();
    }
}
