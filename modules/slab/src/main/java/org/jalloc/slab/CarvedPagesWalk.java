package org.jalloc.slab;

import java.lang.foreign.MemorySegment;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The checker's view shared by the allocators that carve buddy pages ({@link SlabWalk}, {@link SlubWalk},
 * {@link SlobWalk}): the shapes they had each written, once.
 *
 * <pre>
 *   [start, firstAddress)      PADDING (the guard page, when buddy's pages are larger)
 *   buddy block, free          one FREE extent, on buddy's list of its order: list id BUDDY &lt;&lt; 28 | order
 *   buddy block, allocated     carved by the allocator ({@link #usedExtents}): slab objects, SLOB blocks, a large block
 * </pre>
 *
 * Algorithms:
 * <ol>
 *   <li>Extent walk: the padding, then every buddy block in address order; stops when the visitor says so.</li>
 *   <li>Free-structure walk: buddy's free lists, then the allocator's own ({@link #ownFreeEntries}). One method serves
 *       the plain walk ({@code sink == null}) and the checker's checked walk, which also makes the allocator's
 *       per-entry checks on the way (see {@link HeapWalk}): each link is read once per check.</li>
 *   <li>Own checks: BUDDY-1..5 through the page allocator, then the allocator's ({@link #checkOwn}).</li>
 *   <li>Page ownership ({@link #checkPages}): every page of a free buddy block carries no descriptor in use
 *       ({@link #freePageClean}); every allocated block is the allocator's ({@link #usedBlockPages}).</li>
 * </ol>
 * Quiescent use only: nothing here takes a lock.
 */
abstract class CarvedPagesWalk implements HeapWalk {
    static final int BUDDY = 1;
    static final int PAGE_SHIFT = 12;

    final Heap heap;
    final MemorySegment mem;
    final BuddyPages pages;
    /** True once the visitor stopped the walk in progress. */
    boolean stopped;

    CarvedPagesWalk(Heap heap, BuddyPages pages) {
        this.heap = heap;
        this.mem = heap.memory();
        this.pages = pages;
    }

    @Override
    public final Heap heap() {
        return heap;
    }

    @Override
    public final boolean coalescesImmediately() {
        return false; // objects and blocks sit next to free ones inside a page; buddies merge only with buddies (BUDDY-3)
    }

    @Override
    public final String describeList(int list) {
        return list >>> 28 == BUDDY ? "buddy: " + pages.describeList(list & 0xFFF) : describeOwnList(list);
    }

    /** A name for one of the allocator's own lists (not buddy's), for messages. */
    abstract String describeOwnList(int list);

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ================================================================== walks

    @Override
    public final void walkExtents(ExtentVisitor visitor) {
        extents(visitor, null);
    }

    @Override
    public final boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
        return extents(visitor, sink) && extentChecksFolded();
    }

    /** The extent walk; {@code sink} is null in the plain walk. False when the visitor stopped it. */
    private boolean extents(ExtentVisitor visitor, @Nullable InvariantSink sink) {
        beginExtents(sink != null);
        long first = pages.firstAddress();
        if (first > heap.start() && !visitor.extent(ExtentKind.PADDING, heap.start(), first - heap.start(), 0, 0)) {
            return false;
        }
        stopped = false;
        pages.walkBlocks((address, size, free) -> {
            boolean go = free ? visitor.extent(ExtentKind.FREE, address, size, address, size) : usedExtents(visitor, address, size);
            stopped = !go;
            return go;
        });
        return !stopped;
    }

    /** Resets what the extent walk records for the allocator's checks ({@code checked}: the checker's pass). */
    void beginExtents(boolean checked) {}

    /** True when the allocator's checks take what a complete extent walk recorded (see {@link #beginExtents}). */
    boolean extentChecksFolded() {
        return false;
    }

    /** The extents of the allocated buddy block {@code [address, address + size)}; false when the visitor stopped. */
    abstract boolean usedExtents(ExtentVisitor visitor, long address, long size);

    @Override
    public final void walkFreeStructures(FreeEntryVisitor visitor) {
        freeStructures(visitor, null);
    }

    @Override
    public final boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
        return freeStructures(visitor, sink);
    }

    private boolean freeStructures(FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        stopped = false;
        pages.walkFreeLists((order, address, size) -> {
            boolean go = visitor.entry(BUDDY << 28 | order, address, size);
            stopped = !go;
            return go;
        });
        return !stopped && ownFreeEntries(visitor, sink) && !stopped;
    }

    /**
     * The allocator's own free structures, after buddy's lists. With a {@code sink} (the checker's pass) it also makes
     * the per-entry checks it folds and returns true only when it made them all (see {@link HeapWalk}); without, the
     * plain walk (its result is ignored).
     */
    abstract boolean ownFreeEntries(FreeEntryVisitor visitor, @Nullable InvariantSink sink);

    // ================================================================== checks

    @Override
    public final void checkInvariants(InvariantSink sink) {
        checkInvariants(sink, false, false);
    }

    @Override
    public final void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        pages.checkInvariants(sink);
        checkOwn(sink, extentsChecked && extentChecksFolded(), freeStructuresChecked);
    }

    /** The allocator's own invariants, less what the checked walks of this check made (their flags). */
    abstract void checkOwn(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked);

    /** Page ownership in buddy (algorithm 4): one pass over buddy's blocks. */
    final void checkPages(InvariantSink sink) {
        pages.walkBlocks((base, size, free) -> {
            if (free) {
                for (long p = base; p < base + size; p += 1L << PAGE_SHIFT) {
                    if (!freePageClean(p, sink)) {
                        break;
                    }
                }
            } else {
                usedBlockPages(base, size, sink);
            }
            return true;
        });
    }

    /** True when the page at {@code page} of a free buddy block carries no descriptor in use; else reports it. */
    abstract boolean freePageClean(long page, InvariantSink sink);

    /** Checks that the allocated buddy block {@code [base, base + size)} is a slab, page or large block of the allocator. */
    abstract void usedBlockPages(long base, long size, InvariantSink sink);

    /**
     * What a checked extent walk recorded per slab, by page index from the heap's start: the slab's key (SLAB's header
     * address, SLUB's base) and the free objects it counted, so the allocator's own check reads the count instead of
     * counting again. Cleared at the start of each checked walk; a plain walk records nothing.
     */
    static final class FreeCounts {
        private final Heap heap;
        private boolean recording;
        private int pages;
        private long[] key = new long[0];
        private int[] free = new int[0];

        FreeCounts(Heap heap) {
            this.heap = heap;
        }

        /** The start of an extent walk: records only when it is the checker's ({@code checked}). */
        void begin(boolean checked) {
            recording = checked;
            if (checked) {
                int n = (int) (((heap.brk() - heap.start()) >>> PAGE_SHIFT) + 1);
                if (key.length < n) {
                    key = new long[Math.max(n, key.length * 2)];
                    free = new int[key.length];
                } else {
                    java.util.Arrays.fill(key, 0, n, 0L);
                }
                pages = n;
            }
        }

        /** The slab at {@code base} (keyed {@code k}) has {@code n} free objects, if this walk records. */
        void record(long base, long k, int n) {
            if (recording) {
                int p = (int) ((base - heap.start()) >>> PAGE_SHIFT);
                key[p] = k;
                free[p] = n;
            }
        }

        /** The free objects recorded for the slab at {@code base} keyed {@code k}, or -1 when none was. */
        int recorded(long base, long k) {
            long i = (base - heap.start()) >>> PAGE_SHIFT;
            return base >= heap.start() && i < pages && key[(int) i] == k ? free[(int) i] : -1;
        }
    }
}
