package org.jalloc.gc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

import org.checkerframework.checker.initialization.qual.UnknownInitialization;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * {@code concurrent}: mark and sweep while the mutators run. A marker thread traces the heap and sweeps it while any
 * number of mutator threads (platform threads, one {@link Mutator} each) allocate and write; a snapshot-at-the-
 * beginning (SATB) deletion barrier with a buffer per mutator keeps every object reachable when marking began; the
 * world stops only twice per cycle, briefly: to scan the roots and for the final remark. Mutators poll for those
 * stops at allocations and at the barrier's slow path. (CMS's and G1's concurrent marking, Go's collector, over any
 * jalloc allocator.)
 *
 * <h2>The concurrency contract</h2>
 * <b>Lock order</b>: {@code gcLock} → {@code sp} (the safepoint monitor) → {@code allocLock}. Nothing else is taken
 * while one of them is held, and no thread waits for a safepoint while holding {@code allocLock}.
 * <table>
 *   <caption>who owns what, and the memory-ordering rule for each</caption>
 *   <tr><th>state</th><th>owner and ordering</th></tr>
 *   <tr><td>mark bits (header bit 0) during a cycle</td><td>written only by the {@code gcLock} holder (the marker,
 *       or a thread running a full collection while the world is stopped), with an opaque 64-bit store (single-copy
 *       atomic); mutators never write them after an object's birth and read status words only for type and length,
 *       which never change — a racing read sees the word before or after the bit, never a torn type</td></tr>
 *   <tr><td>a new object's header and zeroed fields</td><td>written by its allocating mutator under {@code allocLock}
 *       with the allocation colour; published by a later reference store, which the barrier precedes with a release
 *       fence while marking; the marker reads every reference it follows with an acquire load before reading the
 *       header it names: it never sees a reference to an object whose header it cannot see</td></tr>
 *   <tr><td>reference fields</td><td>written by mutators (plain stores after the barrier); read concurrently by the
 *       marker (acquire loads). SATB makes the race benign: the old value is logged before the store, the new value
 *       is black or was reachable at the snapshot</td></tr>
 *   <tr><td>a mutator's SATB buffer</td><td>owned by its mutator thread; read and emptied by the {@code gcLock}
 *       holder only while the world is stopped (the safepoint monitor orders the mutator's writes before it); a full
 *       buffer is handed off through a lock-free queue (a happens-before edge), the mutator takes a fresh one</td></tr>
 *   <tr><td>the gray stack, the phase, the snapshot, the sweep cursor</td><td>the {@code gcLock} holder's</td></tr>
 *   <tr><td>{@code marking} (the barrier's switch)</td><td>volatile, written only while the world is stopped</td></tr>
 *   <tr><td>the allocator, the object list, the checked-mode index, allocation counters, the allocation colour</td>
 *       <td>under {@code allocLock} (mutators allocating; the sweep freeing in chunks)</td></tr>
 *   <tr><td>shadow stacks</td><td>each mutator's own; read by the collector only while the world is stopped</td></tr>
 *   <tr><td>global handles</td><td>shared; the table is synchronized</td></tr>
 *   <tr><td>mutator states, owners, parked threads, the mutator list</td><td>under {@code sp}</td></tr>
 * </table>
 *
 * <h2>The safepoint protocol</h2>
 * <ol>
 *   <li>Only the {@code gcLock} holder stops the world, so stops never nest. It sets the request (volatile) and waits
 *       on {@code sp} until every attached mutator is stopped: in a safe region ({@link Mutator#enterSafeRegion}),
 *       parked at a poll, or owned by the requesting thread.</li>
 *   <li>A mutator polls at every allocation (before allocating: it holds no reference that is not in a root) and at
 *       the barrier's slow path (after handing off a full buffer). A root-scanning stop (the cycle's start, a full
 *       collection) takes mutators only at allocations and in safe regions: a store in flight holds references that
 *       are in no root. The remark takes them at either kind of poll.</li>
 *   <li>A parked mutator waits on {@code sp} until the request is withdrawn; the requester's release of {@code sp}
 *       orders everything done in the stop before the mutator continues.</li>
 *   <li>A thread that must wait for {@code gcLock} (a full collection, a mutator helping a cycle it outran) counts as
 *       parked while it waits, so the holder can still stop the world.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <pre>
 *   GC-13  while marking: every white object reachable at the snapshot is reachable from a gray or logged object
 *          through white objects
 *   GC-14  at the remark: every object reachable at the snapshot is black
 *   GC-15  objects born during the cycle carry its mark value
 *   GC-16  outside marking: the barrier is off and every SATB buffer, handed off or not, is empty
 *   GC-17  a stop-the-world phase runs only while every attached mutator is stopped (root scans: at an allocation
 *          poll or in a safe region)
 * </pre>
 *
 * <h2>A cycle</h2>
 * <ol>
 *   <li>Allocation since the last cycle reaches the GOGC budget, or the allocator's blocks fill 60% of the space: the allocating mutator
 *       wakes the marker.</li>
 *   <li>Root scan (stop-the-world): {@code m = !m}; the allocation colour becomes {@code m} (allocate black); every
 *       root's object is shaded; the barrier turns on.</li>
 *   <li>Concurrent mark: the marker drains handed-off buffers and the gray stack, {@code step} objects at a time,
 *       releasing {@code gcLock} between chunks.</li>
 *   <li>Remark (stop-the-world): every mutator's partial buffer is drained and marking finishes; the barrier turns
 *       off; the sweep begins.</li>
 *   <li>Concurrent sweep: the object list is examined in chunks under {@code allocLock}; white objects are freed.</li>
 *   <li>The cycle counts as a collection, its pause the sum of its two stops.</li>
 * </ol>
 * A mutator that allocates another half budget while a cycle runs (or before the marker began a requested one), or
 * finds 85% of the space in blocks, waits for the cycle to end: the marker did not keep up (an assist).
 * A full collection ({@link #collect()}, or an allocation the space cannot serve) stops the world, finishes any cycle
 * and runs a complete one inside the stop. With {@code marker=steps} there is no marker thread: the work runs in
 * {@link #step} calls (and in the allocating thread when it outruns a cycle), deterministically — how gc-fuzz
 * reproduces and shrinks a concurrent failure.
 */
final class ConcurrentCollector extends TriColourCollector {
    enum Fault { NONE, NO_BARRIER, NO_SAFEPOINT_WAIT }


    /** What a stop waits for: mutators at allocation polls and in safe regions, or at any poll. */
    private enum Stop { NONE, ROOTS, ANY }

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    // ---- configuration
    private final boolean threadMarker;
    private final long budget;
    private final int bufferSize;
    private final MemorySegment memory;
    /** Test-only switches: planted bugs, and the tri-colour checks off (an unchecked program's view). */
    Fault fault = Fault.NONE;
    boolean verifyColours = true;

    // ---- locks
    final ReentrantLock gcLock = new ReentrantLock();
    private final Object sp = new Object();
    private final Object allocLock = new Object();

    // ---- safepoints (under sp)
    private Stop requested = Stop.NONE;
    private volatile boolean stopRequested;
    private volatile Stop requestedKind = Stop.NONE;
    private @Nullable Thread requester;
    private final Set<Thread> parkedAtAllocation = new HashSet<>();
    private final Set<Thread> parkedAtBarrier = new HashSet<>();
    private final List<Satb> states = new ArrayList<>();
    /** A cycle the marker is to run (set by a mutator, cleared when a cycle or full collection ends); written under sp. */
    private volatile boolean cycleRequested;
    private long cyclesEnded;
    private volatile boolean closed;
    private volatile @Nullable RuntimeException failure;
    private @Nullable Thread marker;

    // ---- marking (gcLock)
    volatile boolean marking;
    final ConcurrentLinkedQueue<long[]> handedOff = new ConcurrentLinkedQueue<>();
    private long[] snapshot = new long[0];
    private final List<String> pending = new ArrayList<>();
    private Cause cycleCause = Cause.THRESHOLD;
    private long cyclePause;
    private int bornFrom;

    // ---- allocation (allocLock)
    private boolean allocMark;
    private long allocatedInCycle;
    /** The allocator's usable bytes of every object (its blocks, not the objects' sizes): the occupancy the pacing reads. */
    private long blockBytes;

    // ---- statistics
    long cycles;
    long fullCollections;
    long concurrentModeFailures;
    long assists;
    long loggedEntries;
    long buffersHandedOff;
    long markerNanos;
    private long[] rootScanPauses = new long[16];
    private int rootScans;
    private long[] remarkPauses = new long[16];
    private int remarks;
    private long[] fullPauses = new long[16];
    private int fulls;
    private long maxTimeToSafepoint;

    ConcurrentCollector(String name, AllocatorSpace space, long gogc, boolean checked, boolean threadMarker, long budget, int bufferSize) {
        super(name, space, gogc, checked);
        this.threadMarker = threadMarker;
        this.budget = budget;
        this.bufferSize = bufferSize;
        this.memory = space.heap().memory();
    }

    @Override
    public boolean collectsInSteps() {
        return !threadMarker;
    }

    // ------------------------------------------------------------ the mutators' state and barrier

    /** A mutator's SATB buffer and safepoint state: its barrier. */
    final class Satb implements WriteBarrier {
        long[] buf = new long[bufferSize];
        int n;
        /** Under sp: in a safe region; detached; the thread that uses it. */
        boolean safe;
        boolean detached;
        @Nullable Thread owner = Thread.currentThread();
        private final boolean active = fault != Fault.NO_BARRIER;

        @Override
        public void beforeStore(long object, long slot, long oldValue, long newValue) {
            if (!marking) {
                return;
            }
            VarHandle.releaseFence(); // a new object's header before the store that may publish it to the marker
            if (active && oldValue != 0) {
                buf[n++] = oldValue;
                if (n == buf.length) {
                    slowPath();
                }
            }
        }

        @Override
        public void beforeRootStore(long oldValue, long newValue) {}

        /** The buffer is full: hand it off, take a fresh one, poll (remark only: a store is in flight). */
        private void slowPath() {
            handedOff.add(Arrays.copyOf(buf, n));
            loggedEntriesAdd(n);
            n = 0;
            poll(Stop.ANY);
        }
    }

    private synchronized void loggedEntriesAdd(int k) {
        loggedEntries += k;
        buffersHandedOff++;
    }

    private Satb satb(Mutator mu) {
        return (Satb) mu.barrier();
    }

    @Override
    WriteBarrier newBarrier(@UnknownInitialization Mutator mutator) {
        Satb s = new Satb();
        states.add(s); // under sp: attach holds it
        return s;
    }

    @Override
    Mutator attach() {
        synchronized (sp) {
            waitWhileStopped();
            Mutator mu = super.attach();
            return mu;
        }
    }

    @Override
    public Mutator newMutator() {
        mutator(); // the first mutator exists before any other
        return attach();
    }

    @Override
    void detach(Mutator mu) {
        synchronized (sp) {
            waitWhileStopped();
            Satb s = satb(mu);
            if (s.detached) {
                throw new IllegalStateException("mutator already detached");
            }
            if (s.n > 0) {
                handedOff.add(Arrays.copyOf(s.buf, s.n)); // logged entries belong to the cycle, not to the thread
                s.n = 0;
            }
            s.detached = true;
            states.remove(s);
            mutators.remove(mu);
            sp.notifyAll();
        }
    }

    @Override
    void enterSafeRegion(Mutator mu) {
        synchronized (sp) {
            satb(mu).safe = true;
            sp.notifyAll();
        }
    }

    @Override
    void leaveSafeRegion(Mutator mu) {
        synchronized (sp) {
            waitWhileStopped();
            Satb s = satb(mu);
            s.safe = false;
            s.owner = Thread.currentThread();
        }
        rethrowFailure();
    }

    /** Under sp: waits while another thread's stop is in progress. */
    private void waitWhileStopped() {
        while (requested != Stop.NONE && requester != Thread.currentThread() && !closed) {
            try {
                sp.wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the world was stopped", e);
            }
        }
    }

    /** A poll: parks the calling thread while a stop of the given reach is requested. */
    private void poll(Stop at) {
        if (!stopRequested) {
            return;
        }
        synchronized (sp) {
            if (requested == Stop.NONE || requester == Thread.currentThread()) {
                return;
            }
            if (at == Stop.ANY && requested == Stop.ROOTS) {
                return; // a root scan takes this thread at its next allocation
            }
            Set<Thread> parked = at == Stop.ROOTS ? parkedAtAllocation : parkedAtBarrier;
            Thread t = Thread.currentThread();
            parked.add(t);
            sp.notifyAll();
            try {
                waitWhileStopped();
            } finally {
                parked.remove(t);
            }
        }
    }

    private void rethrowFailure() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    /** Takes gcLock; while waiting, the calling thread counts as parked at an allocation poll. */
    private void lockGc() {
        if (gcLock.tryLock()) {
            return;
        }
        Thread t = Thread.currentThread();
        synchronized (sp) {
            parkedAtAllocation.add(t);
            sp.notifyAll();
        }
        try {
            gcLock.lock();
        } finally {
            synchronized (sp) {
                parkedAtAllocation.remove(t);
            }
        }
    }

    /**
     * Stops the world (the caller holds gcLock): returns once every attached mutator is stopped, with the time it
     * took; -1 if the collector was closed meanwhile.
     */
    private long stopTheWorld(Stop kind) {
        long t0 = System.nanoTime();
        synchronized (sp) {
            requested = kind;
            requestedKind = kind;
            requester = Thread.currentThread();
            stopRequested = true;
            if (fault != Fault.NO_SAFEPOINT_WAIT) {
                while (!allStopped(kind) && !closed) {
                    try {
                        sp.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        resumeLocked();
                        throw new IllegalStateException("interrupted while stopping the world", e);
                    }
                }
            }
            if (closed) {
                resumeLocked();
                return -1;
            }
            checkStopped(kind);
        }
        long ttsp = System.nanoTime() - t0;
        maxTimeToSafepoint = Math.max(maxTimeToSafepoint, ttsp);
        return ttsp;
    }

    private void resumeTheWorld() {
        synchronized (sp) {
            resumeLocked();
        }
    }

    private void resumeLocked() {
        requested = Stop.NONE;
        requestedKind = Stop.NONE;
        requester = null;
        stopRequested = false;
        sp.notifyAll();
    }

    /** Under sp. */
    private boolean allStopped(Stop kind) {
        for (Satb s : states) {
            if (!stopped(s, kind)) {
                return false;
            }
        }
        return true;
    }

    private boolean stopped(Satb s, Stop kind) {
        Thread o = s.owner;
        return s.safe || o == requester || (o != null && parkedAtAllocation.contains(o))
                || (kind == Stop.ANY && o != null && parkedAtBarrier.contains(o));
    }

    /** GC-17, under sp at every stop: a mutator still running is a broken safepoint, reported by the next check. */
    @Enforces("GC-17")
    private void checkStopped(Stop kind) {
        for (int i = 0; i < states.size(); i++) {
            Satb s = states.get(i);
            if (!stopped(s, kind)) {
                pending.add("GC-17|mutator " + i + " (thread " + s.owner + ") was running during a " + (kind == Stop.ROOTS ? "root-scanning" : "")
                        + " stop-the-world phase|parked at " + (kind == Stop.ROOTS ? "an allocation poll" : "a poll") + " or in a safe region");
            }
        }
    }

    // ------------------------------------------------------------ allocation

    @Override
    long allocateStored(long size, int type, int length) {
        long a = space.allocate(size);
        if (a == 0) {
            return 0;
        }
        model.initialize(a, size, type, length, allocMark, 0);
        objects.add(a);
        blockBytes += space.allocator.usableSize(a);
        if (checked) {
            objectIndex.put(a, size, 0);
        }
        return a;
    }

    @Override
    long allocateSized(long size, int type, int length, boolean mayCollect) {
        if (mayCollect) {
            poll(Stop.ROOTS);
            rethrowFailure();
        }
        if (size > space.capacity()) {
            synchronized (allocLock) {
                failedAllocations++;
            }
            return 0;
        }
        boolean start = false;
        boolean outran = false;
        if (mayCollect) {
            synchronized (allocLock) {
                long cap = space.capacity();
                if (phase == Phase.IDLE) {
                    // GOGC, or the occupancy at which a cycle must begin to end before the space fills (G1's IHOP):
                    // objects born during a cycle float until the next one, so GOGC alone overshoots a small heap
                    start = trigger.shouldCollect(allocatedSinceGc, size, liveBytes) || (gogcOn() && blockBytes + size >= cap / 10 * 6);
                    // a requested cycle the marker has not begun (not scheduled yet): past half a budget more, wait for it
                    long b = trigger.budget(liveBytes);
                    outran = start && threadMarker && allocatedSinceGc + size - b >= b / 2;
                } else {
                    // pacing: the cycle must end before the mutator allocates half a budget more (objects born in the
                    // cycle are black, so they float until the next one: a whole budget more would fill a 3x heap)
                    outran = gogcOn() && (allocatedInCycle + size >= trigger.budget(liveBytes) / 2 || blockBytes + size >= cap / 20 * 17);
                }
            }
            // before allocating: the new object must get the colour of the cycle it is born in
            if (start) {
                requestCycle();
            }
            if (outran) {
                assist();
            }
        }
        long stored;
        synchronized (allocLock) {
            stored = allocateStored(size, type, length);
            if (stored != 0) {
                countAllocation(size);
                allocatedInCycle += size;
            }
        }
        if (stored == 0 && mayCollect) {
            collect(Cause.EXHAUSTION);
            synchronized (allocLock) {
                stored = allocateStored(size, type, length);
                if (stored != 0) {
                    countAllocation(size);
                    allocatedInCycle += size;
                } else {
                    failedAllocations++;
                }
            }
        }
        return stored;
    }

    private boolean gogcOn() {
        return trigger.gogc() >= 0;
    }

    /** Threshold reached while idle: the marker starts a cycle (steps: this thread does, at once). */
    private void requestCycle() {
        if (threadMarker) {
            synchronized (sp) {
                cycleRequested = true;
                if (marker == null && !closed) {
                    Thread t = Thread.ofPlatform().daemon().name("jalloc-gc-marker").unstarted(this::markerLoop);
                    marker = t;
                    t.start();
                }
                sp.notifyAll();
            }
        } else {
            lockGc();
            try {
                if (phase == Phase.IDLE) {
                    runUnit(Cause.THRESHOLD);
                }
            } finally {
                gcLock.unlock();
            }
            rethrowFailure();
        }
    }

    /** The mutator allocated a whole budget during one cycle: it waits for the cycle to end (steps: ends it). */
    private void assist() {
        assistsAdd();
        if (threadMarker) {
            Thread t = Thread.currentThread();
            synchronized (sp) {
                long seen = cyclesEnded;
                parkedAtAllocation.add(t);
                sp.notifyAll();
                try {
                    // a cycle is running, or requested of the marker (which ends it and counts it in cyclesEnded)
                    while (cyclesEnded == seen && (phase != Phase.IDLE || cycleRequested) && !closed && failure == null) {
                        sp.wait();
                    }
                    waitWhileStopped();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the marker", e);
                } finally {
                    parkedAtAllocation.remove(t);
                }
            }
        } else {
            lockGc();
            try {
                while (phase != Phase.IDLE && failure == null) {
                    runUnit(Cause.THRESHOLD);
                }
            } finally {
                gcLock.unlock();
            }
        }
        rethrowFailure();
    }

    private synchronized void assistsAdd() {
        assists++;
    }

    // ------------------------------------------------------------ the marker

    private void markerLoop() {
        while (!closed) {
            synchronized (sp) {
                while (!closed && (failure != null || (!cycleRequested && phase == Phase.IDLE))) {
                    try {
                        sp.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (closed) {
                return;
            }
            do {
                gcLock.lock();
                try {
                    if (failure == null && !closed && (phase != Phase.IDLE || cycleRequested)) { // not when a full collection did it
                        runUnit(Cause.THRESHOLD);
                    }
                } catch (RuntimeException e) {
                    failure = e; // the checker's verdict (or a bug) reaches the mutators at their next poll
                    synchronized (sp) {
                        sp.notifyAll();
                    }
                } finally {
                    gcLock.unlock();
                }
            } while (phase != Phase.IDLE && failure == null && !closed);
        }
    }

    @Override
    public boolean step() {
        if (threadMarker) {
            return false;
        }
        lockGc();
        try {
            long stops = rootScans + remarks;
            runUnit(Cause.EXPLICIT);
            if (rootScans + remarks == stops) {
                checkAtSafepoint(); // the stops ran the checker themselves
            }
        } finally {
            gcLock.unlock();
        }
        rethrowFailure();
        return true;
    }

    /** Steps mode: the checker between steps, at a safepoint. */
    private void checkAtSafepoint() {
        if (afterCollection == null || closed) {
            return;
        }
        if (stopTheWorld(Stop.ANY) < 0) {
            return;
        }
        try {
            afterPause(false);
        } finally {
            resumeTheWorld();
        }
    }

    /** One unit of the marker's work (the caller holds gcLock). */
    private void runUnit(Cause cause) {
        long t0 = System.nanoTime();
        switch (phase) {
            case IDLE -> startCycle(cause);
            case MARK -> {
                if (!markSome(budget)) {
                    remark();
                }
            }
            default -> sweepSome(budget);
        }
        synchronized (this) {
            markerNanos += System.nanoTime() - t0;
        }
    }

    // ------------------------------------------------------------ marking

    private boolean shade(long a) {
        long s = (long) LONG.getOpaque(memory, a);
        if (ObjectModel.markOf(s) != m) {
            LONG.setOpaque(memory, a, s ^ ObjectModel.MARK_BIT);
            gray.push(a);
            return true;
        }
        return false;
    }

    /** Root scan: the first stop of a cycle. */
    private void startCycle(Cause cause) {
        if (stopTheWorld(Stop.ROOTS) < 0) {
            return;
        }
        long t0 = System.nanoTime(); // the pause: every mutator stopped (the time to reach the safepoint is apart)
        try {
            cycleCause = cause;
            cyclePause = 0;
            before = null;
            synchronized (allocLock) {
                m = !m;
                allocMark = m;
                allocatedInCycle = 0;
                bornFrom = objects.size();
            }
            phase = Phase.MARK;
            if (checked && verifyColours) {
                snapshot = TriColour.reachable(this);
            }
            scanRoots(stored -> {
                shade(stored);
                return stored;
            });
            marking = true;
            advanceEpoch(); // every mutator is at an allocation or in a safe region: its loose references die here
            long pause = System.nanoTime() - t0;
            cyclePause += pause;
            rootScanPauses = add(rootScanPauses, rootScans++, pause);
            afterPause(false);
        } finally {
            resumeTheWorld();
        }
    }

    private static long[] add(long[] a, int i, long v) {
        long[] out = i == a.length ? Arrays.copyOf(a, a.length * 2) : a;
        out[i] = v;
        return out;
    }

    /** Drains handed-off buffers and scans up to {@code units} gray objects; false when no work is left. */
    private boolean markSome(long units) {
        long done = 0;
        while (done < units) {
            if (gray.isEmpty()) {
                long[] b = handedOff.poll();
                if (b == null) {
                    return false;
                }
                for (long v : b) {
                    shade(v);
                }
                continue;
            }
            long o = gray.pop();
            long s = (long) LONG.getOpaque(memory, o);
            int n = ObjectModel.typeOf(s) == Types.REF_ARRAY ? ObjectModel.lengthOf(s) : types.refFields(ObjectModel.typeOf(s));
            for (int i = 0; i < n; i++) {
                long v = (long) LONG.getAcquire(memory, ObjectModel.slot(o, i));
                if (v != 0) {
                    shade(v);
                }
            }
            done++;
        }
        return true;
    }

    /** The final remark: the second stop. Every partial buffer drained, marking finished, the sweep begun. */
    private void remark() {
        if (stopTheWorld(Stop.ANY) < 0) {
            return;
        }
        long t0 = System.nanoTime(); // the pause: every mutator stopped (the time to reach the safepoint is apart)
        try {
            for (Satb s : states) {
                for (int i = 0; i < s.n; i++) {
                    shade(s.buf[i]);
                }
                if (s.n > 0) {
                    loggedEntriesAdd(s.n);
                }
                s.n = 0;
            }
            markSome(Long.MAX_VALUE);
            marking = false;
            if (checked && verifyColours) {
                TriColour.checkMarkingComplete(this, m, snapshot, "at the snapshot", v -> pending.add("GC-14|" + v + "|black"));
            }
            snapshot = new long[0];
            gray.clear();
            synchronized (allocLock) {
                beginSweep();
            }
            phase = Phase.SWEEP;
            long pause = System.nanoTime() - t0;
            cyclePause += pause;
            remarkPauses = add(remarkPauses, remarks++, pause);
            afterPause(false);
        } finally {
            resumeTheWorld();
        }
    }

    /** Under allocLock: the block's usable bytes leave the occupancy figure the trigger reads. */
    @Override
    void beforeFree(long a) {
        blockBytes -= space.allocator.usableSize(a);
    }

    /** Sweeps up to {@code units} objects of the list under allocLock; ends the cycle when the list is done. */
    private void sweepSome(long units) {
        boolean ended = false;
        synchronized (allocLock) {
            long done = 0;
            while (done < units && objects.unswept() > 0) {
                sweepNext();
                done++;
            }
            if (objects.unswept() == 0) {
                endSweep();
                cycles++;
                countCollection(cycleCause, cyclePause); // no epoch, no listener: the mutators run
                ended = true;
            }
        }
        if (ended) {
            synchronized (sp) {
                cyclesEnded++;
                cycleRequested = false; // cleared at the end, so an assisting mutator waits for this cycle's end
                sp.notifyAll();
            }
        }
    }

    // ------------------------------------------------------------ full collections

    @Override
    void collect(Cause cause) {
        rethrowFailure();
        lockGc();
        try {
            if (stopTheWorld(Stop.ROOTS) < 0) {
                return;
            }
            long t0 = System.nanoTime();
            try {
                if (checked) {
                    before = Fingerprint.of(this);
                }
                if (phase != Phase.IDLE) {
                    if (phase == Phase.MARK) {
                        for (Satb s : states) {
                            for (int i = 0; i < s.n; i++) {
                                shade(s.buf[i]);
                            }
                            s.n = 0;
                        }
                        markSome(Long.MAX_VALUE);
                        marking = false;
                        gray.clear();
                        synchronized (allocLock) {
                            beginSweep();
                        }
                        phase = Phase.SWEEP;
                    }
                    sweepAllNoCount();
                    if (cause == Cause.EXHAUSTION) {
                        concurrentModeFailures++;
                    }
                }
                // a fresh, complete cycle inside the stop
                synchronized (allocLock) {
                    m = !m;
                    allocMark = m;
                    allocatedInCycle = 0;
                }
                scanRoots(stored -> {
                    shade(stored);
                    return stored;
                });
                markSome(Long.MAX_VALUE);
                gray.clear();
                synchronized (allocLock) {
                    beginSweep();
                }
                phase = Phase.SWEEP;
                sweepAllNoCount();
                snapshot = new long[0];
                long pause = System.nanoTime() - t0;
                fullPauses = add(fullPauses, fulls++, pause);
                fullCollections++;
                synchronized (allocLock) {
                    countCollection(cause, pause);
                }
                advanceEpoch();
                afterPause(true);
            } finally {
                resumeTheWorld();
            }
        } finally {
            gcLock.unlock();
        }
        synchronized (sp) {
            cyclesEnded++;
            cycleRequested = false;
            sp.notifyAll();
        }
    }

    /** Sweeps the whole list (the world is stopped) without counting a cycle. */
    private void sweepAllNoCount() {
        synchronized (allocLock) {
            while (objects.unswept() > 0) {
                sweepNext();
            }
            endSweep();
        }
    }

    @Override
    void collectNow() {
        throw new IllegalStateException("concurrent collections run through collect(Cause)");
    }

    @Override
    void atSafepoint(Runnable action) {
        if (gcLock.isHeldByCurrentThread()) {
            synchronized (sp) {
                if (requester != Thread.currentThread()) {
                    throw new IllegalStateException("atSafepoint inside the collector's work but outside a stop");
                }
            }
            action.run(); // already stopped by this thread (the checker inside a stop)
            return;
        }
        lockGc();
        try {
            if (stopTheWorld(Stop.ANY) < 0) {
                return;
            }
            try {
                action.run();
            } finally {
                resumeTheWorld();
            }
        } finally {
            gcLock.unlock();
        }
    }

    @Override
    long storedFromMutator(long ref) {
        if (!checked) {
            return super.storedFromMutator(ref);
        }
        synchronized (allocLock) {
            return super.storedFromMutator(ref);
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (sp) {
            closed = true;
            t = marker;
            sp.notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        super.close();
    }

    // ------------------------------------------------------------ checks (at safepoints)

    @Override
    void checkOwn(InvariantSink sink, GcVerifier.Objects objs) {
        for (String p : pending) {
            String[] f = p.split("\\|", 3);
            sink.violation(f[0], 0, f[1], f[2], "not so");
        }
        pending.clear();
        checkBuffers(sink);
        if (!verifyColours) {
            return;
        }
        if (phase == Phase.MARK) {
            TriColour.checkSnapshot(this, sink, objs, m, grayAndLogged(), snapshot);
            TriColour.checkAllocatedBlack(this, sink, objects, bornFrom, objects.size(), m);
        } else if (phase == Phase.SWEEP) {
            TriColour.checkAllocatedBlack(this, sink, objects, objects.bornFrom(), objects.size(), m);
        }
    }

    /** The gray stack, the handed-off buffers and every partial buffer: what marking will still reach from. */
    private long[] grayAndLogged() {
        int n = gray.size();
        for (long[] b : handedOff) {
            n += b.length;
        }
        for (Satb s : states) {
            n += s.n;
        }
        long[] out = new long[n];
        int k = 0;
        for (int i = 0; i < gray.size(); i++) {
            out[k++] = gray.get(i);
        }
        for (long[] b : handedOff) {
            for (long v : b) {
                out[k++] = v;
            }
        }
        for (Satb s : states) {
            for (int i = 0; i < s.n; i++) {
                out[k++] = s.buf[i];
            }
        }
        return TriColour.sortedCopy(out, k);
    }

    /** GC-16: outside marking the barrier is off and every buffer is empty. */
    @Enforces("GC-16")
    private void checkBuffers(InvariantSink sink) {
        if (phase == Phase.MARK) {
            return;
        }
        if (marking) {
            sink.violation("GC-16", 0, "the SATB barrier is on outside the mark phase", "marking = false", "marking = true");
        }
        if (!handedOff.isEmpty()) {
            sink.violation("GC-16", 0, handedOff.size() + " handed-off SATB buffers left after marking", "none", handedOff.size() + " buffers");
        }
        for (int i = 0; i < states.size(); i++) {
            Satb s = states.get(i);
            if (s.n != 0) {
                sink.violation("GC-16", 0, "mutator " + i + "'s SATB buffer holds entries outside marking", "empty", s.n + " entries");
            }
        }
    }

    @Override
    long externalBytes() {
        long b = super.externalBytes() + objects.bytes() + gray.bytes();
        for (Satb s : states) {
            b += s.buf.length * 8L;
        }
        return b;
    }

    ConcurrentStats concurrentStats() {
        synchronized (sp) {
            return new ConcurrentStats(cycles, fullCollections, concurrentModeFailures, Arrays.copyOf(rootScanPauses, rootScans),
                    Arrays.copyOf(remarkPauses, remarks), Arrays.copyOf(fullPauses, fulls), maxTimeToSafepoint, loggedEntries, buffersHandedOff,
                    assists, markerNanos, states.size(), threadMarker ? "thread" : "steps", bufferSize, budget,
                    phase.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
