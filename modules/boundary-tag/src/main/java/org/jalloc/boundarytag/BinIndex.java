package org.jalloc.boundarytag;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;

/**
 * Where {@link BoundaryTagAllocator} finds its free blocks: an array of doubly linked lists whose links live in the
 * free blocks' payloads, and a mapping from a block size to its list. Subclasses choose the mapping and the search:
 * {@link SegregatedLists} (one list per power-of-two size class, best fit inside a class) and {@link Tlsf} (two
 * levels of classes with bitmaps, good fit in O(1)).
 *
 * <pre>
 *   heads[list] ──► free block ──► free block ──► 0          next at block + 8, prev at block + 16
 *                0 ◄── prev   ◄──── prev
 * </pre>
 *
 * The operations the allocator's fast paths call take the heap's memory ({@code mem}) from the allocator, which
 * reads and writes its tags through the same reference: every heap access of one malloc or free then goes through one
 * segment value, whose type, bounds and liveness the JIT checks once per operation (a segment read from this object's
 * own field after a type guard on it would be a second value, checked again).
 *
 * Invariants (checked by {@link #checkLists}): BT-6 every entry of list {@code i} has a size that maps to {@code i};
 * BT-7 {@code prev(heads[i]) = 0} and {@code prev(next(x)) = x} along every list. That every free block is in some
 * list exactly once is HEAP-3, proved by the shared checker from {@link #walk}.
 */
abstract sealed class BinIndex permits SegregatedLists, Tlsf {
    /** Offset of the next link from the block start (the header). */
    static final long NEXT = 8;
    /** Offset of the prev link from the block start. */
    static final long PREV = 16;

    final Heap heap;
    /** The links' encoding ({@code secure=on|off}, SEC-1); set once by the allocator before any block is linked. */
    SecureLinks links;
    /** First block of each list, 0 when the list is empty; grown on demand to the largest list used. */
    long[] heads;

    BinIndex(Heap heap, int lists) {
        this.heap = heap;
        this.links = new SecureLinks(false, heap, "boundary-tag", heap.start(), 16);
        this.heads = new long[lists];
    }

    /** The list a free block of {@code size} bytes belongs to. */
    abstract int listOf(long size);

    /** A linked free block of at least {@code asize} bytes, or 0; the block stays linked ({@code mem}: the heap's memory). */
    abstract long findFit(MemorySegment mem, long asize);

    /** "class 3 [256, 512)" and the like. */
    abstract String describe(int list);

    /** The policy's name in statistics. */
    abstract String policy();

    /** Bytes of the index kept outside the heap (heads, bitmaps). */
    long externalBytes() {
        return 8L * heads.length;
    }

    /** Hook: {@code list} went from empty to non-empty. */
    void listFilled(int list) {}

    /** Hook: {@code list} became empty. */
    void listEmptied(int list) {}

    /** Makes room for list {@code list} in {@link #heads} (and any side tables). */
    void ensureList(int list) {
        if (list >= heads.length) {
            heads = Arrays.copyOf(heads, list + 1);
        }
    }

    /** The layout of every heap word the fast paths read and write. */
    static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    /**
     * The next link of a free block, checked when secure (a corrupted one throws FreeListCorruptionException); read
     * through {@code mem}, the heap's memory, when not.
     */
    final long next(MemorySegment mem, long block) {
        return links.on() ? links.load(block, block + NEXT) : mem.get(WORD, block + NEXT);
    }

    /** {@link #next(MemorySegment, long)} through the index's own heap (tests, slow paths). */
    final long next(long block) {
        return next(heap.memory(), block);
    }

    final long prev(MemorySegment mem, long block) {
        return links.on() ? links.load(block, block + PREV) : mem.get(WORD, block + PREV);
    }

    /** Stores a link: encoded by {@link #links} when secure, else as it is through {@code mem}. */
    private void link(MemorySegment mem, long slot, long value) {
        if (links.on()) {
            links.store(slot, value);
        } else {
            mem.set(WORD, slot, value);
        }
    }

    /** The links decoded but unchecked: for the checker's walks, which report a bad link (HEAP-3, BT-7). */
    final long nextUnchecked(long block) {
        return links.loadUnchecked(block + NEXT);
    }

    final long prevUnchecked(long block) {
        return links.loadUnchecked(block + PREV);
    }

    /** Pushes the free block at {@code block} ({@code size} bytes) on the front of its list. */
    final void insert(MemorySegment mem, long block, long size) {
        int list = listOf(size);
        ensureList(list);
        long head = heads[list];
        link(mem, block + NEXT, head);
        link(mem, block + PREV, 0);
        if (head != 0) {
            link(mem, head + PREV, block);
        } else {
            listFilled(list);
        }
        heads[list] = block;
    }

    /** Unlinks the free block at {@code block} ({@code size} bytes) from its list. */
    final void remove(MemorySegment mem, long block, long size) {
        int list = listOf(size);
        long next = next(mem, block);
        // A list head's prev link is 0 (BT-7): not read for the head (TLSF's malloc always takes one), except with
        // secure=on, where loading it checks it (SEC-1).
        long prev = list < heads.length && heads[list] == block && !links.on() ? 0 : prev(mem, block);
        if (prev != 0) {
            link(mem, prev + NEXT, next);
        } else {
            heads[list] = next;
            if (next == 0) {
                listEmptied(list);
            }
        }
        if (next != 0) {
            link(mem, next + PREV, prev);
        }
    }

    /** Blocks in list {@code list}, following at most {@code limit} links. */
    final long length(int list, long limit) {
        long n = 0;
        for (long b = heads[list]; b != 0 && n < limit; b = nextUnchecked(b)) {
            n++;
        }
        return n;
    }

    /**
     * Every entry of every list, in list order, for the shared checker (HEAP-3). A link outside
     * {@code [lo, hi - 32]} or off the 16-byte block grid is reported with size 0 and ends that list.
     */
    final void walk(FreeEntryVisitor visitor, long lo, long hi) {
        for (int list = 0; list < heads.length; list++) {
            for (long b = heads[list]; b != 0; b = nextUnchecked(b)) {
                if (!plausibleLink(b, lo, hi)) {
                    if (!visitor.entry(list, b, 0)) {
                        return;
                    }
                    break;
                }
                if (!visitor.entry(list, b, BoundaryTagAllocator.sizeOf(heap.getLong(b)))) {
                    return;
                }
            }
        }
    }

    private static boolean plausibleLink(long b, long lo, long hi) {
        return b >= lo && b <= hi - BoundaryTagAllocator.MIN_BLOCK && ((b - lo) & 15) == 0;
    }

    /**
     * {@link #walk} with {@link #checkLists}' BT-6 and BT-7 made on the way, for the checker's one pass over the
     * lists. Returns false when the visitor stopped the walk (a cycle, a wild link): the checks were not all made.
     */
    @Enforces({"BT-6", "BT-7"})
    final boolean walkChecked(FreeEntryVisitor visitor, InvariantSink sink, long lo, long hi) {
        for (int list = 0; list < heads.length; list++) {
            long expectedPrev = 0;
            for (long b = heads[list]; b != 0; b = nextUnchecked(b)) {
                if (!plausibleLink(b, lo, hi)) {
                    if (!visitor.entry(list, b, 0)) {
                        return false;
                    }
                    break; // checkLists stops at a wild link too
                }
                long size = BoundaryTagAllocator.sizeOf(heap.getLong(b));
                if (!visitor.entry(list, b, size)) {
                    return false;
                }
                checkEntry(sink, list, b, expectedPrev, size);
                expectedPrev = b;
            }
        }
        return true;
    }

    /** BT-7 and BT-6 of the entry {@code b} of {@code list}, whose predecessor is {@code expectedPrev}. */
    private void checkEntry(InvariantSink sink, int list, long b, long expectedPrev, long size) {
        long prev = prevUnchecked(b);
        if (prev != expectedPrev) {
            sink.violation("BT-7", b, "prev link of a free block does not name its predecessor in " + describe(list),
                    expectedPrev == 0 ? "0 (list head)" : hex(expectedPrev), hex(prev));
        }
        if (size >= BoundaryTagAllocator.MIN_BLOCK && listOf(size) != list) {
            sink.violation("BT-6", b, "free block of " + size + " bytes is in the wrong list", describe(listOf(size)),
                    describe(list));
        }
    }

    /**
     * BT-6 and BT-7 over every list of blocks in {@code [lo, hi)}; a list is followed for at most
     * {@code (hi - lo) / 32} links (more means a cycle, which HEAP-3 reports).
     */
    @Enforces({"BT-6", "BT-7"})
    final void checkLists(InvariantSink sink, long lo, long hi) {
        long limit = (hi - lo) / BoundaryTagAllocator.MIN_BLOCK + 1;
        for (int list = 0; list < heads.length; list++) {
            long expectedPrev = 0;
            long steps = 0;
            for (long b = heads[list]; b != 0 && steps < limit; b = nextUnchecked(b), steps++) {
                if (!plausibleLink(b, lo, hi)) {
                    break; // HEAP-3 reports the wild link
                }
                checkEntry(sink, list, b, expectedPrev, BoundaryTagAllocator.sizeOf(heap.getLong(b)));
                expectedPrev = b;
            }
        }
    }

    /** Index-specific structure checks (TLSF's bitmaps). */
    void checkStructure(InvariantSink sink) {}

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
