package org.jalloc.dense;

import java.util.Arrays;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * How the checker sees a {@link DenseAllocator}: the prologue, the blocks by header size (a page as its header,
 * one extent per slot and its metadata tail), the epilogue; the free structures are the tree (list 0) and the free
 * slots of each class's listed pages (list 1 + class). Free slots lie side by side, so HEAP-4 is not promised; the
 * tagged tier's coalescing is DENSE-5.
 */
final class DenseWalk implements HeapWalk {
    private final DenseAllocator a;
    private final Heap heap;

    // Pages seen by the last forward walk of checkInvariants, in address order.
    private long[] pageEnds = new long[16];
    private int[] pageClasses = new int[16];
    private boolean[] pagePartial = new boolean[16];
    private int pageCount;

    DenseWalk(DenseAllocator allocator, Heap heap) {
        this.a = allocator;
        this.heap = heap;
    }

    @Override
    public Heap heap() {
        return heap;
    }

    @Override
    public void walkExtents(ExtentVisitor visitor) {
        long epilogue = a.epilogue();
        if (!visitor.extent(ExtentKind.METADATA, a.firstBlock - DenseAllocator.WORD, DenseAllocator.WORD, 0, 0)) {
            return;
        }
        SmallPages pages = a.pages;
        long block = a.firstBlock;
        while (block < epilogue) {
            long tag = a.header(block);
            long size = DenseAllocator.sizeOf(tag);
            boolean more;
            if (!DenseAllocator.isAllocated(tag)) {
                more = visitor.extent(ExtentKind.FREE, block, size, block + DenseAllocator.WORD, size - a.tagBytes);
            } else if ((tag & DenseAllocator.PAGE) != 0 && pages != null && wellFormedPage(block, size)) {
                more = walkPage(visitor, pages, block, size);
            } else if ((tag & DenseAllocator.PAGE) != 0) {
                more = visitor.extent(ExtentKind.METADATA, block, size, 0, 0); // DENSE-7 reports why
            } else {
                more = visitor.extent(ExtentKind.ALLOCATED, block, size, block + DenseAllocator.WORD, size - a.tagBytes);
            }
            if (!more || size <= 0) {
                return;
            }
            block += size;
        }
        if (block == epilogue) {
            visitor.extent(ExtentKind.METADATA, epilogue, DenseAllocator.WORD, 0, 0);
        }
    }

    /** The page's header, one extent per slot, then its slack, metadata (and footer) as one METADATA extent. */
    private boolean walkPage(ExtentVisitor visitor, SmallPages p, long block, long size) {
        long end = block + size + DenseAllocator.WORD;
        long info = heap.getLong(p.infoAt(end));
        long n = SmallPages.slotsOf(info);
        long s = SmallPages.slotSize(SmallPages.classOfInfo(info));
        long base = block + DenseAllocator.WORD;
        long bitmap = p.bitmapAt(end, n);
        if (!visitor.extent(ExtentKind.METADATA, block, DenseAllocator.WORD, 0, 0)) {
            return false;
        }
        for (long i = 0; i < n; i++) {
            boolean free = (heap.getLong(bitmap + 8 * (i >>> 6)) & (1L << i)) != 0;
            long slot = base + i * s;
            if (!visitor.extent(free ? ExtentKind.FREE : ExtentKind.ALLOCATED, slot, s, slot, s)) {
                return false;
            }
        }
        return visitor.extent(ExtentKind.METADATA, base + n * s, block + size - (base + n * s), 0, 0);
    }

    /** Whether the page block's info can be walked: a small tier, a granule end, a valid class, size and slot count. */
    private boolean wellFormedPage(long block, long size) {
        SmallPages p = a.pages;
        if (p == null || size < DenseAllocator.MIN_BLOCK || ((block + size + DenseAllocator.WORD) & (SmallPages.GRANULE - 1)) != 0) {
            return false;
        }
        long info = heap.getLong(p.infoAt(block + size + DenseAllocator.WORD));
        int c = SmallPages.classOfInfo(info);
        return c < p.classes && SmallPages.sizeOfInfo(info) == size && SmallPages.slotsOf(info) == p.capacity(c, size)
                && SmallPages.slotsOf(info) > 0;
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        long lo = a.firstBlock;
        long hi = a.epilogue();
        SmallPages pages = a.pages;
        if (a.tree.walk(visitor) && pages != null) {
            pages.walk(visitor, lo, heap.brk());
        }
    }

    @Override
    public boolean coalescesImmediately() {
        return false; // free slots of a page lie side by side; DENSE-5 is the tagged blocks' coalescing
    }

    @Override
    public long externalMetadataBytes() {
        SmallPages p = a.pages;
        return a.sideTableBytes() + (p == null ? 0 : p.externalBytes());
    }

    @Override
    public String describeList(int list) {
        return list == 0 ? "the free-block tree" : "the page list of class " + SmallPages.slotSize(list - 1) + " B";
    }

    @Override
    public void checkInvariants(InvariantSink sink) {
        checkSentinels(sink);
        boolean walked = checkBlocks(sink);
        a.tree.check(sink);
        if (walked) {
            checkPageMap(sink);
            checkPageLists(sink);
        }
    }

    @Enforces("DENSE-1")
    private void checkSentinels(InvariantSink sink) {
        long prologue = heap.getLong(a.firstBlock - DenseAllocator.WORD);
        if (prologue != DenseAllocator.PROLOGUE) {
            sink.violation("DENSE-1", a.firstBlock - DenseAllocator.WORD, "prologue at the heap start changed", "0x1",
                    "0x" + Long.toHexString(prologue));
        }
        long e = heap.getLong(a.epilogue());
        long allowed = a.elide ? DenseAllocator.PREV_ALLOCATED : 0;
        if ((e & ~allowed) != DenseAllocator.ALLOCATED) {
            sink.violation("DENSE-1", a.epilogue(), "epilogue header at brk - 8 changed", "size 0, allocated, no r or s bit",
                    "0x" + Long.toHexString(e));
        }
    }

    /**
     * The forward walk by headers: DENSE-2 header form, DENSE-3 footers, DENSE-4 p bits, DENSE-5 coalescing, and
     * DENSE-7 for each page. Records the pages; returns false when the walk cannot reach the epilogue (HEAP-1).
     */
    @Enforces({"DENSE-2", "DENSE-3", "DENSE-4", "DENSE-5", "DENSE-7"})
    private boolean checkBlocks(InvariantSink sink) {
        long epilogue = a.epilogue();
        long block = a.firstBlock;
        boolean leftAllocated = true; // the prologue
        boolean immediate = a.options.coalescing() == DenseOptions.Coalescing.IMMEDIATE;
        pageCount = 0;
        while (block < epilogue) {
            long tag = a.header(block);
            long size = DenseAllocator.sizeOf(tag);
            boolean allocated = DenseAllocator.isAllocated(tag);
            if (size < DenseAllocator.MIN_BLOCK) {
                sink.violation("DENSE-2", block, "malformed header", "size >= 32", "0x" + Long.toHexString(tag));
            }
            if (size <= 0 || size > epilogue - block) {
                return false;
            }
            if (!allocated && (tag & (DenseAllocator.GROWN | DenseAllocator.PAGE)) != 0) {
                sink.violation("DENSE-2", block, "a free block carries the r or s bit", "r = s = 0", "0x" + Long.toHexString(tag));
            }
            if (!a.elide && (tag & DenseAllocator.PREV_ALLOCATED) != 0) {
                sink.violation("DENSE-2", block, "p bit set although every block has a footer", "p = 0", "0x" + Long.toHexString(tag));
            }
            if (a.elide && ((tag & DenseAllocator.PREV_ALLOCATED) != 0) != leftAllocated) {
                sink.violation("DENSE-4", block, "prev-allocated bit disagrees with the left neighbour",
                        leftAllocated ? "p = 1 (left allocated)" : "p = 0 (left free)", leftAllocated ? "p = 0" : "p = 1");
            }
            if ((!a.elide || !allocated) && size >= 2 * DenseAllocator.WORD) {
                long footer = heap.getLong(block + size - DenseAllocator.WORD);
                if (footer != tag) {
                    sink.violation("DENSE-3", block + size - DenseAllocator.WORD, (allocated ? "allocated" : "free")
                            + " block's footer differs from its header", "0x" + Long.toHexString(tag), "0x" + Long.toHexString(footer));
                }
            }
            if (immediate && !allocated && !leftAllocated) {
                sink.violation("DENSE-5", block, "two adjacent free blocks (immediate coalescing)", "left neighbour allocated",
                        "left neighbour free");
            }
            if (allocated && (tag & DenseAllocator.PAGE) != 0) {
                checkPage(sink, block, size);
            }
            leftAllocated = allocated;
            block += size;
        }
        if (block != epilogue) {
            return false;
        }
        long e = heap.getLong(epilogue);
        if (a.elide && ((e & DenseAllocator.PREV_ALLOCATED) != 0) != leftAllocated) {
            sink.violation("DENSE-4", epilogue, "epilogue's prev-allocated bit disagrees with the last block",
                    leftAllocated ? "p = 1 (last block allocated)" : "p = 0 (last block free)", leftAllocated ? "p = 0" : "p = 1");
        }
        return true;
    }

    /** DENSE-7 for the page block at {@code block}: geometry and info; records the page for DENSE-8..10. */
    private void checkPage(InvariantSink sink, long block, long size) {
        SmallPages p = a.pages;
        long end = block + size + DenseAllocator.WORD;
        if (p == null) {
            sink.violation("DENSE-7", block, "a block carries the s bit but there are no small pages (small=0)", "s = 0", "s = 1");
            return;
        }
        if ((end & (SmallPages.GRANULE - 1)) != 0) {
            sink.violation("DENSE-7", block, "a page does not end on a granule", "end + 8 ≡ 0 (mod " + SmallPages.GRANULE + ")",
                    "end at " + DenseAllocator.hex(end));
            return;
        }
        long info = heap.getLong(p.infoAt(end));
        int c = SmallPages.classOfInfo(info);
        long n = SmallPages.slotsOf(info);
        if (c >= p.classes || SmallPages.sizeOfInfo(info) != size || n != p.capacity(c, size) || n == 0) {
            sink.violation("DENSE-7", p.infoAt(end), "page info disagrees with its block",
                    "class < " + p.classes + ", size " + size + ", slots = capacity",
                    "class " + c + ", size " + SmallPages.sizeOfInfo(info) + ", slots " + n);
            return;
        }
        long bitmap = p.bitmapAt(end, n);
        long free = 0;
        for (int i = 0; i < SmallPages.words(n); i++) {
            long word = heap.getLong(bitmap + 8L * i);
            long valid = (long) (i + 1) * 64 <= n ? -1L : (1L << (n & 63)) - 1;
            if ((word & ~valid) != 0) {
                sink.violation("DENSE-7", bitmap + 8L * i, "free bits beyond the page's last slot", "0",
                        "0x" + Long.toHexString(word & ~valid));
            }
            free += Long.bitCount(word & valid);
        }
        long live = SmallPages.liveOf(info);
        if (live != n - free || live == 0) {
            sink.violation("DENSE-7", p.infoAt(end), live == 0 ? "an empty page is kept" : "page live count disagrees with its bitmap",
                    (n - free) + " live (and more than 0)", Long.toString(live));
        }
        if (pageCount == pageEnds.length) {
            pageEnds = Arrays.copyOf(pageEnds, pageCount * 2);
            pageClasses = Arrays.copyOf(pageClasses, pageCount * 2);
            pagePartial = Arrays.copyOf(pagePartial, pageCount * 2);
        }
        pageEnds[pageCount] = end;
        pageClasses[pageCount] = c;
        pagePartial[pageCount] = free > 0 && free < n;
        pageCount++;
    }

    /** DENSE-8: the end map marks exactly the pages' ends; the per-class page counters are the pages' numbers. */
    @Enforces("DENSE-8")
    private void checkPageMap(InvariantSink sink) {
        SmallPages p = a.pages;
        if (p == null) {
            return;
        }
        long marked = 0;
        for (long w : p.ends) {
            marked += Long.bitCount(w);
        }
        for (int i = 0; i < pageCount; i++) {
            if (!p.endMarked(pageEnds[i])) {
                sink.violation("DENSE-8", pageEnds[i], "a page's end is not in the end map", "bit set", "bit clear");
                marked++; // counted as found, so the total below reports only stray bits
            }
        }
        if (marked != pageCount) {
            sink.violation("DENSE-8", 0, "the end map marks granules where no page ends", pageCount + " bits", marked + " bits");
        }
        for (int c = 0; c < p.pageCount.length; c++) {
            int n = 0;
            for (int i = 0; i < pageCount; i++) {
                n += pageClasses[i] == c ? 1 : 0;
            }
            if (p.pageCount[c] != n) {
                sink.violation("DENSE-8", 0, "the page counter of class " + SmallPages.slotSize(c) + " B is off", n + " pages",
                        Integer.toString(p.pageCount[c]));
            }
        }
    }

    /**
     * DENSE-9: each class's list holds exactly the pages of that class with free and live slots; DENSE-10: the
     * lists are sorted by address and doubly linked. A list is followed for at most as many links as there are pages.
     */
    @Enforces({"DENSE-9", "DENSE-10"})
    private void checkPageLists(InvariantSink sink) {
        SmallPages p = a.pages;
        if (p == null) {
            return;
        }
        for (int c = 0; c < p.heads.length; c++) {
            int partial = 0;
            for (int i = 0; i < pageCount; i++) {
                partial += pageClasses[i] == c && pagePartial[i] ? 1 : 0;
            }
            int listed = 0;
            long prev = 0;
            long budget = pageCount + 1;
            for (long end = p.heads[c]; end != 0 && budget-- > 0; end = p.next(end)) {
                int i = Arrays.binarySearch(pageEnds, 0, pageCount, end);
                if (i < 0 || pageClasses[i] != c || !pagePartial[i]) {
                    sink.violation("DENSE-9", end, "the list of class " + SmallPages.slotSize(c) + " B names a page that does not belong",
                            "a page of this class with free and live slots", i < 0 ? "no page ends there"
                                    : pagePartial[i] ? "a page of class " + SmallPages.slotSize(pageClasses[i]) + " B" : "a full page");
                    break;
                }
                listed++;
                if (p.prev(end) != prev) {
                    sink.violation("DENSE-10", end, "a page's prev link does not name its predecessor",
                            prev == 0 ? "0 (list head)" : DenseAllocator.hex(prev), DenseAllocator.hex(p.prev(end)));
                }
                if (prev != 0 && end <= prev) {
                    sink.violation("DENSE-10", end, "the list of class " + SmallPages.slotSize(c) + " B is not in address order",
                            "after " + DenseAllocator.hex(prev), DenseAllocator.hex(end));
                    break;
                }
                prev = end;
            }
            if (listed != partial) {
                sink.violation("DENSE-9", 0, "the list of class " + SmallPages.slotSize(c) + " B misses pages with free slots",
                        partial + " pages", listed + " listed");
            }
        }
    }

    /** Per class c: pages, slots, live slots, page bytes at {@code [4c .. 4c + 3]} (one walk, for statistics). */
    long[] pageTotals() {
        SmallPages p = a.pages;
        long[] t = new long[4 * (p == null ? 0 : p.classes)];
        if (p == null) {
            return t;
        }
        long epilogue = a.epilogue();
        for (long block = a.firstBlock; block < epilogue; ) {
            long tag = a.header(block);
            long size = DenseAllocator.sizeOf(tag);
            if (size <= 0) {
                break;
            }
            if (DenseAllocator.isAllocated(tag) && (tag & DenseAllocator.PAGE) != 0 && wellFormedPage(block, size)) {
                long info = heap.getLong(p.infoAt(block + size + DenseAllocator.WORD));
                int c = SmallPages.classOfInfo(info);
                t[4 * c]++;
                t[4 * c + 1] += SmallPages.slotsOf(info);
                t[4 * c + 2] += SmallPages.liveOf(info);
                t[4 * c + 3] += size;
            }
            block += size;
        }
        return t;
    }
}
