package org.jalloc.gc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.initialization.qual.UnknownInitialization;
import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * A collected heap: the collector-global state (MMTk's plan). A collector is a composition of a {@link Space} (where
 * objects live), a {@link WriteBarrier} per mutator (here {@link WriteBarrier#NONE}), and a {@link Trigger} (when to
 * collect); its mutators ({@link Mutator}) hold the mutator-local state: the shadow stack and the barrier's buffers.
 * Create one with {@link Collectors#create}.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>stored reference</dt><dd>what a reference field or root holds: an address (direct collectors) or a handle</dd>
 *   <dt>mutator reference</dt><dd>what the mutator API hands out and takes: the stored reference, tagged in checked
 *       mode with the collection epoch it was read in ({@code epoch << 44 | address}) so a reference kept across a
 *       collection is caught ({@link StaleReferenceException}) instead of reading moved or freed memory</dd>
 *   <dt>roots</dt><dd>the global handle table (collector-global) and every mutator's shadow stack</dd>
 *   <dt>dirty</dt><dd>the mutator changed the graph since the last collection (completeness is checked only when
 *       not)</dd>
 * </dl>
 *
 * <h2>Allocation (numbered as {@link #allocate})</h2>
 * <ol>
 *   <li>Validate the type and length (misuse throws before anything changes).</li>
 *   <li>If the GOGC threshold would be passed ({@link Trigger}), collect ({@code beforeAllocation}).</li>
 *   <li>Ask the collector's space; if it has no room, first relieve it the cheaper way the collector has, if any
 *       ({@code relieveExhaustion}: a minor collection, the rest of a cycle) and ask again, then collect once and
 *       ask again.</li>
 *   <li>Still no room: count a failed allocation and return 0; the heap is as consistent as after any collection.</li>
 *   <li>Otherwise the header is written, every field and data byte is zero, and the mutator gets the reference.</li>
 * </ol>
 *
 * <h2>Collection</h2>
 * Stop-the-world: {@link #collect} runs the collector's algorithm ({@link #collectNow}), records the pause, resets
 * the allocation count, advances the epoch (checked mode) and calls the inspection listener (the checker and the
 * reachability oracle run there in checked fuzzing).
 *
 * <h2>Hooks for collectors that are not one stop-the-world pass</h2>
 * A generational or incremental collector overrides steps 2 and 3 of allocation ({@code beforeAllocation},
 * {@code relieveExhaustion}: a minor collection when the nursery is full, a step of marking per allocation); a
 * concurrent one the whole policy ({@code allocateSized}: a lock and a safepoint poll), may
 * override {@code collect(Cause)} (concurrent: everything while the world is stopped), runs the listener after each
 * of its pauses ({@code afterPause}; {@code full} false after a minor collection, a step or a safepoint, so the
 * checker does not demand completeness then), and offers {@link #step} and {@link #newMutator} where they apply.
 *
 * <p>Single owner (every collector but {@code concurrent}): a collector and its mutator are used by one thread at a
 * time.
 */
public abstract class Collector implements Scanning, AutoCloseable {
    /** Bits of a checked-mode mutator reference below the epoch tag (addresses up to 16 TiB). */
    static final int EPOCH_SHIFT = 44;
    static final long ADDRESS_MASK = (1L << EPOCH_SHIFT) - 1;
    static final long EPOCH_MASK = (1L << (63 - EPOCH_SHIFT)) - 1;

    static {
        org.jalloc.gc.inspect.GcInspectorAccess.install(CollectorInspector::new);
    }

    /** Why a collection started. */
    enum Cause { THRESHOLD, EXHAUSTION, EXPLICIT }

    private final String name;
    final Types types = new Types();
    final Space space;
    final ObjectModel model;
    final Heap heap;
    final Trigger trigger;
    final boolean checked;
    final RootTable globals = new RootTable();
    final List<Mutator> mutators = new ArrayList<>();
    private @MonotonicNonNull Mutator mutator;
    /** Checked mode, direct collectors: every object start, for exact misuse detection. */
    final LiveBlocks objectIndex = new LiveBlocks();

    long collections;
    long byThreshold;
    long byExhaustion;
    long explicitCollections;
    private long[] pauses = new long[16];
    long bytesAllocated;
    long objectsAllocated;
    long failedAllocations;
    long bytesReclaimed;
    long objectsReclaimed;
    long liveBytes;
    long liveObjects;
    long usedBytes;
    long peakUsedBytes;
    /** Objects the last collection left in the space although no root reaches them (a collector that leaks cycles). */
    long unreachableBytes;
    long unreachableObjects;
    long allocatedSinceGc;
    long epoch = 1;
    boolean dirty;
    /** The last pause was a full collection and nothing changed since: completeness (GC-4) is checkable. */
    volatile boolean complete = true;
    private boolean collecting;
    /** Checked mode: the reachable graph as it was when the last collection began (GC-6, GC-7). */
    @Nullable Fingerprint before;
    @Nullable Runnable afterCollection;

    /** Frees dead object {@code a} of {@code size} bytes to its free-list space and counts it as reclaimed. */
    final void reclaim(AllocatorSpace space, long a, long size) {
        space.free(a);
        if (checked) {
            objectIndex.remove(a);
        }
        usedBytes -= size;
        bytesReclaimed += size;
        objectsReclaimed++;
    }

    /** Checked mode, after a moving collection: the object index lists the space's objects where they now lie. */
    final void rebuildObjectIndex() {
        objectIndex.clear();
        space.forEachObject(model, (a, size) -> {
            objectIndex.put(a, size, 0);
            return true;
        });
    }

    Collector(String name, Space space, long gogc, boolean checked) {
        this.name = name;
        this.space = space;
        this.heap = space.heap();
        this.model = new ObjectModel(heap, types);
        this.trigger = new Trigger(gogc, space.capacity());
        this.checked = checked;
    }

    /** The collector's name with its non-default options (as {@link Collectors#create} accepts it). */
    public final String name() {
        return name;
    }

    /** The types of this heap; register them before allocating. */
    public final Types types() {
        return types;
    }

    /** The object model (header layout and decoding) of this heap. */
    public final ObjectModel objectModel() {
        return model;
    }

    /** The mutator of this heap (one thread at a time; a concurrent collector's first mutator). */
    public final Mutator mutator() {
        Mutator m = mutator;
        if (m == null) {
            m = attach();
            mutator = m;
        }
        return m;
    }

    /** Creates a mutator and adds its roots (a concurrent collector does it under its safepoint lock). */
    Mutator attach() {
        Mutator m = new Mutator(this);
        mutators.add(m);
        return m;
    }

    /** When threshold collections start. */
    public final Trigger trigger() {
        return trigger;
    }

    /** Whether references are epoch-tagged and validated exactly. */
    public final boolean checked() {
        return checked;
    }

    /** Whether a collection may move objects (then raw addresses die at every collection). */
    public abstract boolean moving();

    /** A full stop-the-world collection. */
    public final void collect() {
        collect(Cause.EXPLICIT);
    }

    /** A snapshot of the statistics. */
    public final GcStats stats() {
        return new GcStats(name, collections, byThreshold, byExhaustion, explicitCollections,
                Arrays.copyOf(pauses, (int) collections), bytesAllocated, objectsAllocated, failedAllocations, bytesReclaimed,
                objectsReclaimed, liveBytes, liveObjects, usedBytes, space.capacity(), peakUsedBytes, unreachableBytes,
                unreachableObjects, freePauses());
    }

    /** Releases the heap: every reference and view becomes invalid. */
    @Override
    public void close() {
        if (space instanceof AllocatorSpace s && s.reportsLeaks()) {
            releaseHeldObjects(s);
        }
        space.close();
    }

    /**
     * Before an allocator with leak detection ({@code leaks=...} in its spec) closes and prints its report: frees every
     * object this collector still holds (reachable from the roots, or found dead and awaiting its sweep), so the report
     * lists only what the collector lost: unreachable objects it had not found to be garbage when it closed (a
     * {@code refcount:cycles=off} cycle, a collector's bug).
     */
    private void releaseHeldObjects(AllocatorSpace s) {
        long[] reachable = TriColour.reachable(this);
        LongStack held = new LongStack();
        s.forEachObject(model, (a, blockBytes) -> {
            if (isPendingSweep(a) || java.util.Arrays.binarySearch(reachable, a) >= 0) {
                held.push(a);
            }
            return true;
        });
        while (!held.isEmpty()) {
            s.free(held.pop());
        }
    }

    @Override
    public String toString() {
        return name + " over " + heap;
    }

    // ------------------------------------------------------------ the engine each collector writes

    /** Allocates and initializes an object of {@code size} bytes without collecting; its stored reference or 0. */
    abstract long allocateStored(long size, int type, int length);

    /** The collection algorithm. Sets {@link #liveBytes}, {@link #liveObjects}, {@link #usedBytes}, reclaim counts. */
    abstract void collectNow();

    /** Whether a collection is due before allocating {@code size} bytes: the GOGC trigger, unless a collector adds its own. */
    boolean collectionDue(long size) {
        return trigger.shouldCollect(allocatedSinceGc, size, liveBytes);
    }

    /**
     * Whether a full collection leaves only reachable objects (GC-4). False for a collector that leaks by design
     * ({@code refcount:cycles=off}), which checks its own account of what it leaves instead.
     */
    boolean reclaimsAllGarbage() {
        return true;
    }

    /** Pauses outside collections, ns each (reference counting's long cascades of frees); none here. */
    long[] freePauses() {
        return new long[0];
    }

    /** The barrier a new mutator gets (called from the mutator's constructor). */
    WriteBarrier newBarrier(@UnknownInitialization Mutator m) {
        return WriteBarrier.NONE;
    }

    /** The address a stored reference names, or -1 when it names none (only handles can tell). */
    long addressOf(long stored) {
        return stored;
    }

    /** Whether an object (live or not yet collected) starts at {@code a}; exact, for tools. */
    boolean isObjectStart(long a) {
        if (checked) {
            return objectIndex.contains(a);
        }
        boolean[] found = {false};
        space.forEachObject(model, (o, b) -> {
            found[0] |= o == a;
            return o < a;
        });
        return found[0];
    }

    /** Whether the object at {@code address} is garbage a lazy sweep has not freed yet. */
    boolean isPendingSweep(long address) {
        return false;
    }

    /** The mark bit of every object between collections (pending-sweep garbage excepted). */
    boolean markBetweenCollections() {
        return false;
    }

    /** Whether the collector word of an object is as it must be between collections (GC-5). */
    boolean collectorWordClean(long object) {
        return model.collectorWord(object) == 0;
    }

    /** The collector's own invariants beyond the shared ones (GC-7, GC-8). */
    void checkOwn(InvariantSink sink, GcVerifier.Objects objects) {}

    // ------------------------------------------------------------ references between mutator and heap

    /** The stored form of a mutator reference, validated (misuse throws). 0 stays 0. */
    long storedFromMutator(long ref) {
        if (ref == 0) {
            return 0;
        }
        if (!checked) {
            if ((ref & 15) != 0 || ref < heap.start() || ref >= space.end()) {
                throw new InvalidReferenceException("0x" + Long.toHexString(ref) + " is not an object address of this heap");
            }
            return ref;
        }
        long e = ref >>> EPOCH_SHIFT;
        long a = ref & ADDRESS_MASK;
        if (e == 0) {
            throw new InvalidReferenceException("0x" + Long.toHexString(ref)
                    + " carries no epoch tag: checked mode only accepts references this heap handed out");
        }
        if (e != epoch) {
            throw new StaleReferenceException("reference to 0x" + Long.toHexString(a) + " was read in collection epoch " + e
                    + "; the heap has been collected since (epoch " + epoch + ")" + (moving() ? " and objects moved" : "")
                    + ": keep references in roots and re-read them after every allocation or collection");
        }
        if (!objectIndex.contains(a)) {
            throw new InvalidReferenceException("0x" + Long.toHexString(a) + " is not the start of an object of this heap");
        }
        return a;
    }

    /** The mutator form of a stored reference. */
    long mutatorFromStored(long stored) {
        return checked && stored != 0 ? stored | (epoch << EPOCH_SHIFT) : stored;
    }

    /** The address of a non-null mutator reference. */
    final long objectAddress(long ref, String what) {
        if (ref == 0) {
            throw new InvalidReferenceException(what + " of NULL");
        }
        return addressOf(storedFromMutator(ref));
    }

    // ------------------------------------------------------------ allocation and collection

    /** See the class comment, "Allocation". {@code mayCollect} false: only what fits now. */
    final long allocate(int type, int length, boolean mayCollect) {
        types.require(type);
        if (length < 0) {
            throw new TypeMisuseException("array length " + length + " is negative");
        }
        return allocateSized(model.sizeOf(type, length), type, length, mayCollect);
    }

    /**
     * Steps 2-5 of allocation for a validated request of {@code size} bytes: the collection policy. Collectors with
     * generations or increments change its two steps ({@link #beforeAllocation}: a minor collection when the nursery
     * is full, a step of work; {@link #relieveExhaustion}: a minor collection or the rest of a cycle before a full
     * one); a collector with threads overrides it (an allocation lock and a safepoint poll) and counts what it
     * allocates with {@link #countAllocation}.
     */
    long allocateSized(long size, int type, int length, boolean mayCollect) {
        if (size > space.capacity()) {
            failedAllocations++;
            return 0;
        }
        if (mayCollect) {
            beforeAllocation(size);
        }
        long stored = allocateStored(size, type, length);
        if (stored == 0 && mayCollect && relieveExhaustion(size)) {
            stored = allocateStored(size, type, length);
        }
        if (stored == 0 && mayCollect) {
            collect(Cause.EXHAUSTION);
            stored = allocateStored(size, type, length);
        }
        if (stored == 0) {
            if (mayCollect) {
                failedAllocations++;
            }
            return 0;
        }
        countAllocation(size);
        return stored;
    }

    /** Step 2 of allocation, when it may collect: a full collection if one is due. */
    void beforeAllocation(long size) {
        if (collectionDue(size)) {
            collect(Cause.THRESHOLD);
        }
    }

    /**
     * Step 3 of allocation, when the space had no room and it may collect: whatever cheaper than a full collection
     * may make room. Returns whether it did something worth a second try (then a full collection follows only if that
     * try fails too).
     */
    boolean relieveExhaustion(long size) {
        return false;
    }

    /** Counts a successful allocation of {@code size} bytes. */
    final void countAllocation(long size) {
        bytesAllocated += size;
        objectsAllocated++;
        allocatedSinceGc += size;
        usedBytes += size;
        if (usedBytes > peakUsedBytes) {
            peakUsedBytes = usedBytes;
        }
        dirty = true;
    }

    /**
     * A full collection, stop-the-world: {@link #collectNow} and the bookkeeping of {@link #endCollection}. A collector
     * whose collections involve other threads (concurrent) overrides it to do all of it while the world is stopped.
     */
    void collect(Cause cause) {
        if (collecting) {
            throw new IllegalStateException("collect() during a collection");
        }
        long t0 = System.nanoTime();
        collecting = true;
        try {
            if (checked) {
                before = Fingerprint.of(this);
            }
            collectNow();
        } finally {
            collecting = false;
        }
        endCollection(cause, System.nanoTime() - t0, true);
    }

    /**
     * The bookkeeping a collection ends with: its pause and cause counted, the allocation count reset, the heap
     * clean, the epoch advanced (checked mode), and the inspection listener run ({@link #afterPause}).
     *
     * @param full a full collection: nothing unreachable survived it (a minor collection is not one)
     */
    final void endCollection(Cause cause, long pauseNanos, boolean full) {
        countCollection(cause, pauseNanos);
        advanceEpoch();
        afterPause(full);
    }

    /**
     * Counts a collection: its pause and cause, the allocation count reset, the heap clean. (A concurrent cycle ends
     * with this alone: its mutators run on, so neither the epoch nor the listener may change under them.)
     */
    final void countCollection(Cause cause, long pauseNanos) {
        if (collections == pauses.length) {
            pauses = Arrays.copyOf(pauses, pauses.length * 2);
        }
        pauses[(int) collections++] = pauseNanos;
        switch (cause) {
            case THRESHOLD -> byThreshold++;
            case EXHAUSTION -> byExhaustion++;
            case EXPLICIT -> explicitCollections++;
        }
        allocatedSinceGc = 0;
        dirty = false;
    }

    /** Checked mode: every mutator reference handed out so far becomes stale. */
    final void advanceEpoch() {
        if (checked) {
            epoch = (epoch + 1) & EPOCH_MASK;
            if (epoch == 0) {
                epoch = 1;
            }
        }
    }

    /**
     * Runs the inspection listener (the checker and the oracle in checked fuzzing) after a pause: a collection, an
     * incremental step, a concurrent safepoint.
     *
     * @param full true right after a full collection (completeness is checkable until the mutator changes anything)
     */
    final void afterPause(boolean full) {
        complete = full;
        Runnable listener = afterCollection;
        if (listener != null) {
            listener.run();
        }
    }

    // ------------------------------------------------------------ hooks of the incremental, concurrent and generational collectors

    /**
     * Performs one bounded increment of collection work now, if this collector collects in increments
     * ({@code incremental}; {@code concurrent} with {@code marker=steps}): starts a cycle when none runs, else marks
     * or sweeps one step's budget. The stop-the-world collectors have no increments: false, nothing done.
     *
     * @return true when a step ran
     */
    public boolean step() {
        return false;
    }

    /** Whether {@link #step} does work (the fuzzer then interleaves steps with mutator operations). */
    public boolean collectsInSteps() {
        return false;
    }

    /**
     * A further mutator, for another thread. Only a collector built for several mutator threads ({@code concurrent})
     * has more than one; the others are single-owner and throw {@link IllegalStateException}.
     */
    public Mutator newMutator() {
        throw new IllegalStateException(name + " is single-owner: it has one mutator (mutator()); concurrent takes several threads");
    }

    /** {@link Mutator#detach}: single-owner collectors cannot drop their one mutator. */
    void detach(Mutator m) {
        throw new IllegalStateException(name + " is single-owner: its mutator cannot be detached");
    }

    /** {@link Mutator#enterSafeRegion}: nothing to do where no other thread collects. */
    void enterSafeRegion(Mutator m) {}

    /** {@link Mutator#leaveSafeRegion}. */
    void leaveSafeRegion(Mutator m) {}

    /**
     * Runs {@code action} while no mutator and no collector thread runs (for tools: a check of the whole heap). Here
     * there is no other thread: it just runs.
     */
    void atSafepoint(Runnable action) {
        action.run();
    }

    /** Whether a collection keeps the live objects' address order (GC-7): the sliding compactors; not a copying nursery. */
    boolean preservesOrder() {
        return moving();
    }

    /**
     * Whether a collection cycle is under way between pauses (incremental and concurrent marking): mark bits are then
     * the cycle's colours, not the between-collections value GC-5 checks.
     */
    boolean inCycle() {
        return false;
    }

    // ------------------------------------------------------------ Scanning

    @Override
    public void scanObject(long object, SlotVisitor visitor) {
        int n = model.refCount(object);
        for (int i = 0; i < n; i++) {
            visitor.slot(ObjectModel.slot(object, i));
        }
    }

    @Override
    public void scanRoots(RootVisitor visitor) {
        globals.scan(visitor);
        for (Mutator m : mutators) {
            m.stack.scan(visitor);
        }
    }

    /** Marks every object reachable from the roots with {@code markValue}, with an explicit stack. */
    final void markFromRoots(LongStack stack, boolean markValue) {
        liveBytes = 0;
        liveObjects = 0;
        scanRoots(stored -> {
            markAndPush(stack, stored, markValue);
            return stored;
        });
        while (!stack.isEmpty()) {
            long o = stack.pop();
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long v = heap.getLong(ObjectModel.slot(o, i));
                if (v != 0) {
                    markAndPush(stack, v, markValue);
                }
            }
        }
        stack.clear();
    }

    private void markAndPush(LongStack stack, long stored, boolean markValue) {
        long a = addressOf(stored);
        long s = heap.getLong(a);
        if (ObjectModel.markOf(s) != markValue) {
            heap.putLong(a, s ^ ObjectModel.MARK_BIT);
            liveBytes += model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
            liveObjects++;
            stack.push(a);
        }
    }

    // ------------------------------------------------------------ the walk the checker sees

    /** The space's block walk plus the collector's invariants (GC-n) in {@code checkInvariants}. */
    final HeapWalk heapWalk() {
        HeapWalk inner = space.walk(model);
        Collector self = this;
        return new HeapWalk() {
            @Override
            public Heap heap() {
                return inner.heap();
            }

            @Override
            public long walkStart() {
                return inner.walkStart();
            }

            @Override
            public long walkEnd() {
                return inner.walkEnd();
            }

            @Override
            public void walkExtents(ExtentVisitor visitor) {
                inner.walkExtents(visitor);
            }

            @Override
            public void walkFreeStructures(FreeEntryVisitor visitor) {
                inner.walkFreeStructures(visitor);
            }

            @Override
            public boolean coalescesImmediately() {
                return inner.coalescesImmediately();
            }

            @Override
            public long payloadAlignment() {
                return inner.payloadAlignment();
            }

            @Override
            public long externalMetadataBytes() {
                return inner.externalMetadataBytes() + self.externalBytes();
            }

            @Override
            public void checkInvariants(InvariantSink sink) {
                inner.checkInvariants(sink);
                new GcVerifier(self).check(sink);
            }

            @Override
            public String describeList(int list) {
                return inner.describeList(list);
            }
        };
    }

    /** Bytes of collector metadata outside the heap (root tables, handle tables, stacks). */
    long externalBytes() {
        long b = globals.bytes();
        for (Mutator m : mutators) {
            b += m.stack.bytes();
        }
        return b;
    }
}
