package org.jalloc.core.spi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.OptionalLong;

import org.checkerframework.checker.nullness.qual.Nullable;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorEvents;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidAlignmentException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.events.AllocationSampleEvent;
import org.jalloc.core.events.HeapStatisticsEvent;
import org.jalloc.core.events.TrimEvent;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspectable;

/**
 * The argument checking and edge cases of {@link Allocator}, decided once for every allocator. A subclass supplies
 * the engine: {@link #allocate}, {@link #allocateAligned}, {@link #resize}, {@link #deallocate}, {@link #usable},
 * always with arguments already checked here (sizes in {@code [0, heap capacity]}, alignments powers of two above 16,
 * addresses not 0).
 *
 * <p>{@link #realloc} is built from the engine: in place through {@link #resize} when it can, else
 * {@link #relocate} (allocate-copy-free unless the allocator overrides it), and on failure the old block is untouched.
 *
 * <p>Two faces, one engine: users see the {@link Allocator}; the checker and the tools see the {@link Inspectable}
 * face (the heap and {@link #walk()}) through {@code Inspection.of(allocator)}. The face is a separate object, not
 * public methods of this class: a public method inherited from here would be callable on every allocator class users
 * can name ({@code BuddyAllocator.create(n).heap()}), although this package is not exported to them. For the same
 * reason the observability state (JFR's statistics request, JMX's snapshot) is package-private and reached through
 * {@link Observation}.
 *
 * <p>Observation costs nothing while nobody observes: {@link #malloc}, {@link #alignedAlloc} and {@link #free} ask
 * {@code observing()}, a constant to the JIT (a {@link MutableCallSite}'s target) that changes only when a JFR
 * recording starts or stops, or at the first JMX read. Only while it is true does a call count down to its next
 * allocation sample or serve its allocator's statistics or snapshot request.
 *
 * <p>{@code debug=F} alone on an engine that keeps each block's size just below its payload is the engine itself
 * ({@link EngineShadow}): every public operation tests one field, {@code sanity}, and while it is null does exactly
 * what it does without debugging; with it, the checks run inside the same final method: no wrapper's call between the
 * caller and the engine (whether the JIT inlines the method into its caller is up to its compiled size:
 * docs/debugging.md, "What it costs"). A concurrent engine that finds its blocks exactly itself (slub, thread-cache)
 * does F alone in its own {@link #allocate} and {@link #deallocate} instead ({@link EngineSanity}); here its name and
 * the prefix of these methods' refusals change, and {@code segment}, {@code asSegmentAllocator}, {@code realloc} and
 * {@code tryExpand} reach its F through {@link FreeChecksOnRequest}'s hooks with the caller's operation named.
 */
public abstract class AbstractAllocator implements Allocator {
    /** Every payload is aligned to this (the x86-64 malloc guarantee); it is also the smallest usable size. */
    public static final long MIN_ALIGNMENT = 16;

    /** The heap this allocator manages. */
    protected final Heap heap;
    /**
     * {@code heap.capacity()}, a constant of the heap, kept here so malloc's size screen is one load from this object
     * (and a subclass's own screens, such as an explicit handle's malloc, read the same field).
     */
    protected final long capacity;
    /** The name; {@link EngineShadow#claim} gives it the debug option ({@code tlsf:debug=F}) before it is handed out. */
    private String name;
    /**
     * {@code debug=F} alone done by this engine (null: off): set once by {@link EngineShadow#claim}, before the
     * allocator is handed out, and never again; the one test the operations add.
     */
    @Nullable EngineShadow sanity;
    /**
     * {@code debug=F} alone done by this engine through {@link EngineSanity} (a concurrent engine; null: not): this
     * engine itself, set once before handout; its F hooks serve the views and the in-place resize named by the caller's
     * operation.
     */
    private @Nullable FreeChecksOnRequest checksItself;
    /** {@link #due}, for its atomic bit updates. */
    private static final VarHandle DUE;

    static {
        try {
            DUE = MethodHandles.lookup().findVarHandle(AbstractAllocator.class, "due", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        RecordingWatch.start();
    }

    /** {@link #due}'s bit for JFR's periodic statistics ({@code AllocatorEvents.watch}, through {@link Observation}). */
    static final int STATISTICS_DUE = 1;
    /** {@link #due}'s bit for a JMX read of this allocator's MBean: the next call refreshes {@link #snapshot}. */
    static final int SNAPSHOT_DUE = 2;

    /**
     * Requested bytes until the next allocation sample, counted while a recording runs (races between threads only
     * blur the sampling).
     */
    private long sampleCountdown = AllocatorEvents.sampleBytes();
    /** The requests the next call serves: {@link #STATISTICS_DUE} and {@link #SNAPSHOT_DUE} bits. */
    private volatile int due;
    /** The statistics a calling thread took last for JMX, and when (System.currentTimeMillis()). */
    volatile @Nullable AllocatorStats snapshot;
    volatile long snapshotMillis;

    protected AbstractAllocator(String name, Heap heap) {
        this.name = name;
        this.heap = heap;
        this.capacity = heap.capacity();
    }

    /** Allocates {@code size} bytes, {@code 0 <= size <= heap.capacity()}; returns the payload or 0. */
    protected abstract long allocate(long size);

    /** Allocates with {@code alignment} a power of two above 16; returns the payload or 0. */
    protected abstract long allocateAligned(long alignment, long size);

    /**
     * Resizes the live block at {@code address} in place to hold {@code size} bytes; false (block unchanged) if it
     * cannot. Throws {@link InvalidPointerException} if {@code address} is not a live block (as far as O(1) tells).
     */
    protected abstract boolean resize(long address, long size);

    /** Frees the live block at {@code address}, or throws {@link InvalidPointerException} / {@link DoubleFreeException}. */
    protected abstract void deallocate(long address);

    /** The usable size of the live block at {@code address}, or throws {@link InvalidPointerException}. */
    protected abstract long usable(long address);

    /**
     * The usable size of the block this allocator has just handed out at {@code address} ({@link SizedFree}): by
     * default {@link #usable}; an allocator overrides it to skip the screen a pointer from outside needs.
     */
    protected long freshUsable(long address) {
        return usable(address);
    }

    /**
     * Frees the live block at {@code address} if its usable size is {@code usable}, else changes nothing
     * ({@link SizedFree}); returns the usable size read. By default {@link #usable} then {@link #deallocate}; an
     * allocator whose free reads the block's size anyway overrides it to read it once.
     */
    protected long deallocateIfUsable(long address, long usable) {
        long now = usable(address);
        if (now == usable) {
            deallocate(address);
        }
        return now;
    }

    /**
     * Whether every block's size is in the word just below its payload and {@link #deallocate} /
     * {@link #deallocateIfUsable} refuse that word damaged ({@link SizedFree#screensSizeBelowPayload}); false by
     * default.
     */
    protected boolean screensSizeBelowPayload() {
        return false;
    }

    /**
     * The monitor a {@link org.jalloc.core.ThreadSafety#CONCURRENT} engine's operations take, under which
     * {@link EngineShadow} runs F's steps so the engine can check F itself (EngineShadow, "Locked engines"); null (the
     * default) for an engine that names none, which F alone then serves with the tagged prefix. Single owners are never
     * asked.
     */
    protected @Nullable Object shadowLock() {
        return null;
    }

    /** Allocator-specific typed metrics, in report order. */
    protected List<AllocatorMetric> metrics() {
        return List.of();
    }

    @Override
    public String name() {
        return name;
    }

    /** The block-walk SPI of this allocator's heap (the inspection face's {@code heapWalk()}). */
    protected abstract HeapWalk walk();

    /** The inspection face of {@code allocator}, for {@code Inspection.of} (this package is not exported to users). */
    static Inspectable faceOf(AbstractAllocator allocator) {
        return new Face(allocator);
    }

    /** The sized operations of {@code allocator}, for {@link SizedFree#of}. */
    static SizedFree sizedFaceOf(AbstractAllocator allocator) {
        return new Sized(allocator);
    }

    /** {@link SizedFree} through {@link #freshUsable} and {@link #deallocateIfUsable}, observed as {@link #free} is. */
    private record Sized(AbstractAllocator allocator) implements SizedFree {
        @Override
        public long freshUsableSize(long address) {
            return allocator.freshUsable(address);
        }

        @Override
        public long freeIfUsable(long address, long usable) {
            long now = allocator.deallocateIfUsable(address, usable);
            if (observing() && allocator.due != 0) {
                allocator.refreshStatistics();
            }
            return now;
        }

        @Override
        public boolean screensSizeBelowPayload() {
            return allocator.screensSizeBelowPayload();
        }
    }

    /** The inspection face: the heap and {@link #walk()}. */
    private record Face(AbstractAllocator allocator) implements Inspectable {
        @Override
        public Heap heap() {
            return allocator.heap;
        }

        @Override
        public HeapWalk heapWalk() {
            return allocator.walk();
        }
    }

    /** Called once by {@link EngineShadow#claim}: this engine checks F itself, under {@code displayName}. */
    final void checkFrees(EngineShadow shadow, String displayName) {
        this.name = displayName;
        this.sanity = shadow;
    }

    /** Called once by {@link EngineSanity#claim}: this engine ({@code self}) checks F alone itself, under {@code displayName}. */
    final void checkFreesItself(FreeChecksOnRequest self, String displayName) {
        this.name = displayName;
        this.checksItself = self;
    }

    /** The prefix of a refusal's message: the name under F (as every debug layer's), else none. */
    private String prefix() {
        return sanity != null || checksItself != null ? name + ": " : "";
    }

    @Override
    public final long malloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException(prefix() + "malloc(" + size + "): negative size");
        }
        if (size > capacity) {
            return 0;
        }
        EngineShadow f = sanity;
        long a;
        if (f == null) {
            a = allocate(size);
        } else if (f.lock != null) {
            a = lockedAllocate(f, f.lock, 0, size);
        } else if ((a = allocate(Math.max(size, MIN_ALIGNMENT))) != 0) {
            f.record(a, freshUsable(a), 0);
        }
        if (observing()) {
            observe(size, a);
        }
        return a;
    }

    /**
     * The JFR and JMX side of an allocation, reached only while {@link #observing()}: a sample every
     * {@link AllocatorEvents#sampleBytes()} while a recording runs, statistics when due.
     */
    private void observe(long size, long address) {
        if (Gate.recording && (sampleCountdown -= Math.max(size, 1)) < 0) {
            long weight = AllocatorEvents.sampleBytes() - sampleCountdown;
            sampleCountdown = AllocatorEvents.sampleBytes();
            AllocationSampleEvent e = new AllocationSampleEvent();
            if (e.isEnabled() && address != 0) {
                e.allocator = name;
                e.size = size;
                e.sizeClass = usable(address);
                e.address = address;
                e.weight = weight;
                e.commit();
            }
        }
        if (due != 0) {
            refreshStatistics();
        }
    }

    /**
     * Marks {@code bit} ({@link #STATISTICS_DUE} or {@link #SNAPSHOT_DUE}) due: the next call serves it (JFR's
     * statistics only while a recording runs, when calls observe anyway).
     */
    final void request(int bit) {
        DUE.getAndBitwiseOr(this, bit);
        if (bit == SNAPSHOT_DUE) {
            askSnapshots();
        }
    }

    private static void askSnapshots() {
        Gate.askSnapshots();
    }

    /** Whether calls observe now (see {@link Gate}): a constant to the JIT until it changes. */
    private static boolean observing() {
        try {
            return (boolean) Gate.OBSERVING.invokeExact();
        } catch (Throwable impossible) { // a constant method handle throws nothing
            throw new AssertionError(impossible);
        }
    }

    /** Whether {@code bit} is requested and not served yet. */
    final boolean requested(int bit) {
        return (due & bit) != 0;
    }

    /** Takes this allocator's requests, leaving none: the bits that were set. */
    private int takeRequests() {
        return (int) DUE.getAndSet(this, 0);
    }

    /**
     * The state behind the one test on the fast path of {@link #malloc}, {@link #alignedAlloc} and {@link #free}:
     * whether anything observes allocators now (a JFR recording runs, or a JMX client has read an allocator's MBean
     * since the start).
     * The answer is the target of a {@link MutableCallSite}, which the JIT compiles as a constant and deoptimizes the
     * code that depends on when the target changes: while nothing observes, the fast path tests nothing at all,
     * reads no shared word and writes none. (A {@code volatile} flag read per call cost 2-6 ns on the 64 B pair of
     * thread-cache, by keeping C2 from moving the following loads; a per-allocator countdown written per malloc made
     * every malloc of an allocator shared by threads a cache-line transfer between cores.) The target changes only
     * when a recording starts or stops and at the first JMX read, never per call.
     *
     * <p>A class of its own so that JFR's listener thread, which may call in while holding the recorder's lock, never
     * waits for {@link AbstractAllocator}'s initialization (which registers that listener, and so may wait for the
     * recorder's lock). Guarded by {@code Gate.class}.
     */
    private static final class Gate {
        static final MutableCallSite OBSERVING_SITE = new MutableCallSite(MethodHandles.constant(boolean.class, false));
        static final MethodHandle OBSERVING = OBSERVING_SITE.dynamicInvoker();
        /** Whether a JFR recording is running (kept by {@link RecordingWatch}). */
        static volatile boolean recording;
        /** Whether a JMX client has asked for a snapshot (then observation stays on: MBean reads come periodically). */
        private static boolean snapshotsAsked;
        /** The value {@link #OBSERVING_SITE} answers now. */
        private static boolean observingNow;

        static synchronized void setRecording(boolean running) {
            recording = running;
            update();
        }

        static synchronized void askSnapshots() {
            if (!snapshotsAsked) {
                snapshotsAsked = true;
                update();
            }
        }

        /** Points {@link #OBSERVING_SITE} at the current answer after {@link #recording} or {@link #snapshotsAsked} changed. */
        private static void update() {
            boolean on = recording || snapshotsAsked;
            if (on != observingNow) {
                observingNow = on;
                OBSERVING_SITE.setTarget(MethodHandles.constant(boolean.class, on));
                MutableCallSite.syncAll(new MutableCallSite[] {OBSERVING_SITE});
            }
        }
    }

    /**
     * Keeps {@code Gate.recording} true while any JFR recording runs: a listener on the recorder's state, and a look at
     * the running recordings when the recorder is already up (a {@code -XX:StartFlightRecording} before the first
     * allocator). Never starts the recorder itself.
     */
    private static final class RecordingWatch implements jdk.jfr.FlightRecorderListener {
        static void start() {
            jdk.jfr.FlightRecorder.addListener(new RecordingWatch());
        }

        @Override
        public void recorderInitialized(jdk.jfr.FlightRecorder recorder) {
            update(recorder);
        }

        @Override
        public void recordingStateChanged(jdk.jfr.Recording changed) {
            update(jdk.jfr.FlightRecorder.getFlightRecorder());
        }

        private static void update(jdk.jfr.FlightRecorder recorder) {
            boolean running = false;
            for (jdk.jfr.Recording r : recorder.getRecordings()) {
                running |= r.getState() == jdk.jfr.RecordingState.RUNNING;
            }
            Gate.setRecording(running);
        }
    }

    /**
     * On a calling thread (so no walk races a single owner): takes {@code stats()} for JMX's snapshot and JFR's
     * statistics event, whichever asked.
     */
    private void refreshStatistics() {
        int taken = takeRequests();
        boolean jmx = (taken & SNAPSHOT_DUE) != 0;
        boolean jfr = (taken & STATISTICS_DUE) != 0;
        HeapStatisticsEvent e = new HeapStatisticsEvent();
        if (!jmx && !e.isEnabled()) {
            return;
        }
        AllocatorStats s;
        try {
            s = stats();
        } catch (RuntimeException walkFailed) { // a concurrent allocator changed under the walk: skip this period
            return;
        }
        if (jmx) {
            snapshot = s;
            snapshotMillis = System.currentTimeMillis();
        }
        if (!jfr || !e.isEnabled()) {
            return;
        }
        e.allocator = name;
        e.heapBytes = s.heapBytes();
        e.highWaterBytes = s.highWaterBytes();
        e.liveGrantedBytes = s.liveGrantedBytes();
        e.allocatedBlocks = s.allocatedBlocks();
        e.freeBytes = s.freeBytes();
        e.freeBlocks = s.freeBlocks();
        e.largestFreeBlock = s.largestFreeBlock();
        e.metadataBytes = s.metadataBytes();
        e.externalFragmentation = s.externalFragmentation();
        e.releasedBytes = heap.releasedBytes();
        e.commit();
    }

    @Override
    public final long calloc(long count, long size) {
        long total = Arguments.callocBytes(prefix(), count, size);
        long address = malloc(total);
        if (address != 0 && total > 0) {
            heap.fill(address, total, (byte) 0);
        }
        return address;
    }

    @Override
    public final long realloc(long address, long size) {
        if (address == 0) {
            return malloc(size);
        }
        EngineShadow f = sanity;
        if (f != null) {
            Object l = f.lock;
            if (l != null) {
                synchronized (l) {
                    return checkedRealloc(f, address, size);
                }
            }
            return checkedRealloc(f, address, size);
        }
        FreeChecksOnRequest own = checksItself;
        if (size < 0) {
            throw new InvalidSizeException(own != null ? name + ": realloc(" + EngineShadow.hex(address) + ", " + size + "): negative size"
                    : "realloc(" + address + ", " + size + "): negative size");
        }
        if (size == 0) {
            deallocate(address);
            return 0;
        }
        if (own != null) { // F alone: one check of the pointer, in the caller's words; beyond the capacity it answers false
            if (own.resizeChecked("realloc", address, size)) {
                return address;
            }
            return size > heap.capacity() ? 0 : relocate(address, size);
        }
        if (size > heap.capacity()) { // the pointer screened all the same
            usable(address);
            return 0;
        }
        return resize(address, size) ? address : relocate(address, size);
    }

    /**
     * Moves the live block at {@code address}, which {@link #resize} could not resize in place, to a block of
     * {@code size} bytes ({@code 0 < size <= heap capacity}) keeping its first {@code min(usable, size)} bytes: by
     * default allocate, copy, free. An allocator whose discipline forbids freeing the old block after allocating the
     * new one (a stack growing down, which can only move its newest block) overrides it.
     *
     * @return the new address, or 0 with the block untouched and still live
     */
    protected long relocate(long address, long size) {
        long keep = Math.min(usable(address), size);
        long moved = allocate(size);
        if (moved == 0) {
            return 0;
        }
        heap.copy(address, moved, keep);
        deallocate(address);
        return moved;
    }

    @Override
    public final boolean tryExpand(long address, long size) {
        if (address == 0) {
            throw new InvalidPointerException(prefix() + "tryExpand(NULL): NULL is never a block", 0);
        }
        EngineShadow f = sanity;
        if (size < 0) {
            throw new InvalidSizeException(f != null || checksItself != null ? name + ": tryExpand(" + EngineShadow.hex(address) + ", " + size + "): negative size"
                    : "tryExpand(" + address + ", " + size + "): negative size");
        }
        if (f != null) {
            Object l = f.lock;
            if (l != null) {
                synchronized (l) {
                    int e = f.liveEntry("tryExpand", address);
                    return size <= heap.capacity() && checkedExpand(f, address, e, size);
                }
            }
            int e = f.liveEntry("tryExpand", address);
            return size <= heap.capacity() && checkedExpand(f, address, e, size);
        }
        FreeChecksOnRequest own = checksItself;
        if (own != null) { // beyond the capacity too: the pointer screened in the caller's words, then false
            return own.resizeChecked("tryExpand", address, size);
        }
        if (size > heap.capacity()) {
            usable(address);
            return false;
        }
        return resize(address, size);
    }

    @Override
    public final void free(long address) {
        if (address != 0) {
            EngineShadow f = sanity;
            if (f == null) {
                deallocate(address);
            } else if (f.lock != null) {
                lockedFree(f, f.lock, address);
            } else {
                checkedFree(f, address);
            }
        }
        if (observing() && due != 0) {
            refreshStatistics();
        }
    }

    // ---------------------------------------------------------------- debug=F done by the engine (EngineShadow)

    /** F's free: the shadow's entry, then the engine frees the block only if its size is what it was. */
    private void checkedFree(EngineShadow f, long address) {
        int e = f.entry(address);
        if (e == 0) {
            throw f.misuse("free", address);
        }
        long under = EngineShadow.under(e);
        long now = deallocateIfUsable(address, under); // the engine's screen refuses what it refuses, changing nothing
        if (now != under) {
            throw f.sizeChanged("free", address, under, now); // nothing freed
        }
        f.forget(address, e);
    }

    /**
     * F's free on a locked engine (EngineShadow, "Locked engines"), in one hold of {@code lock}: the entry taken before
     * the engine frees the block and put back if it refuses; then the views and the ring.
     */
    private void lockedFree(EngineShadow f, Object lock, long address) {
        synchronized (lock) {
            int e = f.take("free", address);
            long under = EngineShadow.under(e);
            long now;
            try {
                now = deallocateIfUsable(address, under);
            } catch (RuntimeException refused) { // the engine's screen: nothing freed, the entry as it was
                f.putBack(address, e);
                throw refused;
            }
            if (now != under) {
                f.putBack(address, e);
                throw f.sizeChanged("free", address, under, now); // nothing freed
            }
            f.forget(address, e);
        }
    }

    /** F's malloc ({@code alignment} 0) or alignedAlloc on a locked engine: the block and its entry in one hold. */
    private long lockedAllocate(EngineShadow f, Object lock, long alignment, long size) {
        synchronized (lock) {
            long n = Math.max(size, MIN_ALIGNMENT);
            long a = alignment == 0 ? allocate(n) : allocateAligned(alignment, n);
            if (a != 0) {
                f.record(a, freshUsable(a), 0);
            }
            return a;
        }
    }

    /** F's realloc: the block live in the shadow and its engine size unchanged, before any change. */
    private long checkedRealloc(EngineShadow f, long address, long size) {
        if (size < 0) {
            throw new InvalidSizeException(name + ": realloc(" + EngineShadow.hex(address) + ", " + size + "): negative size");
        }
        int e = f.liveEntry("realloc", address);
        long under = EngineShadow.under(e);
        long now = usable(address);
        if (now != under) {
            throw f.sizeChanged("realloc", address, under, now);
        }
        if (size == 0) {
            deallocate(address);
            f.forget(address, e);
            return 0;
        }
        if (size > heap.capacity()) {
            return 0;
        }
        if (checkedExpand(f, address, e, size)) {
            return address;
        }
        long moved = malloc(size);
        if (moved == 0) {
            return 0;
        }
        heap.copy(address, moved, Math.min(under, size));
        deallocate(address);
        f.forget(address, e);
        return moved;
    }

    /** F's in-place resize of the live block {@code address} (entry {@code e}): the shadow takes the new size. */
    private boolean checkedExpand(EngineShadow f, long address, int e, long size) {
        if (!resize(address, Math.max(size, MIN_ALIGNMENT))) {
            return false;
        }
        f.record(address, freshUsable(address), EngineShadow.scopedBit(e));
        return true;
    }

    /** Under F a view dies when its block is freed; otherwise {@link Allocator#segment}. */
    @Override
    public MemorySegment segment(long address) {
        EngineShadow f = sanity;
        if (f == null) {
            FreeChecksOnRequest own = checksItself;
            if (own == null) {
                return Allocator.super.segment(address);
            }
            if (address == 0) {
                throw new InvalidPointerException(name + ": segment(NULL)", 0);
            }
            return own.viewUntilFree("segment", address, -1);
        }
        Object l = f.lock;
        if (l != null) {
            synchronized (l) {
                return f.segment(address);
            }
        }
        return f.segment(address);
    }

    /**
     * Under F each allocation's view dies when its block is freed (the shadow's, or the engine's own F hooks');
     * otherwise {@link Allocator#asSegmentAllocator}.
     */
    @Override
    public SegmentAllocator asSegmentAllocator() {
        EngineShadow f = sanity;
        if (f != null) {
            return f.segmentAllocator(this);
        }
        FreeChecksOnRequest own = checksItself;
        if (own != null) {
            return (byteSize, byteAlignment) -> own.viewUntilFree("asSegmentAllocator",
                    Arguments.allocateForSegment(this, byteSize, byteAlignment), byteSize);
        }
        return Allocator.super.asSegmentAllocator();
    }

    @Override
    public final long alignedAlloc(long alignment, long size) {
        Arguments.checkAlignedAlloc(prefix(), alignment, size);
        if (alignment <= MIN_ALIGNMENT) {
            return malloc(size);
        }
        if (size > heap.capacity() || alignment > heap.capacity() || alignment > heap.baseAlignment()) {
            return 0;
        }
        EngineShadow f = sanity;
        long a;
        if (f == null) {
            a = allocateAligned(alignment, size);
        } else if (f.lock != null) {
            a = lockedAllocate(f, f.lock, alignment, size);
        } else if ((a = allocateAligned(alignment, Math.max(size, MIN_ALIGNMENT))) != 0) {
            f.record(a, freshUsable(a), 0);
        }
        if (observing()) {
            observe(size, a);
        }
        return a;
    }

    @Override
    public final long usableSize(long address) {
        if (address == 0) {
            return 0;
        }
        EngineShadow f = sanity;
        if (f == null) {
            return usable(address);
        }
        Object l = f.lock;
        if (l != null) {
            synchronized (l) {
                return EngineShadow.under(f.liveEntry("usableSize", address));
            }
        }
        return EngineShadow.under(f.liveEntry("usableSize", address));
    }

    /**
     * Throws {@link InvalidPointerException} unless {@code address} is 16-aligned and inside
     * {@code [lowest, heap.brk())}: the O(1) screen every allocator applies before reading a header.
     */
    protected final void requirePayloadAddress(long address, long lowest) {
        if ((address & (MIN_ALIGNMENT - 1)) != 0) {
            throw new InvalidPointerException(name + ": address " + address + " is not 16-byte aligned, so it is no block start", address);
        }
        if (address < lowest || address >= heap.brk()) {
            throw new InvalidPointerException(name + ": address " + address + " is outside the heap [" + lowest + ", " + heap.brk() + ")", address);
        }
    }

    /** Rounds {@code value} up to a multiple of {@code alignment} (a power of two). */
    protected static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    /**
     * For allocators whose payload starts {@code header} bytes after its block: the first block start at or after
     * {@code block} whose payload is {@code alignment}-aligned and whose front gap is 0 or at least {@code minBlock}
     * (large enough to stay behind as a free block of its own).
     */
    protected static long alignedBlockStart(long block, long header, long alignment, long minBlock) {
        long start = alignUp(block + header, alignment) - header;
        if (start != block && start - block < minBlock) {
            start += alignment;
        }
        return start;
    }

    /** Common figures from one walk of the heap, plus {@link #metrics()}. */
    @Override
    public AllocatorStats stats() {
        HeapWalk walk = walk();
        long[] f = new long[6];
        final int granted = 0, free = 1, allocated = 2, freeCount = 3, largest = 4, metadata = 5;
        walk.walkExtents((kind, start, size, payload, usable) -> {
            if (kind == ExtentKind.ALLOCATED) {
                f[granted] += usable;
                f[allocated]++;
                f[metadata] += size - usable;
            } else if (kind == ExtentKind.FREE) {
                f[free] += size;
                f[freeCount]++;
                f[largest] = Math.max(f[largest], size);
            } else {
                f[metadata] += size;
            }
            return true;
        });
        long external = walk.externalMetadataBytes();
        return new AllocatorStats(name, heap.brk() - heap.start(), heap.capacity(), heap.highWater() - heap.start(),
                OptionalLong.empty(), OptionalLong.empty(), f[granted], f[free], f[allocated], f[freeCount], f[largest],
                f[metadata] + external, external, metrics());
    }

    /**
     * {@code malloc_trim}: {@link #prepareTrim()}, then every whole page inside a free block, past its first and
     * before its last {@link #TRIM_KEEP} bytes (headers, links, footers), goes back to the OS through
     * {@link Heap#release}. Single-owner allocators: the owner calls it, as any operation.
     */
    @Override
    public long trim() {
        return TrimEvent.timed(name, () -> {
            prepareTrim();
            return releaseFreePages(walk(), heap);
        });
    }

    /** Bytes at each end of a free block that {@link #trim()} leaves in place: room for any header, links and footer. */
    public static final long TRIM_KEEP = 64;

    /** What an allocator does before its free blocks are trimmed: merge deferred free neighbours, flush caches. */
    protected void prepareTrim() {}

    /**
     * Releases the whole pages inside every FREE extent of {@code walk}, keeping {@link #TRIM_KEEP} bytes at each
     * end; returns the bytes released.
     */
    public static long releaseFreePages(HeapWalk walk, Heap heap) {
        List<long[]> runs = new java.util.ArrayList<>();
        walk.walkExtents((kind, start, size, payload, usable) -> {
            if (size <= 0) {
                return false;
            }
            if (kind == ExtentKind.FREE) {
                long from = alignUp(start + TRIM_KEEP, Heap.PAGE_SIZE);
                long to = (start + size - TRIM_KEEP) & -Heap.PAGE_SIZE;
                if (to > from) {
                    runs.add(new long[] {from, to - from});
                }
            }
            return true;
        });
        long released = 0;
        for (long[] r : runs) {
            released += heap.release(r[0], r[1]);
        }
        return released;
    }

    @Override
    public void close() {
        heap.close();
    }

    @Override
    public String toString() {
        return name + " over " + heap;
    }
}
