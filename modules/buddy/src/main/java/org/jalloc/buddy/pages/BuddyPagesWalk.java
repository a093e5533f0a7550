package org.jalloc.buddy.pages;

import static org.jalloc.buddy.pages.BuddyPages.NEXT;
import static org.jalloc.buddy.pages.BuddyPages.PREV;

import java.util.Arrays;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The checker's view of a {@link BuddyPages}: its walk and its checks, apart from the engine (the same placement as
 * slab's {@code SlabWalk}, {@code SlubWalk} and {@code SlobWalk}). The extents are the padding before the first page
 * (pages larger than the guard page), then every block from the head map, FREE where the free map says so (payload =
 * block start, usable = size); the free structures are the per-order free lists.
 *
 * <p>{@link #checkInvariants} checks BUDDY-1..5, stated as equations in {@link BuddyPages}' header and in
 * {@code spec/invariants.md}, and reports every violation it finds with expected and actual values. It reads the
 * engine's head map, free map, list heads and counters; it changes nothing but its own scratch (the listed frames,
 * and the links the checked extent walk records for the checked free-list walk of the same check).
 */
final class BuddyPagesWalk implements HeapWalk {
    private final BuddyPages b;
    /** Scratch map for the checks: the frames the free lists name. */
    private final FrameBits listed = new FrameBits();
    // The free blocks as the checked extent walk met them, by their rank in address order: their addresses, sizes in
    // pages, and links (next, prev). The walk collects the addresses from the side table alone; one tight loop after
    // it then reads the links from the heap (independent loads, in address order, many in flight at once, where a
    // load inside the walk's long loop body would wait alone). The checked free-list walk follows the links from here
    // instead of taking a dependent miss on the heap per entry (LIFO lists jump around a heap larger than the caches),
    // and finds an entry's rank through a bitmap of the recorded frames with a running count of set bits per word.
    // Valid only for the check that recorded them: the free-list walk that follows consumes them.
    private final FrameBits recordedFrames = new FrameBits();
    private int[] recordedRank = new int[0];
    private long[] recordedAt = new long[64];
    private long[] recordedPages = new long[64];
    private long[] recordedNext = new long[64];
    private long[] recordedPrev = new long[64];
    private boolean linksRecorded;

    BuddyPagesWalk(BuddyPages engine) {
        this.b = engine;
    }

    @Override
    public Heap heap() {
        return b.heap;
    }

    @Override
    public void walkExtents(ExtentVisitor visitor) {
        linksRecorded = false;
        long first = b.firstAddress();
        if (first > b.heap.start() && !visitor.extent(ExtentKind.PADDING, b.heap.start(), first - b.heap.start(), 0, 0)) {
            return;
        }
        long end = b.heap.brk() >>> b.shift;
        for (long p = b.firstFrame; p < end; ) {
            long next = b.head.next(p + 1, end);
            long a = p << b.shift;
            long size = (next - p) << b.shift;
            if (!visitor.extent(b.free.get(p) ? ExtentKind.FREE : ExtentKind.ALLOCATED, a, size, a, size)) {
                return;
            }
            p = next;
        }
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        walkFreeLists(visitor);
    }

    /**
     * The checker's pass over the blocks (see {@link HeapWalk}): {@link #walkExtents(ExtentVisitor)} with
     * {@link #checkBlocks}' BUDDY-1..3 made on the way; false when the visitor stopped it.
     */
    @Enforces({"BUDDY-1", "BUDDY-2", "BUDDY-3"})
    @Override
    public boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
        linksRecorded = false;
        long first = b.firstAddress();
        if (first > b.heap.start() && !visitor.extent(ExtentKind.PADDING, b.heap.start(), first - b.heap.start(), 0, 0)) {
            return false;
        }
        long end = b.heap.brk() >>> b.shift;
        BlockCheck check = new BlockCheck(sink, end);
        long[] at = recordedAt;
        long[] pages = recordedPages;
        int n = 0;
        // The blocks of walkExtents(visitor), read a word of the head and free maps at a time: block p ends at the
        // next head bit (or the end), found in the current head word with its lower bits cleared as they are passed.
        long p = b.firstFrame;
        int w = (int) (p >>> 6);
        int lastWord = (int) ((end - 1) >>> 6);
        long heads = b.head.word(w) & (-2L << p); // the heads after p in its word (shifts take the low six bits)
        long frees = b.free.word(w);
        boolean isFree = (frees >>> p & 1) != 0;
        while (p < end) {
            while (heads == 0 && w < lastWord) {
                w++;
                heads = b.head.word(w);
                frees = b.free.word(w);
            }
            long next = heads == 0 ? end : Math.min(end, ((long) w << 6) + Long.numberOfTrailingZeros(heads));
            heads &= heads - 1;
            long a = p << b.shift;
            long size = (next - p) << b.shift;
            if (!visitor.extent(isFree ? ExtentKind.FREE : ExtentKind.ALLOCATED, a, size, a, size)) {
                return false;
            }
            check.block(p, next, isFree);
            if (isFree) { // a frame below brk >>> shift starts a page that ends by brk: its 16-byte node is in the heap
                if (n == at.length) {
                    recordedAt = at = Arrays.copyOf(at, n * 2);
                    recordedPages = pages = Arrays.copyOf(pages, n * 2);
                }
                at[n] = a;
                pages[n] = next - p;
                n++;
            }
            p = next;
            isFree = (frees >>> next & 1) != 0; // next is in word w (or is the end)
        }
        recordLinks(n, end);
        return true;
    }

    /**
     * The links of the {@code n} free blocks the checked extent walk met (in {@link #recordedAt}), and the bitmap
     * and running counts that find a block's rank: its frames are the free bits at block starts in
     * {@code [first, end)}, which is where the walk read them.
     */
    private void recordLinks(int n, long end) {
        if (recordedNext.length < n) {
            recordedNext = new long[recordedAt.length];
            recordedPrev = new long[recordedAt.length];
        }
        long[] at = recordedAt;
        long[] next = recordedNext;
        long[] prev = recordedPrev;
        for (int i = 0; i < n; i++) {
            long a = at[i];
            next[i] = b.links.loadUnchecked(a + NEXT);
            prev[i] = b.links.loadUnchecked(a + PREV);
        }
        int words = (int) ((end + 63) >>> 6);
        recordedFrames.clearRange(0, Long.MAX_VALUE);
        if (recordedRank.length < words) {
            recordedRank = new int[words];
        }
        long firstFrame = b.firstFrame;
        int rank = 0;
        for (int w = (int) (firstFrame >>> 6), last = words; w < last; w++) {
            long base = (long) w << 6;
            long bits = b.free.word(w) & b.head.word(w);
            if (base < firstFrame) {
                bits &= -1L << (firstFrame - base);
            }
            if (base + 64 > end) {
                bits &= -1L >>> (base + 64 - end);
            }
            recordedFrames.setWord(w, bits);
            recordedRank[w] = rank;
            rank += Long.bitCount(bits);
        }
        // The walk takes the first frame for a block start even when its head bit is clear (BUDDY-2): then the ranks
        // disagree, and the free-list walk reads every link from the heap instead.
        linksRecorded = rank == n;
    }

    /** Where the checked extent walk recorded the links of the block at {@code a} (inside the heap), or -1. */
    private int recorded(long a) {
        if (!linksRecorded || (a & (b.pageSize - 1)) != 0) {
            return -1;
        }
        long f = a >>> b.shift;
        if (!recordedFrames.get(f)) {
            return -1;
        }
        int w = (int) (f >>> 6);
        return recordedRank[w] + Long.bitCount(recordedFrames.word(w) & ((1L << f) - 1)); // shifts take the low six bits
    }

    /**
     * The checker's pass over the free lists: {@link #walkFreeLists} with {@link #checkFreeLists}' BUDDY-4 and
     * BUDDY-5 made on the way (each link read once per check); false when the visitor or a wild link stopped it.
     */
    @Enforces({"BUDDY-4", "BUDDY-5"})
    @Override
    public boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
        try {
            return checkedFreeLists(visitor, sink);
        } finally {
            linksRecorded = false; // the links recorded by this check's extent walk are spent
        }
    }

    private boolean checkedFreeLists(FreeEntryVisitor visitor, InvariantSink sink) {
        long end = b.heap.brk() >>> b.shift;
        long bound = end - b.firstFrame;
        listed.clearRange(0, Long.MAX_VALUE);
        boolean complete = true; // false once a list holds what only checkFreeLists may judge
        for (int k = 0; k <= b.maxOrder; k++) {
            long prev = 0;
            long length = 0;
            for (long a = b.freeList[k]; a != 0; ) {
                // walkFreeLists' entries and stops, exactly
                if (!visitor.entry(k, a, b.pageSize << k) || a < b.heap.start() || a + 16 > b.heap.brk() || ++length > bound) {
                    return false;
                }
                if (complete && (a < b.firstAddress() || (a >>> b.shift) >= end || (a & (b.pageSize - 1)) != 0)) {
                    complete = false; // a link checkFreeLists reports and stops at: it makes this list's checks
                }
                int i = recorded(a); // where this check's extent walk recorded a's links (one lookup for both), or -1
                if (complete) {
                    checkEntry(sink, k, a, prev, end, i >= 0 ? recordedPrev[i] : b.links.loadUnchecked(a + PREV), i);
                }
                prev = a;
                a = i >= 0 ? recordedNext[i] : b.links.loadUnchecked(a + NEXT);
            }
            if (complete) {
                checkListTotals(sink, k, length);
            }
        }
        return complete;
    }

    @Override
    public boolean coalescesImmediately() {
        return false; // neighbours that are not buddies stay apart; BUDDY-3 is the buddy system's promise
    }

    @Override
    public long externalMetadataBytes() {
        return b.externalMetadataBytes();
    }

    /** Every block from the first page to the break, in address order, as the head and free maps say. */
    void walkBlocks(BuddyPages.BlockVisitor visitor) {
        long end = b.heap.brk() >>> b.shift;
        for (long p = b.firstFrame; p < end; ) {
            long next = b.head.next(p + 1, end);
            if (!visitor.block(p << b.shift, (next - p) << b.shift, b.free.get(p))) {
                return;
            }
            p = next;
        }
    }

    /**
     * Every free-list entry, order by order, each as (order, block address, block bytes). Stops at a link out of the
     * heap and after as many entries as the heap has pages (a cycle), so it ends on broken lists too.
     */
    void walkFreeLists(FreeEntryVisitor visitor) {
        long bound = (b.heap.brk() >>> b.shift) - b.firstFrame;
        for (int k = 0; k <= b.maxOrder; k++) {
            long n = 0;
            for (long a = b.freeList[k]; a != 0; a = b.links.loadUnchecked(a + NEXT)) {
                if (!visitor.entry(k, a, b.pageSize << k) || a < b.heap.start() || a + 16 > b.heap.brk() || ++n > bound) {
                    return;
                }
            }
        }
    }

    /** A name for free list {@code list}, for the checker's messages. */
    @Override
    public String describeList(int list) {
        return "the order-" + list + " free list (" + (list >= 0 && list < 63 - b.shift ? b.pageSize << list : 0) + "-byte blocks)";
    }

    /** Checks BUDDY-1..5 and reports every violation found. */
    @Override
    public void checkInvariants(InvariantSink sink) {
        checkInvariants(sink, false, false);
    }

    @Override
    public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        if (!extentsChecked) {
            checkBlocks(sink);
        }
        if (!freeStructuresChecked) {
            checkFreeLists(sink);
        }
        checkFreeMapAgreesWithLists(sink);
    }

    /**
     * One pass over the blocks: each aligned to its own size (BUDDY-1), inside its zone (BUDDY-2), and not a free
     * lower half followed by its free buddy of the same order (BUDDY-3).
     */
    @Enforces({"BUDDY-1", "BUDDY-2", "BUDDY-3"})
    private void checkBlocks(InvariantSink sink) {
        long end = b.heap.brk() >>> b.shift;
        BlockCheck check = new BlockCheck(sink, end);
        for (long p = b.firstFrame; p < end; ) {
            long next = b.head.next(p + 1, end);
            check.block(p, next, b.free.get(p));
            p = next;
        }
    }

    /** BUDDY-1..3 of the blocks in address order, one {@link #block} call per block (the state between blocks). */
    private final class BlockCheck {
        private final InvariantSink sink;
        private final long end;
        private long zoneStart;
        private long zoneEnd;
        private long freeLowerHalf = -1; // a free, well-formed lower half waiting for its buddy, or -1

        BlockCheck(InvariantSink sink, long end) {
            this.sink = sink;
            this.end = end;
            if (end > b.firstFrame && !b.head.get(b.firstFrame)) {
                sink.violation("BUDDY-2", b.firstAddress(), "zone does not begin with a block", "a block start at the first page "
                        + hex(b.firstAddress()), "head bit clear");
            }
            zoneStart = b.firstFrame;
            zoneEnd = zoneStart + (1L << zoneOrder(zoneStart, end));
        }

        void block(long p, long next, boolean isFree) {
            long n = next - p;
            boolean aligned = Long.bitCount(n) == 1 && (p & (n - 1)) == 0;
            if (!aligned) {
                sink.violation("BUDDY-1", p << b.shift, "block is not aligned to its own size", "2^k pages at a multiple of its size",
                        (n << b.shift) + " bytes at " + hex(p << b.shift));
            }
            while (p >= zoneEnd) {
                zoneStart = zoneEnd;
                zoneEnd = zoneStart + (1L << zoneOrder(zoneStart, end));
            }
            if (next > zoneEnd) {
                sink.violation("BUDDY-2", p << b.shift, "block runs past the end of its zone", "ends by " + hex(zoneEnd << b.shift)
                        + " (zone " + hex(zoneStart << b.shift) + " of " + ((zoneEnd - zoneStart) << b.shift) + " bytes)", "ends at " + hex(next << b.shift));
            }
            if (freeLowerHalf >= 0 && isFree && aligned && p == freeLowerHalf + n && freeLowerHalf == (p ^ n)) {
                sink.violation("BUDDY-3", freeLowerHalf << b.shift, "free buddies of the same order were not merged",
                        "the buddy at " + hex(p << b.shift) + " allocated, split or merged", "both free, order " + Long.numberOfTrailingZeros(n));
            }
            boolean lowerHalf = aligned && (p & n) == 0 && n < (1L << b.maxOrder) && next + n <= end;
            freeLowerHalf = isFree && lowerHalf ? p : -1;
        }
    }

    /** The order of the zone starting at frame {@code p} in a heap ending at {@code end}. */
    private int zoneOrder(long p, long end) {
        int o = Math.min(b.maxOrder, Long.numberOfTrailingZeros(p));
        while (o > 0 && p + (1L << o) > end) {
            o--;
        }
        return o;
    }

    /**
     * Every list well formed and holding blocks of its order only (BUDDY-4); marks the listed frames in
     * {@link #listed} for BUDDY-5 (a frame listed twice is reported there).
     */
    @Enforces({"BUDDY-4", "BUDDY-5"})
    private void checkFreeLists(InvariantSink sink) {
        long end = b.heap.brk() >>> b.shift;
        long bound = end - b.firstFrame + 1;
        listed.clearRange(0, Long.MAX_VALUE);
        for (int k = 0; k <= b.maxOrder; k++) {
            long prev = 0;
            long length = 0;
            for (long a = b.freeList[k]; a != 0; ) {
                if (a < b.firstAddress() || (a >>> b.shift) >= end || (a & (b.pageSize - 1)) != 0) {
                    sink.violation("BUDDY-4", a, describeList(k) + " links out of the heap", "a page in ["
                            + hex(b.firstAddress()) + ", " + hex(end << b.shift) + ")", hex(a) + (prev == 0 ? " (list head)" : " after " + hex(prev)));
                    break;
                }
                if (++length > bound) {
                    sink.violation("BUDDY-4", a, describeList(k) + " does not end", "at most " + (bound - 1) + " entries", "a cycle");
                    break;
                }
                checkEntry(sink, k, a, prev, end, b.links.loadUnchecked(a + PREV), -1);
                prev = a;
                a = b.links.loadUnchecked(a + NEXT);
            }
            checkListTotals(sink, k, length);
        }
    }

    /**
     * BUDDY-4 and BUDDY-5 of the entry {@code a} of the order-{@code k} list after {@code prev}, whose prev link reads
     * {@code back}; marks it listed. {@code i} is the rank the checked extent walk recorded {@code a} under (then a
     * free block start of {@code recordedPages[i]} pages, as the head and free maps say), or -1 (read the maps).
     */
    private void checkEntry(InvariantSink sink, int k, long a, long prev, long end, long back, int i) {
        if (back != prev) {
            sink.violation("BUDDY-4", a, describeList(k) + ": prev link does not name the previous entry",
                    prev == 0 ? "0 (first entry)" : hex(prev), hex(back));
        }
        long f = a >>> b.shift;
        if (i >= 0) {
            if (recordedPages[i] != 1L << k) {
                wrongOrder(sink, k, a, Math.min(recordedPages[i], (1L << k) + 1));
            }
        } else if (!b.head.get(f) || !b.free.get(f)) {
            sink.violation("BUDDY-4", a, describeList(k) + " holds a block that is not free",
                    "a free block start (head and free bits set)", "head " + (b.head.get(f) ? 1 : 0) + ", free " + (b.free.get(f) ? 1 : 0));
        } else {
            long pages = b.head.next(f + 1, Math.min(end, f + (1L << k) + 1)) - f;
            if (pages != 1L << k) {
                wrongOrder(sink, k, a, pages);
            }
        }
        if (listed.get(f)) {
            sink.violation("BUDDY-5", a, "block is on the free lists twice", "once", "again on " + describeList(k));
        }
        listed.set(f);
    }

    /** BUDDY-4's report of a free block of {@code pages} pages (at most 2^k + 1 counted) on the order-{@code k} list. */
    private void wrongOrder(InvariantSink sink, int k, long a, long pages) {
        sink.violation("BUDDY-4", a, "a free block is on the list of another order", describeList(k),
                "a block of " + (pages < (1L << k) ? pages << b.shift : "more than " + (b.pageSize << k)) + " bytes");
    }

    /** BUDDY-4 of the order-{@code k} list as a whole: its length is nr_free, its non-empty bit its emptiness. */
    private void checkListTotals(InvariantSink sink, int k, long length) {
        if (length != b.nrFree[k]) {
            sink.violation("BUDDY-4", b.freeList[k], "nr_free of " + describeList(k) + " disagrees with the list",
                    length + " (the list's length)", Long.toString(b.nrFree[k]));
        }
        if (((b.nonEmpty >>> k) & 1) != (b.freeList[k] != 0 ? 1 : 0)) {
            sink.violation("BUDDY-4", b.freeList[k], "the non-empty mask disagrees with " + describeList(k),
                    b.freeList[k] != 0 ? "bit " + k + " set" : "bit " + k + " clear", "the opposite");
        }
    }

    /** The free map marks exactly the listed frames, only at block starts, only inside the heap (BUDDY-5). */
    @Enforces("BUDDY-5")
    private void checkFreeMapAgreesWithLists(InvariantSink sink) {
        long end = b.heap.brk() >>> b.shift;
        int words = Math.max(Math.max(b.free.words(), listed.words()), b.head.words());
        for (int w = 0; w < words; w++) {
            long fr = b.free.word(w);
            long diff = (fr ^ listed.word(w)) | (fr & ~b.head.word(w));
            long base = (long) w << 6;
            if (base + 64 <= b.firstFrame || base >= end) {
                diff |= fr | b.head.word(w); // outside [first, brk) nothing may be marked
            } else if (base < b.firstFrame || base + 64 > end) {
                long inside = -1L;
                if (base < b.firstFrame) {
                    inside &= -1L << (b.firstFrame - base);
                }
                if (base + 64 > end) {
                    inside &= -1L >>> (base + 64 - end);
                }
                diff |= (fr | b.head.word(w)) & ~inside;
            }
            for (; diff != 0; diff &= diff - 1) {
                long f = base + Long.numberOfTrailingZeros(diff);
                long a = f << b.shift;
                if (f < b.firstFrame || f >= end) {
                    sink.violation("BUDDY-5", a, "block mark outside the heap's pages", "no head or free bit outside ["
                            + hex(b.firstAddress()) + ", " + hex(end << b.shift) + ")", "head " + (b.head.get(f) ? 1 : 0) + ", free " + (b.free.get(f) ? 1 : 0));
                } else if (b.free.get(f) && !b.head.get(f)) {
                    sink.violation("BUDDY-5", a, "free bit on a page inside a block", "free[p] only where a block starts",
                            "free bit set, head bit clear");
                } else if (b.free.get(f)) {
                    sink.violation("BUDDY-5", a, "block marked free is on no free list", "on the list of its order", "on none");
                } else {
                    sink.violation("BUDDY-5", a, "listed block is not marked free", "free bit set", "free bit clear");
                }
            }
        }
    }

    private static String hex(long a) {
        return BuddyPages.hex(a);
    }
}
