package org.jalloc.gc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.initialization.qual.UnknownInitialization;
import org.jalloc.core.walk.InvariantSink;

/**
 * {@code incremental}: tri-colour mark and sweep in bounded steps interleaved with the mutator (Dijkstra's on-the-fly
 * colours, run by one thread), over any general-purpose jalloc allocator. Many short pauses instead of one long one:
 * a step scans or sweeps at most {@code step} objects (or bytes), and the barrier keeps the mutator from hiding a
 * white object from the marker between steps.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>cycle</dt><dd>IDLE, then MARK (steps until no object is gray), then SWEEP (steps until every object that
 *       existed when the sweep began was examined), then IDLE again</dd>
 *   <dt>colours</dt><dd>with {@code m} the cycle's mark value (the header's mark bit flips meaning each cycle, as in
 *       mark-sweep): black = marked and not on the gray stack, gray = on the gray stack, white = not marked</dd>
 *   <dt>barrier</dt><dd>while marking, on every reference store: {@code dijkstra} (default, insertion) shades the
 *       stored reference, roots included (the roots are scanned once, when the cycle starts, so a white object kept
 *       only in a root must be shaded when it is stored there); {@code yuasa} (deletion, snapshot at the beginning)
 *       shades the overwritten reference of a heap field (root stores need nothing: the roots were scanned)</dd>
 *   <dt>allocate black</dt><dd>objects born during a cycle carry {@code m}: they are never swept by that cycle and
 *       need no scanning (their fields start NULL, later stores go through the barrier)</dd>
 *   <dt>object list</dt><dd>every object in allocation order ({@link ObjectList}): the sweep's resumable cursor</dd>
 *   <dt>pace</dt><dd>bytes of allocation between two automatic steps, set when a cycle starts so that its work
 *       (the live objects of the last cycle to mark, every object to sweep) ends before half the free space is gone:
 *       {@code pace = free / (2 * steps)}</dd>
 * </dl>
 *
 * <h2>Invariants</h2>
 * <pre>
 *   GC-12  while marking (dijkstra): no black object and no root names a white object
 *   GC-13  while marking (yuasa):    every white object reachable at the cycle's start is reachable from a gray one
 *                                    through white objects
 *   GC-14  when marking ends: every object reachable now (dijkstra) / at the start (yuasa) is black
 *   GC-15  objects born during the cycle carry m
 *   GC-5   while sweeping: an object is pending garbage exactly when it is white; between cycles mark = sense
 * </pre>
 *
 * <h2>A cycle</h2>
 * <ol>
 *   <li>Start (when allocation since the last cycle reaches the GOGC budget, or at {@link #step} when idle):
 *       {@code m = !sense}; every root's object is shaded (marked {@code m}, pushed gray); the barrier turns on.</li>
 *   <li>Mark step: pop up to {@code step} gray objects; shade every white object their fields name.</li>
 *   <li>Gray stack empty: marking is done (the barrier's shading is pushed on the same stack); the barrier turns off.</li>
 *   <li>Sweep step: examine up to {@code step} objects of the list: white ones are freed through the allocator.</li>
 *   <li>List done: {@code sense = m}; the cycle counts as a collection (its pause: the sum of its steps).</li>
 * </ol>
 * Steps run at allocations once {@code pace} bytes were allocated since the last one, and at {@link #step}. When the
 * space runs out during a cycle, the cycle is finished in one pause and the allocation retried; if that is not
 * enough, a full collection (a complete cycle, stop-the-world) runs, as {@link #collect()} does.
 */
final class IncrementalCollector extends TriColourCollector {
    enum Fault { NONE, NO_BARRIER }

    enum Barrier { DIJKSTRA, YUASA }

    final Barrier barrierKind;
    private final long budget;
    private final boolean budgetInBytes;
    /** Test-only switches: a planted bug, and the tri-colour checks off (an unchecked program's view). */
    Fault fault = Fault.NONE;
    boolean verifyColours = true;

    /** Also the colour new objects get. */
    private boolean marking;
    private long pace = Long.MAX_VALUE;
    private long allocatedSinceStep;
    private Cause cycleCause = Cause.THRESHOLD;
    private long cyclePause;
    /** The list index of the first object born during the current cycle. */
    private int bornFrom;
    /** Checked mode: the objects reachable when the cycle began (sorted); GC-14 violations at the end of marking. */
    private long[] snapshot = new long[0];
    private final List<String> atMarkEnd = new ArrayList<>();

    // statistics
    long cycles;
    long cyclesFinishedByFullCollection;
    private long[] stepPauses = new long[64];
    long steps;
    long markSteps;
    long sweepSteps;
    /** Objects the barrier shaded. */
    long shaded;

    IncrementalCollector(String name, AllocatorSpace space, long gogc, boolean checked, Barrier barrier, long budget, boolean bytes) {
        super(name, space, gogc, checked);
        this.barrierKind = barrier;
        this.budget = budget;
        this.budgetInBytes = bytes;
    }

    @Override
    public boolean collectsInSteps() {
        return true;
    }

    // ------------------------------------------------------------ the barrier

    /** Marks a white object and pushes it gray; false when it was not white. */
    private boolean shade(long a) {
        long s = heap.getLong(a);
        if (ObjectModel.markOf(s) != m) {
            heap.putLong(a, s ^ ObjectModel.MARK_BIT);
            gray.push(a);
            return true;
        }
        return false;
    }

    @Override
    WriteBarrier newBarrier(@UnknownInitialization Mutator mutator) {
        if (fault == Fault.NO_BARRIER) {
            return WriteBarrier.NONE;
        }
        if (barrierKind == Barrier.YUASA) {
            return new WriteBarrier() {
                @Override
                public void beforeStore(long object, long slot, long oldValue, long newValue) {
                    if (marking && oldValue != 0 && shade(oldValue)) {
                        shaded++;
                    }
                }

                @Override
                public void beforeRootStore(long oldValue, long newValue) {}
            };
        }
        return new WriteBarrier() {
            @Override
            public void beforeStore(long object, long slot, long oldValue, long newValue) {
                if (marking && newValue != 0 && shade(newValue)) {
                    shaded++;
                }
            }

            @Override
            public void beforeRootStore(long oldValue, long newValue) {
                if (marking && newValue != 0 && shade(newValue)) {
                    shaded++;
                }
            }
        };
    }

    // ------------------------------------------------------------ allocation

    @Override
    long allocateStored(long size, int type, int length) {
        long a = space.allocate(size);
        if (a == 0) {
            return 0;
        }
        model.initialize(a, size, type, length, m, 0); // black during a cycle; between cycles m = sense
        objects.add(a);
        if (checked) {
            objectIndex.put(a, size, 0);
        }
        return a;
    }

    /** Idle: start a cycle when one is due; in a cycle: a step of work for every {@code pace} bytes allocated. */
    @Override
    void beforeAllocation(long size) {
        if (phase == Phase.IDLE) {
            if (trigger.shouldCollect(allocatedSinceGc, size, liveBytes)) {
                timedStep(Cause.THRESHOLD);
            }
        } else {
            allocatedSinceStep += size;
            if (allocatedSinceStep >= pace) {
                timedStep(cycleCause);
            }
        }
    }

    /** No room in a cycle: finish it in one pause (what it frees may be enough) before a full collection. */
    @Override
    boolean relieveExhaustion(long size) {
        if (phase == Phase.IDLE) {
            return false;
        }
        finishCycleInOnePause();
        return true;
    }

    // ------------------------------------------------------------ steps

    @Override
    public boolean step() {
        timedStep(Cause.EXPLICIT);
        return true;
    }

    /**
     * One step (starting a cycle when idle), timed, then the listener (the checker between steps). References the
     * mutator holds outside roots die with every step, as with every allocation (checked mode: a new epoch).
     */
    private void timedStep(Cause cause) {
        long t0 = System.nanoTime();
        boolean ended = stepNow(cause);
        long pause = System.nanoTime() - t0;
        recordStep(pause);
        cyclePause += pause;
        if (ended) {
            endCycle();
        } else {
            advanceEpoch();
            afterPause(false);
        }
    }

    private void recordStep(long pause) {
        if (steps == stepPauses.length) {
            stepPauses = Arrays.copyOf(stepPauses, stepPauses.length * 2);
        }
        stepPauses[(int) steps++] = pause;
    }

    /** One bounded step; true when it ended the cycle. */
    private boolean stepNow(Cause cause) {
        allocatedSinceStep = 0;
        switch (phase) {
            case IDLE -> {
                startCycle(cause);
                return false;
            }
            case MARK -> {
                markSteps++;
                markSome(budget);
                return false;
            }
            default -> {
                sweepSteps++;
                return sweepSome(budget);
            }
        }
    }

    private void startCycle(Cause cause) {
        cycleCause = cause;
        cyclePause = 0;
        m = !m;
        phase = Phase.MARK;
        bornFrom = objects.size();
        before = null; // the fingerprint of a stop-the-world collection does not describe a cycle of steps
        if (checked && verifyColours) {
            snapshot = TriColour.reachable(this);
            atMarkEnd.clear();
        }
        scanRoots(stored -> {
            shade(stored);
            return stored;
        });
        marking = true;
        long work = (budgetInBytes ? usedBytes : objects.size()) * 2L; // mark the live part, sweep everything
        long stepsNeeded = Math.max(1, work / budget);
        long free = Math.max(0, space.capacity() - usedBytes);
        pace = Math.max(16, free / (2 * stepsNeeded));
    }

    /** Scans gray objects until {@code units} objects (or bytes) were scanned; ends marking when none is left. */
    private void markSome(long units) {
        long done = 0;
        while (done < units && !gray.isEmpty()) {
            long o = gray.pop();
            long s = heap.getLong(o);
            long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long v = heap.getLong(ObjectModel.slot(o, i));
                if (v != 0) {
                    shade(v);
                }
            }
            done += budgetInBytes ? size : 1;
        }
        if (gray.isEmpty()) {
            endMarking();
        }
    }

    private void endMarking() {
        marking = false;
        if (checked && verifyColours) {
            if (barrierKind == Barrier.YUASA) {
                TriColour.checkMarkingComplete(this, m, snapshot, "when marking began", atMarkEnd::add);
            }
            TriColour.checkMarkingComplete(this, m, TriColour.reachable(this), "when marking ended", atMarkEnd::add);
        }
        snapshot = new long[0];
        gray.clear();
        phase = Phase.SWEEP;
        beginSweep();
    }

    /** Examines up to {@code units} objects (or bytes) of the list, freeing the white ones; true when the sweep ended. */
    private boolean sweepSome(long units) {
        long done = 0;
        while (done < units && objects.unswept() > 0) {
            long size = sweepNext();
            done += budgetInBytes ? size : 1;
        }
        if (objects.unswept() == 0) {
            endSweep();
            pace = Long.MAX_VALUE;
            return true;
        }
        return false;
    }

    /** The cycle is a collection: counted with the sum of its steps as its pause, the listener run (not full). */
    private void endCycle() {
        cycles++;
        endCollection(cycleCause, cyclePause, false);
    }

    /** The space ran out during a cycle: the rest of it in one pause. */
    private void finishCycleInOnePause() {
        long t0 = System.nanoTime();
        if (phase == Phase.MARK) {
            markSome(Long.MAX_VALUE);
        }
        sweepSome(Long.MAX_VALUE);
        long pause = System.nanoTime() - t0;
        recordStep(pause);
        cyclePause += pause;
        endCycle();
    }

    // ------------------------------------------------------------ a full collection

    /** A complete cycle in one pause: the one under way finished first, then a fresh one from the roots. */
    @Override
    void collectNow() {
        if (phase != Phase.IDLE) {
            if (phase == Phase.MARK) {
                markSome(Long.MAX_VALUE);
            }
            sweepSome(Long.MAX_VALUE);
            cyclesFinishedByFullCollection++;
        }
        startCycle(Cause.EXPLICIT);
        markSome(Long.MAX_VALUE);
        sweepSome(Long.MAX_VALUE);
        pace = Long.MAX_VALUE;
    }

    // ------------------------------------------------------------ checks

    @Override
    void checkOwn(InvariantSink sink, GcVerifier.Objects objs) {
        if (!verifyColours) {
            return;
        }
        for (String v : atMarkEnd) {
            sink.violation("GC-14", 0, v, "black", "white");
        }
        atMarkEnd.clear();
        if (phase == Phase.MARK) {
            long[] g = TriColour.sortedCopy(grayArray(), gray.size());
            if (barrierKind == Barrier.DIJKSTRA) {
                TriColour.checkStrong(this, sink, objs, m, g);
            } else {
                TriColour.checkSnapshot(this, sink, objs, m, g, snapshot);
            }
            TriColour.checkAllocatedBlack(this, sink, objects, bornFrom, objects.size(), m);
        } else if (phase == Phase.SWEEP) {
            TriColour.checkAllocatedBlack(this, sink, objects, objects.bornFrom(), objects.size(), m);
        }
    }

    private long[] grayArray() {
        long[] out = new long[gray.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = gray.get(i);
        }
        return out;
    }

    @Override
    long externalBytes() {
        return super.externalBytes() + objects.bytes() + gray.bytes();
    }

    IncrementalStats incrementalStats() {
        return new IncrementalStats(cycles, cyclesFinishedByFullCollection, Arrays.copyOf(stepPauses, (int) steps), markSteps, sweepSteps,
                shaded, barrierKind == Barrier.DIJKSTRA ? "dijkstra" : "yuasa", budget, budgetInBytes ? "bytes" : "objects",
                phase.name().toLowerCase(java.util.Locale.ROOT));
    }
}
