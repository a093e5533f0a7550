package org.jalloc.slab;

import static org.jalloc.slab.SlobAllocator.FREED_LARGE;
import static org.jalloc.slab.SlobAllocator.HEADER;
import static org.jalloc.slab.SlobAllocator.LARGE;
import static org.jalloc.slab.SlobAllocator.LARGE_TAIL;
import static org.jalloc.slab.SlobAllocator.LISTS;
import static org.jalloc.slab.SlobAllocator.LIST_NAMES;
import static org.jalloc.slab.SlobAllocator.NONE;
import static org.jalloc.slab.SlobAllocator.PAGE;
import static org.jalloc.slab.SlobAllocator.PAGE_SIZE;

import java.lang.foreign.ValueLayout;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;

/**
 * The checker's view of a {@link SlobAllocator}: the buddy blocks in address order (free ones are FREE extents on
 * buddy's lists); a SLOB page is its blocks, tiled by their headers (ALLOCATED when the live bit of the payload is set,
 * else FREE); a large block is one ALLOCATED extent. The free structures are buddy's lists and, for each page on the
 * three page lists, its free list: each FREE extent once. {@link #checkInvariants} checks BUDDY-1..5 and SLOB-1..4.
 * Quiescent use only (no lock taken).
 *
 * <p>The checker's one pass ({@link org.jalloc.core.walk.HeapWalk}): the checked extent walk makes SLOB-1 as it tiles
 * a page and records, for a page it finds sound, its free blocks and bytes; the checked free-structure walk makes
 * SLOB-2 on each listed page's free list as it reads it, against that record. A page either pass did not finish
 * {@link #checkOwn} checks as without them.
 */
final class SlobWalk extends CarvedPagesWalk {
    static final int PAGES = 2;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private final SlobAllocator a;
    /** Scratch for SLOB-3: the pages the page lists name, reused by every check. */
    private boolean[] seenPages = new boolean[0];
    /** The free bytes and blocks of the page {@link #checkBlocks} tiled last, for {@link #checkFreeList}. */
    private long tiledFree;
    private int tiledCount;
    // By frame: the checked extent walk's sound tilings (stamped with the walk's epoch), and the pages whose free list
    // the checked free-structure walk made SLOB-2 of.
    private int epoch;
    private boolean recording;
    private int[] tiledStamp = new int[0];
    private int[] tiledFreeAt = new int[0];
    private int[] tiledCountAt = new int[0];
    private int[] listedStamp = new int[0];
    private boolean folding;
    // SLOB-2's state along one free list
    private long listSum;
    private int listCount;
    private long listLast;
    private long listLastEnd;

    SlobWalk(SlobAllocator a, Heap heap) {
        super(heap, a.pages);
        this.a = a;
    }

    @Override
    public long externalMetadataBytes() {
        return a.externalBytes();
    }

    @Override
    String describeOwnList(int list) {
        int kind = list >>> 28;
        int sub = list & 0xFFF;
        return switch (kind) {
            case PAGES -> "slob: free lists of the " + (sub < LISTS ? LIST_NAMES[sub] : "?") + " page list";
            default -> "list " + list;
        };
    }

    // ================================================================== walks

    @Override
    boolean usedExtents(ExtentVisitor visitor, long address, long size) {
        byte k = a.kindAt(address);
        if (k == PAGE && size == PAGE_SIZE) {
            return pageExtents(visitor, address);
        }
        if (k == LARGE) {
            long head = a.largeFront(SlobAllocator.frame(address)); // debug=F: the payload past its head
            return visitor.extent(ExtentKind.ALLOCATED, address, size, address + head, size - head);
        }
        return visitor.extent(ExtentKind.METADATA, address, size, 0, 0); // owned by nothing: SLOB-4 reports it
    }

    @Override
    void beginExtents(boolean checked) {
        epoch++;
        recording = checked;
        int frames = a.kind.length;
        if (checked && tiledStamp.length < frames) {
            tiledStamp = new int[frames];
            tiledFreeAt = new int[frames];
            tiledCountAt = new int[frames];
            listedStamp = new int[frames];
        }
    }

    @Override
    boolean extentChecksFolded() {
        return true;
    }

    /** The blocks of the SLOB page at {@code base}; in the checker's pass, SLOB-1 on the way (a sound page is recorded). */
    @Enforces("SLOB-1")
    private boolean pageExtents(ExtentVisitor v, long base) {
        long end = base + PAGE_SIZE;
        int liveBlocks = 0;
        int freeBytes = 0;
        int freeBlocks = 0;
        boolean sound = true; // SLOB-1 holds so far: checkBlocks would report nothing
        for (long h = base; h < end; ) {
            long s = mem.get(LONG, h);
            if (s <= 0 || (s & 15) != 0 || h + s > end) {
                return v.extent(ExtentKind.METADATA, h, end - h, 0, 0); // SLOB-1 reports the header
            }
            boolean live = a.liveAt(h + HEADER);
            if (live) {
                liveBlocks++;
                sound &= s >= 2 * HEADER && mem.get(LONG, h + 8) == a.checkWord(h, s);
            } else {
                freeBytes += (int) s;
                freeBlocks++;
            }
            if (!(live ? v.extent(ExtentKind.ALLOCATED, h, s, h + HEADER, s - HEADER) : v.extent(ExtentKind.FREE, h, s, h, s))) {
                return false;
            }
            h += s;
        }
        int f = SlobAllocator.frame(base);
        if (recording && sound && liveBits(f) == liveBlocks && f < tiledStamp.length) {
            tiledStamp[f] = epoch;
            tiledFreeAt[f] = freeBytes;
            tiledCountAt[f] = freeBlocks;
        }
        return true;
    }

    /** The live bits of page {@code f}. */
    private int liveBits(int f) {
        int bits = 0;
        for (int w = f * 4; w < f * 4 + 4; w++) {
            bits += Long.bitCount(a.live[w]);
        }
        return bits;
    }

    /** The free lists of the pages on the page lists; with a sink, SLOB-2 of each on the way (true when it made them all). */
    @Enforces("SLOB-2")
    @Override
    boolean ownFreeEntries(FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        folding = sink != null;
        int bound = a.kind.length;
        for (int l = 0; l < LISTS && !stopped; l++) {
            int f = a.listHead[l];
            for (int i = 0; f >= 0 && f < a.kind.length && i < Math.min(bound, a.listCount[l]) && !stopped; i++, f = a.next[f]) {
                stopped = !pageFreeEntries(f, PAGES << 28 | l, visitor, sink);
            }
        }
        return folding && !stopped;
    }

    /**
     * The free list of page {@code f}, bounded, stopping where it leaves the page. With a sink, and a sound tiling of
     * the page recorded by this check's extent walk: SLOB-2 of the list on the way, as {@link #checkFreeList}.
     */
    private boolean pageFreeEntries(int f, int list, FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        long base = (long) f << PAGE_SHIFT;
        long steps = 0;
        // SLOB-2's sink while it still reads this list (each page once)
        @Nullable InvariantSink open = sink != null && folding && f < tiledStamp.length && tiledStamp[f] == epoch && listedStamp[f] != epoch ? sink : null;
        if (open != null) {
            listedStamp[f] = epoch;
            beginFreeList();
        }
        long b;
        for (b = a.head[f] < 0 ? 0 : base + a.head[f]; b != 0 && steps++ < PAGE_SIZE / HEADER; b = a.nextFreeUnchecked(b)) {
            boolean go = visitor.entry(list, b, mem.get(LONG, b));
            if (open != null && go && !freeListEntry(base, b, open)) {
                open = null; // SLOB-2 reported and stops here, as checkFreeList
            }
            if (!go || b < base || b + HEADER > base + PAGE_SIZE || (b & 15) != 0) {
                folding &= open == null;
                return b >= base && b + HEADER <= base + PAGE_SIZE;
            }
        }
        if (open != null) {
            if (b == 0) {
                endFreeList(f, base, tiledFreeAt[f], tiledCountAt[f], open);
            } else {
                folding = false;
            }
        }
        return true;
    }

    // ================================================================== SLOB-1..4

    @Override
    void checkOwn(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        for (int f = 0; f < a.kind.length; f++) {
            if (a.kind[f] != PAGE) {
                continue;
            }
            boolean recorded = f < tiledStamp.length && tiledStamp[f] == epoch;
            if (extentsChecked && recorded) { // SLOB-1 made, sound, by the extent walk
                tiledFree = tiledFreeAt[f];
                tiledCount = tiledCountAt[f];
            } else if (!checkBlocks(f, sink)) {
                continue;
            }
            if (!(freeStructuresChecked && recorded && listedStamp[f] == epoch)) {
                checkFreeList(f, sink);
            }
        }
        checkLists(sink);
        checkPages(sink);
    }

    /**
     * SLOB-1 for page {@code f}, in the one tiling of the page a check makes: it also counts the free blocks and their
     * bytes for {@link #checkFreeList}. False (after reporting) when a header does not tile the page.
     */
    @Enforces("SLOB-1")
    private boolean checkBlocks(int f, InvariantSink sink) {
        long base = (long) f << PAGE_SHIFT;
        long end = base + PAGE_SIZE;
        int liveBlocks = 0;
        long freeBytes = 0;
        int freeBlocks = 0;
        for (long h = base; h < end; ) {
            long s = mem.get(LONG, h);
            if (s <= 0 || (s & 15) != 0 || h + s > end) {
                sink.violation("SLOB-1", h, "slob: a block header of the page at " + hex(base) + " gives a size that does not tile the page",
                        "a positive multiple of 16 ending by " + hex(end), Long.toString(s));
                return false;
            }
            if (a.liveAt(h + HEADER)) {
                liveBlocks++;
                long check = mem.get(LONG, h + 8);
                if (s < 2 * HEADER || check != a.checkWord(h, s)) {
                    sink.violation("SLOB-1", h, "slob: the header of the live block " + hex(h + HEADER) + " is broken (an underrun?)",
                            "size >= 32 and check word " + hex(a.checkWord(h, s)), "size " + s + ", check word " + hex(check));
                }
            } else {
                freeBytes += s;
                freeBlocks++;
            }
            h += s;
        }
        int bits = 0;
        for (int w = f * 4; w < f * 4 + 4; w++) {
            bits += Long.bitCount(a.live[w]);
        }
        if (bits != liveBlocks) {
            sink.violation("SLOB-1", base, "slob: live bits of the page at " + hex(base) + " that start no block", liveBlocks + " live bits",
                    Integer.toString(bits));
        }
        tiledFree = freeBytes;
        tiledCount = freeBlocks;
        return true;
    }

    /** SLOB-2 for page {@code f}, whose tiling {@link #checkBlocks} just made. */
    @Enforces("SLOB-2")
    private void checkFreeList(int f, InvariantSink sink) {
        long base = (long) f << PAGE_SHIFT;
        beginFreeList();
        for (long b = a.head[f] < 0 ? 0 : base + a.head[f]; b != 0; b = a.nextFreeUnchecked(b)) {
            if (!freeListEntry(base, b, sink)) {
                return;
            }
        }
        endFreeList(f, base, tiledFree, tiledCount, sink);
    }

    private void beginFreeList() {
        listSum = 0;
        listCount = 0;
        listLast = 0;
        listLastEnd = -1;
    }

    /** SLOB-2 of the entry {@code b} of the free list of the page at {@code base}; false (after reporting) where it stops. */
    private boolean freeListEntry(long base, long b, InvariantSink sink) {
        long end = base + PAGE_SIZE;
        long last = listLast;
        if (b < base || b + HEADER > end || (b & 15) != 0 || b <= last) {
            sink.violation("SLOB-2", b, "slob: the free list of the page at " + hex(base) + " leaves the page or goes back",
                    "free blocks of the page in increasing address order", hex(b) + " after " + hex(last));
            return false;
        }
        if (a.liveAt(b + HEADER)) {
            sink.violation("SLOB-2", b, "slob: the free list of the page at " + hex(base) + " names a live block", "free blocks only",
                    "the live block " + hex(b + HEADER));
            return false;
        }
        long s = mem.get(LONG, b);
        if (b == listLastEnd) {
            sink.violation("SLOB-2", b, "slob: two adjacent free blocks of the page at " + hex(base) + " were not merged",
                    "a live block between free blocks", "free blocks at " + hex(last) + " and " + hex(b));
        }
        listSum += s;
        listCount++;
        listLast = b;
        listLastEnd = b + s;
        return true;
    }

    /** SLOB-2 after the free list of page {@code f}: it held exactly the page's free blocks, and the free count is their bytes. */
    private void endFreeList(int f, long base, long tiledFree, int tiledCount, InvariantSink sink) {
        if (listCount != tiledCount || listSum != tiledFree) {
            sink.violation("SLOB-2", base, "slob: the free list of the page at " + hex(base) + " does not hold exactly its free blocks",
                    tiledCount + " blocks, " + tiledFree + " bytes", listCount + " blocks, " + listSum + " bytes");
        }
        if (a.free[f] != tiledFree) {
            sink.violation("SLOB-2", base, "slob: the free-byte count of the page at " + hex(base) + " disagrees with its free blocks",
                    Long.toString(tiledFree), Integer.toString(a.free[f]));
        }
    }

    @Enforces("SLOB-3")
    private void checkLists(InvariantSink sink) {
        int frames = a.kind.length;
        if (seenPages.length < frames) {
            seenPages = new boolean[frames];
        } else {
            java.util.Arrays.fill(seenPages, 0, frames, false);
        }
        boolean[] seen = seenPages;
        for (int l = 0; l < LISTS; l++) {
            int f = a.listHead[l];
            int n = 0;
            if (f >= 0) {
                do {
                    if (f < 0 || f >= frames || a.kind[f] != PAGE) {
                        sink.violation("SLOB-3", 0, "slob: the " + LIST_NAMES[l] + " page list names something that is not a SLOB page",
                                "a SLOB page", "frame " + f);
                        break;
                    }
                    long base = (long) f << PAGE_SHIFT;
                    if (seen[f]) {
                        sink.violation("SLOB-3", base, "slob: a page is on the page lists twice, or a list does not come back to its head",
                                "each page with free space once", "again on the " + LIST_NAMES[l] + " list");
                        break;
                    }
                    seen[f] = true;
                    n++;
                    int nx = a.next[f];
                    if (a.list[f] != l || nx < 0 || nx >= frames || a.prev[nx] != f) {
                        sink.violation("SLOB-3", base, "slob: the " + LIST_NAMES[l] + " page list is not consistently linked at " + hex(base),
                                "list " + l + ", prev(next) = this page", "list " + a.list[f] + ", next frame " + nx);
                        break;
                    }
                    if (a.free[f] <= 0) {
                        sink.violation("SLOB-3", base, "slob: a full page is on the " + LIST_NAMES[l] + " page list", "pages with free space only",
                                a.free[f] + " free bytes");
                    }
                    f = nx;
                } while (f != a.listHead[l]);
            }
            if (n != a.listCount[l]) {
                sink.violation("SLOB-3", 0, "slob: the " + LIST_NAMES[l] + " page list's count disagrees with the list", n + " (listed)",
                        Integer.toString(a.listCount[l]));
            }
        }
        for (int f = 0; f < frames; f++) {
            if (a.kind[f] != PAGE) {
                continue;
            }
            long base = (long) f << PAGE_SHIFT;
            if (a.free[f] > 0 && !seen[f]) {
                sink.violation("SLOB-3", base, "slob: a page with free space is on no page list", "on a page list", a.free[f] + " free bytes, unlisted");
            }
            if (a.free[f] >= PAGE_SIZE) {
                sink.violation("SLOB-3", base, "slob: a wholly free page was kept instead of going back to buddy", "fewer than " + PAGE_SIZE + " free bytes",
                        Integer.toString(a.free[f]));
            }
        }
    }

    @Enforces("SLOB-4")
    @Override
    boolean freePageClean(long page, InvariantSink sink) {
        byte k = a.kindAt(page);
        if (k != NONE && k != FREED_LARGE) {
            sink.violation("SLOB-4", page, "slob: a free buddy page has a descriptor in use", "NONE or FREED_LARGE", kindName(k));
            return false;
        }
        return true;
    }

    /**
     * SLOB-1 under debug=F: the large block at {@code base} (frame {@code f}) has a head of {@code front} bytes (16 or
     * an alignment, below its size), each tail frame knows its distance to the block, and the word below the payload
     * is {@code size - front}.
     */
    private void largeHead(long base, long size, int f, InvariantSink sink) {
        long head = a.front[f];
        if (head < HEADER || (head & 15) != 0 || head >= size) {
            sink.violation("SLOB-1", base, "slob: the large block at " + hex(base) + " has no head (debug=F)", "16 or an alignment below "
                    + size, Long.toString(head));
            return;
        }
        for (int p = 1; p < (int) (size >>> PAGE_SHIFT); p++) {
            if (a.front[f + p] != p) {
                sink.violation("SLOB-1", base + ((long) p << PAGE_SHIFT), "slob: a tail page of the large block at " + hex(base)
                        + " does not know its distance to it (debug=F)", Integer.toString(p), Integer.toString(a.front[f + p]));
                return;
            }
        }
        long word = mem.get(LONG, base + head - 8);
        if (word != size - head) {
            sink.violation("SLOB-1", base + head, "slob: the size word below the large payload " + hex(base + head)
                    + " is broken (an underrun?)", Long.toString(size - head), hex(word));
        }
    }

    @Enforces({"SLOB-4", "SLOB-1"})
    @Override
    void usedBlockPages(long base, long size, InvariantSink sink) {
        int f = SlobAllocator.frame(base);
        long n = size >>> PAGE_SHIFT;
        byte k = a.kindAt(base);
        if (k == PAGE && size == PAGE_SIZE) {
            return;
        }
        if (k == LARGE) {
            if ((PAGE_SIZE << a.order[f]) != size) {
                sink.violation("SLOB-4", base, "slob: a large block's descriptor gives another order", "order of a " + size + "-byte block",
                        Integer.toString(a.order[f]));
                return;
            }
            for (long p = 1; p < n; p++) {
                if (a.kindAt(base + (p << PAGE_SHIFT)) != LARGE_TAIL) {
                    sink.violation("SLOB-4", base + (p << PAGE_SHIFT), "slob: a page of the large block at " + hex(base) + " is not marked as its tail",
                            "LARGE_TAIL", kindName(a.kindAt(base + (p << PAGE_SHIFT))));
                    return;
                }
            }
            if (a.sizeWord) {
                largeHead(base, size, f, sink);
            }
            return;
        }
        sink.violation("SLOB-4", base, "slob: an allocated buddy block is neither a SLOB page nor a large block (leaked pages)",
                "PAGE (one page) or LARGE", kindName(k) + ", " + size + " bytes");
    }

    static String kindName(byte k) {
        return switch (k) {
            case NONE -> "NONE";
            case PAGE -> "PAGE";
            case LARGE -> "LARGE";
            case LARGE_TAIL -> "LARGE_TAIL";
            case FREED_LARGE -> "FREED_LARGE";
            default -> "kind " + k;
        };
    }
}
