package org.jalloc.slab;

import static org.jalloc.slab.SlobAllocator.FREED_LARGE;
import static org.jalloc.slab.SlobAllocator.HEADER;
import static org.jalloc.slab.SlobAllocator.LARGE;
import static org.jalloc.slab.SlobAllocator.LARGE_TAIL;
import static org.jalloc.slab.SlobAllocator.LISTS;
import static org.jalloc.slab.SlobAllocator.LIST_NAMES;
import static org.jalloc.slab.SlobAllocator.LIVE_TAG;
import static org.jalloc.slab.SlobAllocator.NONE;
import static org.jalloc.slab.SlobAllocator.PAGE;
import static org.jalloc.slab.SlobAllocator.PAGE_SHIFT;
import static org.jalloc.slab.SlobAllocator.PAGE_SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The checker's view of a {@link SlobAllocator}: the buddy blocks in address order (free ones are FREE extents on
 * buddy's lists); a SLOB page is its blocks, tiled by their headers (ALLOCATED when the live bit of the payload is set,
 * else FREE); a large block is one ALLOCATED extent. The free structures are buddy's lists and, for each page on the
 * three page lists, its free list: each FREE extent once. {@link #checkInvariants} checks BUDDY-1..5 and SLOB-1..4.
 * Quiescent use only (no lock taken).
 */
final class SlobWalk implements HeapWalk {
    static final int BUDDY = 1;
    static final int PAGES = 2;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private final SlobAllocator a;
    private final Heap heap;
    private final MemorySegment mem;
    private final BuddyPages pages;
    private boolean stopped;
    /** Scratch for SLOB-3: the pages the page lists name, reused by every check. */
    private boolean[] seenPages = new boolean[0];
    /** The free bytes and blocks of the page {@link #checkBlocks} tiled last, for {@link #checkFreeList}. */
    private long tiledFree;
    private int tiledCount;

    SlobWalk(SlobAllocator a, Heap heap) {
        this.a = a;
        this.heap = heap;
        this.mem = heap.memory();
        this.pages = a.pages;
    }

    @Override
    public Heap heap() {
        return heap;
    }

    @Override
    public boolean coalescesImmediately() {
        return false; // free blocks of a page merge, but a free block may end a page whose neighbour is free in buddy
    }

    @Override
    public long externalMetadataBytes() {
        return a.externalBytes();
    }

    @Override
    public String describeList(int list) {
        int kind = list >>> 28;
        int sub = list & 0xFFF;
        return switch (kind) {
            case BUDDY -> "buddy: " + pages.describeList(sub);
            case PAGES -> "slob: free lists of the " + (sub < LISTS ? LIST_NAMES[sub] : "?") + " page list";
            default -> "list " + list;
        };
    }

    // ================================================================== walks

    @Override
    public void walkExtents(ExtentVisitor visitor) {
        long first = a.firstAddress();
        if (first > heap.start() && !visitor.extent(ExtentKind.PADDING, heap.start(), first - heap.start(), 0, 0)) {
            return;
        }
        pages.walkBlocks((address, size, free) -> {
            if (free) {
                return visitor.extent(ExtentKind.FREE, address, size, address, size);
            }
            byte k = a.kindAt(address);
            if (k == PAGE && size == PAGE_SIZE) {
                return pageExtents(visitor, address);
            }
            if (k == LARGE) {
                return visitor.extent(ExtentKind.ALLOCATED, address, size, address, size);
            }
            return visitor.extent(ExtentKind.METADATA, address, size, 0, 0); // owned by nothing: SLOB-4 reports it
        });
    }

    private boolean pageExtents(ExtentVisitor v, long base) {
        long end = base + PAGE_SIZE;
        for (long h = base; h < end; ) {
            long s = mem.get(LONG, h);
            if (s <= 0 || (s & 15) != 0 || h + s > end) {
                return v.extent(ExtentKind.METADATA, h, end - h, 0, 0); // SLOB-1 reports the header
            }
            boolean live = a.liveAt(h + HEADER);
            if (!(live ? v.extent(ExtentKind.ALLOCATED, h, s, h + HEADER, s - HEADER) : v.extent(ExtentKind.FREE, h, s, h, s))) {
                return false;
            }
            h += s;
        }
        return true;
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        stopped = false;
        pages.walkFreeLists((order, address, size) -> {
            boolean go = visitor.entry(BUDDY << 28 | order, address, size);
            stopped = !go;
            return go;
        });
        int bound = a.kind.length;
        for (int l = 0; l < LISTS && !stopped; l++) {
            int f = a.listHead[l];
            for (int i = 0; f >= 0 && f < a.kind.length && i < Math.min(bound, a.listCount[l]) && !stopped; i++, f = a.next[f]) {
                stopped = !pageFreeEntries(f, PAGES << 28 | l, visitor);
            }
        }
    }

    private boolean pageFreeEntries(int f, int list, FreeEntryVisitor visitor) {
        long base = (long) f << PAGE_SHIFT;
        long steps = 0;
        for (long b = a.head[f] < 0 ? 0 : base + a.head[f]; b != 0 && steps++ < PAGE_SIZE / HEADER; b = a.nextFreeUnchecked(b)) {
            if (!visitor.entry(list, b, mem.get(LONG, b)) || b < base || b + HEADER > base + PAGE_SIZE || (b & 15) != 0) {
                return b >= base && b + HEADER <= base + PAGE_SIZE;
            }
        }
        return true;
    }

    // ================================================================== SLOB-1..4

    @Override
    public void checkInvariants(InvariantSink sink) {
        pages.checkInvariants(sink);
        for (int f = 0; f < a.kind.length; f++) {
            if (a.kind[f] == PAGE && checkBlocks(f, sink)) {
                checkFreeList(f, sink);
            }
        }
        checkLists(sink);
        checkPages(sink);
    }

    private static String hex(long x) {
        return "0x" + Long.toHexString(x);
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
                if (s < 2 * HEADER || check != (h ^ s ^ LIVE_TAG)) {
                    sink.violation("SLOB-1", h, "slob: the header of the live block " + hex(h + HEADER) + " is broken (an underrun?)",
                            "size >= 32 and check word " + hex(h ^ s ^ LIVE_TAG), "size " + s + ", check word " + hex(check));
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
        long end = base + PAGE_SIZE;
        long tiledFree = this.tiledFree;
        int tiledCount = this.tiledCount;
        long sum = 0;
        int n = 0;
        long last = 0;
        long lastEnd = -1;
        for (long b = a.head[f] < 0 ? 0 : base + a.head[f]; b != 0; b = a.nextFreeUnchecked(b)) {
            if (b < base || b + HEADER > end || (b & 15) != 0 || b <= last) {
                sink.violation("SLOB-2", b, "slob: the free list of the page at " + hex(base) + " leaves the page or goes back",
                        "free blocks of the page in increasing address order", hex(b) + " after " + hex(last));
                return;
            }
            if (a.liveAt(b + HEADER)) {
                sink.violation("SLOB-2", b, "slob: the free list of the page at " + hex(base) + " names a live block", "free blocks only",
                        "the live block " + hex(b + HEADER));
                return;
            }
            long s = mem.get(LONG, b);
            if (b == lastEnd) {
                sink.violation("SLOB-2", b, "slob: two adjacent free blocks of the page at " + hex(base) + " were not merged",
                        "a live block between free blocks", "free blocks at " + hex(last) + " and " + hex(b));
            }
            sum += s;
            n++;
            last = b;
            lastEnd = b + s;
        }
        if (n != tiledCount || sum != tiledFree) {
            sink.violation("SLOB-2", base, "slob: the free list of the page at " + hex(base) + " does not hold exactly its free blocks",
                    tiledCount + " blocks, " + tiledFree + " bytes", n + " blocks, " + sum + " bytes");
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
    private void checkPages(InvariantSink sink) {
        pages.walkBlocks((base, size, free) -> {
            int f = SlobAllocator.frame(base);
            long n = size >>> PAGE_SHIFT;
            if (free) {
                for (long p = 0; p < n; p++) {
                    byte k = a.kindAt(base + (p << PAGE_SHIFT));
                    if (k != NONE && k != FREED_LARGE) {
                        sink.violation("SLOB-4", base + (p << PAGE_SHIFT), "slob: a free buddy page has a descriptor in use", "NONE or FREED_LARGE",
                                kindName(k));
                        return true;
                    }
                }
                return true;
            }
            byte k = a.kindAt(base);
            if (k == PAGE && size == PAGE_SIZE) {
                return true;
            }
            if (k == LARGE) {
                if ((PAGE_SIZE << a.order[f]) != size) {
                    sink.violation("SLOB-4", base, "slob: a large block's descriptor gives another order", "order of a " + size + "-byte block",
                            Integer.toString(a.order[f]));
                    return true;
                }
                for (long p = 1; p < n; p++) {
                    if (a.kindAt(base + (p << PAGE_SHIFT)) != LARGE_TAIL) {
                        sink.violation("SLOB-4", base + (p << PAGE_SHIFT), "slob: a page of the large block at " + hex(base) + " is not marked as its tail",
                                "LARGE_TAIL", kindName(a.kindAt(base + (p << PAGE_SHIFT))));
                        return true;
                    }
                }
                return true;
            }
            sink.violation("SLOB-4", base, "slob: an allocated buddy block is neither a SLOB page nor a large block (leaked pages)",
                    "PAGE (one page) or LARGE", kindName(k) + ", " + size + " bytes");
            return true;
        });
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
