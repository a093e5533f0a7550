package org.jalloc.slab;

import static org.jalloc.slab.SlubAllocator.DETACHED;
import static org.jalloc.slab.SlubAllocator.FREE;
import static org.jalloc.slab.SlubAllocator.slot;

import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;
import org.jalloc.slab.SlubAllocator.Arena;
import org.jalloc.slab.SlubAllocator.Cache;
import org.jalloc.slab.SlubAllocator.Chunk;
import org.jalloc.slab.SlubAllocator.CpuSlabs;

/**
 * The checker's view of a {@link SlubAllocator}: the buddy blocks in address order (free ones FREE, on buddy's
 * lists); a slab is its objects (FREE when the state map says so, else ALLOCATED) and its slack (PADDING); a large
 * block one ALLOCATED extent. The free structures are buddy's lists, every slab's own free list, every remote list
 * and every thread's cpu free lists: each FREE extent in exactly one. Under {@code debug=F} a live block's payload is
 * past its head. {@link #checkInvariants} checks BUDDY-1..5 and
 * SLUB-1..3, and SLUB-4 under {@code debug=F}. Quiescent use only.
 */
final class SlubWalk extends CarvedPagesWalk {
    static final int SLAB_FREE = 2;
    static final int REMOTE = 3;
    static final int CPU = 4;

    private final SlubAllocator a;
    /** SLUB-1's objects found on their slab's lists this check (a slab's lists hold only its own objects). */
    private final GranuleSet seen = new GranuleSet();
    /** SLUB-1's count of the objects the slab being checked has on its lists. */
    private int seenCount;
    // What the checked free-structure walk collected for SLUB-1, by page index from the heap's start: a slab's base,
    // its own free list's length and all its listed objects (free, remote and owner's cpu lists); whether it made all.
    private int collectedPages;
    private long[] collectedBase = new long[0];
    private int[] collectedOwn = new int[0];
    private int[] collectedSeen = new int[0];
    private boolean folding;
    private final LongSet listed = new LongSet();
    /** What the checked extent walk counted: each slab's free objects, keyed by its base. */
    private final FreeCounts recorded;

    SlubWalk(SlubAllocator a, Heap heap) {
        super(heap, a.pages);
        this.a = a;
        this.recorded = new FreeCounts(heap);
    }

    @Override
    public long externalMetadataBytes() {
        return a.externalBytes();
    }

    @Override
    String describeOwnList(int list) {
        int kind = list >>> 28;
        int cache = (list >>> 12) & 0xFFFF;
        String name = cache < a.caches.length ? a.caches[cache].name : "cache #" + cache;
        return switch (kind) {
            case SLAB_FREE -> name + ": slab free lists";
            case REMOTE -> name + ": remote lists";
            case CPU -> name + ": cpu free list of thread #" + (list & 0xFFF);
            default -> "list " + list;
        };
    }

    /** The slab's cache when {@code [base, base + size)} is a slab the page map and its descriptor agree on, else null. */
    private @Nullable Cache slabAt(long base, long size) {
        if (a.pageMap.get(base >>> SlabPageEntry.PAGE_SHIFT) != base) {
            return null;
        }
        Cache c = a.cacheOf(base);
        return c != null && c.slabBytes == size ? c : null;
    }

    // ================================================================== walks

    @Override
    void beginExtents(boolean checked) {
        recorded.begin(checked);
    }

    @Override
    boolean extentChecksFolded() {
        return true;
    }

    @Override
    boolean usedExtents(ExtentVisitor visitor, long address, long size) {
        Cache c = slabAt(address, size);
        if (c != null) {
            int free = 0;
            for (int k = 0; k < c.objects; k++) {
                long o = address + k * c.size;
                boolean isFree = a.states.get(o) == FREE;
                if (isFree) {
                    free++;
                }
                long front = isFree ? 0 : a.heads().front(o, c.size); // debug=F: the caller's payload past the head
                if (!visitor.extent(isFree ? ExtentKind.FREE : ExtentKind.ALLOCATED, o, c.size, o + front, c.size - front)) {
                    return false;
                }
            }
            recorded.record(address, address, free); // SLUB-1's count of the slab's free objects, for checkObjects
            long used = (long) c.objects * c.size;
            return used == size || visitor.extent(ExtentKind.PADDING, address + used, size - used, 0, 0);
        }
        if (SlabPageEntry.largeOrder(a.pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT)) >= 0) {
            long front = a.heads().front(address, size);
            return visitor.extent(ExtentKind.ALLOCATED, address, size, address + front, size - front);
        }
        return visitor.extent(ExtentKind.METADATA, address, size, 0, 0); // SLUB-2 reports it
    }

    /**
     * Every slab's free and remote lists, then every thread's cpu free lists. With a sink (the checker's pass): SLUB-1's
     * collection of each slab's lists ({@link #collect}) on the way, recorded per slab for {@link #checkObjects}; true
     * when it made them all.
     */
    @Enforces("SLUB-1")
    @Override
    boolean ownFreeEntries(FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        folding = sink != null;
        List<CpuSlabs> threads = a.registry.snapshot();
        if (sink != null) {
            seen.reset(heap.start(), heap.brk());
            int n = (int) (((heap.brk() - heap.start()) >>> PAGE_SHIFT) + 1);
            if (collectedBase.length < n) {
                collectedBase = new long[Math.max(n, collectedBase.length * 2)];
                collectedOwn = new int[collectedBase.length];
                collectedSeen = new int[collectedBase.length];
            } else {
                java.util.Arrays.fill(collectedBase, 0, n, 0L);
            }
            collectedPages = n;
        }
        pages.walkBlocks((address, size, free) -> {
            Cache c = free ? null : slabAt(address, size);
            if (c == null) {
                return true;
            }
            Chunk ch = a.chunk(address);
            int i = slot(address);
            @Nullable InvariantSink collecting = folding ? sink : null;
            seenCount = 0;
            stopped = !chain(c, ch.freelist[i], SLAB_FREE << 28 | c.index << 12, visitor, address, "free list", collecting);
            int own = seenCount;
            long r = ch.remote[i];
            if (!stopped && r != DETACHED) {
                stopped = !chain(c, r, REMOTE << 28 | c.index << 12, visitor, address, "remote list", collecting);
            }
            if (collecting != null) {
                int p = (int) ((address - heap.start()) >>> PAGE_SHIFT);
                collectedBase[p] = address;
                collectedOwn[p] = own;
                collectedSeen[p] = seenCount;
            }
            return !stopped;
        });
        for (CpuSlabs t : threads) {
            for (Cache c : a.caches) {
                if (!stopped) {
                    int p = ownersCpuList(threads, t, c);
                    seenCount = p >= 0 ? collectedSeen[p] : 0;
                    stopped = !chain(c, t.freelist[c.index], CPU << 28 | c.index << 12 | (t.id & 0xFFF), visitor, t.active[c.index],
                            "owner's cpu free list", p >= 0 && folding ? sink : null);
                    if (p >= 0) {
                        collectedSeen[p] = seenCount;
                    }
                }
            }
        }
        return folding && !stopped;
    }

    /**
     * The page index of the slab whose owner's cpu free list {@code t}'s list of cache {@code c} is, as
     * {@link #checkObjects} finds it (the slab's owner is {@code t}, {@code t}'s active slab of the cache is the slab),
     * when this check's walk collected the slab's own lists; else -1. Only in the checker's pass.
     */
    private int ownersCpuList(List<CpuSlabs> threads, CpuSlabs t, Cache c) {
        long s = t.active[c.index];
        long p = (s - heap.start()) >>> PAGE_SHIFT;
        if (!folding || s < heap.start() || p >= collectedPages || collectedBase[(int) p] != s || a.cacheOf(s) != c) {
            return -1;
        }
        Chunk ch = a.chunkOf(s);
        return ch != null && ch.owner[slot(s)] == t.id && ownerOf(threads, t.id) == t ? (int) p : -1;
    }

    /**
     * The free-pointer chain from {@code head}, bounded by a slab's objects, stopping at an address outside the heap.
     * With a sink: SLUB-1's collection of the chain as the {@code where} of the slab at {@code s} on the way.
     */
    private boolean chain(Cache c, long head, int list, FreeEntryVisitor visitor, long s, String where, @Nullable InvariantSink sink) {
        @Nullable InvariantSink open = sink; // SLUB-1's sink while collect would still read the chain
        long n = 0;
        long x;
        for (x = head; x != 0 && n++ <= c.objects; x = a.nextFree(c, x)) {
            if (!visitor.entry(list, x, c.size)) {
                folding &= open == null;
                return false;
            }
            if (open != null && !collectStep(c, s, x, where, open)) {
                open = null;
            }
            if (x < heap.start() || x + c.size > heap.brk() || (x & 15) != 0) {
                folding &= open == null;
                return true;
            }
        }
        folding &= open == null || x == 0;
        return true;
    }

    // ================================================================== SLUB-1..3

    @Override
    void checkOwn(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        List<CpuSlabs> threads = a.registry.snapshot();
        listed.clear();
        if (!freeStructuresChecked) {
            seen.reset(heap.start(), heap.brk());
        }
        checkPartialLists(sink);
        pages.walkBlocks((address, size, free) -> {
            Cache c = free ? null : slabAt(address, size);
            if (c != null) {
                checkObjects(c, address, threads, sink, extentsChecked, freeStructuresChecked);
                checkOwnership(c, address, threads, sink);
            }
            return true;
        });
        checkThreads(threads, sink);
        checkPages(sink);
        if (a.checksFrees()) {
            checkHeads(sink);
        }
    }

    /** SLUB-4 under {@code debug=F}: the head of every live object and large block. */
    @Enforces("SLUB-4")
    private void checkHeads(InvariantSink sink) {
        pages.walkBlocks((address, size, free) -> {
            if (free) {
                return true;
            }
            Cache c = slabAt(address, size);
            if (c != null) {
                for (int k = 0; k < c.objects; k++) {
                    long o = address + k * c.size;
                    if (a.states.get(o) != FREE) {
                        checkHead(o, c.size, c.name, sink);
                    }
                }
            } else if (SlabPageEntry.largeOrder(a.pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT)) >= 0) {
                checkHead(address, size, "large block", sink);
            }
            return true;
        });
    }

    private void checkHead(long b, long bytes, String what, InvariantSink sink) {
        String[] fault = a.heads().fault(b, bytes);
        if (fault != null) {
            sink.violation("SLUB-4", b, what + ": the head of the live block at " + hex(b) + " is damaged (" + fault[2] + ", debug=F)",
                    fault[0], fault[1]);
        }
    }

    private @Nullable CpuSlabs ownerOf(List<CpuSlabs> threads, int id) {
        for (CpuSlabs t : threads) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** Adds the chain's objects to {@link #seen}, counting them in {@link #seenCount}; stops (after reporting) where it leaves the slab or repeats. */
    private void collect(Cache c, long s, long head, String where, InvariantSink sink) {
        for (long x = head; x != 0 && collectStep(c, s, x, where, sink); x = a.nextFree(c, x)) {
            // each object collected by collectStep
        }
    }

    /** SLUB-1 of the object {@code x} on the {@code where} of the slab at {@code s}; false (after reporting) where collect stops. */
    private boolean collectStep(Cache c, long s, long x, String where, InvariantSink sink) {
        long end = s + (long) c.objects * c.size;
        if (x < s || x >= end || (x - s) % c.size != 0) {
            sink.violation("SLUB-1", x, c.name + ": the " + where + " of the slab at " + hex(s) + " names something that is not one of its objects",
                    "an object of the slab or 0 (free pointer decoded)", hex(x));
            return false;
        }
        if (!seen.add(x)) {
            sink.violation("SLUB-1", x, c.name + ": an object of the slab at " + hex(s) + " is on its free lists twice (" + where + ")",
                    "each free object in one place, once", "again");
            return false;
        }
        seenCount++;
        if (a.states.get(x) != FREE) {
            sink.violation("SLUB-1", x, c.name + ": an object on the " + where + " of the slab at " + hex(s) + " is live in the state map",
                    "FREE", "LIVE");
        }
        return true;
    }

    /** SLUB-1 for the slab at {@code s}; its free objects as the checked extent walk counted them when {@code freeCounted}. */
    @Enforces("SLUB-1")
    private void checkObjects(Cache c, long s, List<CpuSlabs> threads, InvariantSink sink, boolean freeCounted, boolean listsCollected) {
        Chunk ch = a.chunk(s);
        int i = slot(s);
        int owner = ch.owner[i];
        long p = (s - heap.start()) >>> PAGE_SHIFT;
        int own;
        if (listsCollected && s >= heap.start() && p < collectedPages && collectedBase[(int) p] == s) {
            own = collectedOwn[(int) p];
            seenCount = collectedSeen[(int) p];
        } else {
            seenCount = 0;
            collect(c, s, ch.freelist[i], "free list", sink);
            own = seenCount;
            long r = ch.remote[i];
            if (r != DETACHED) {
                collect(c, s, r, "remote list", sink);
            }
            CpuSlabs t = owner >= 0 ? ownerOf(threads, owner) : null;
            if (t != null && t.active[c.index] == s) {
                collect(c, s, t.freelist[c.index], "owner's cpu free list", sink);
            }
        }
        int free = freeCounted ? recorded.recorded(s, s) : -1;
        if (free < 0) {
            free = 0;
            for (int k = 0; k < c.objects; k++) {
                if (a.states.get(s + k * c.size) == FREE) {
                    free++;
                }
            }
        }
        if (free != seenCount) {
            sink.violation("SLUB-1", s, c.name + ": free objects of the slab at " + hex(s) + " are on none of its lists (lost), or live ones listed",
                    free + " free objects listed", seenCount + " listed");
        }
        int inuse = ch.inuse[i];
        if (owner < 0 && inuse != c.objects - own) {
            sink.violation("SLUB-1", s, c.name + ": the in-use count of the detached slab at " + hex(s) + " disagrees with its free list",
                    Integer.toString(c.objects - own), Integer.toString(inuse));
        }
        if (owner >= 0 && (inuse != c.objects || own != 0)) {
            sink.violation("SLUB-1", s, c.name + ": the active slab at " + hex(s) + " keeps its own free list or count",
                    "inuse = " + c.objects + ", no slab free list", "inuse = " + inuse + ", " + own + " on the slab free list");
        }
    }

    @Enforces("SLUB-3")
    private void checkOwnership(Cache c, long s, List<CpuSlabs> threads, InvariantSink sink) {
        Chunk ch = a.chunk(s);
        int i = slot(s);
        int owner = ch.owner[i];
        long r = ch.remote[i];
        if (owner >= 0) {
            CpuSlabs t = ownerOf(threads, owner);
            if (t == null || t.active[c.index] != s) {
                sink.violation("SLUB-3", s, c.name + ": the slab at " + hex(s) + " names an owner whose active slab it is not",
                        "the active slab of thread #" + owner, t == null ? "no such thread" : "its active slab is " + hex(t.active[c.index]));
            }
            if (r == DETACHED) {
                sink.violation("SLUB-3", s, c.name + ": the active slab at " + hex(s) + " is marked detached", "remote word 0 or an object", "DETACHED");
            }
            return;
        }
        if (r != DETACHED) {
            sink.violation("SLUB-3", s, c.name + ": the detached slab at " + hex(s) + " accepts remote frees", "remote word DETACHED", hex(r));
        }
        boolean hasFree = ch.inuse[i] < c.objects;
        if (hasFree != listed.contains(s)) {
            sink.violation("SLUB-3", s, c.name + ": the detached slab at " + hex(s) + " with " + ch.inuse[i] + " of " + c.objects
                    + " objects in use is " + (hasFree ? "on no" : "on a") + " partial list", hasFree ? "on its arena's partial list" : "on no list",
                    hasFree ? "unlisted" : "listed");
        }
    }

    @Enforces("SLUB-3")
    private void checkThreads(List<CpuSlabs> threads, InvariantSink sink) {
        for (CpuSlabs t : threads) {
            for (Cache c : a.caches) {
                long s = t.active[c.index];
                if (s == 0) {
                    if (t.freelist[c.index] != 0) {
                        sink.violation("SLUB-3", t.freelist[c.index], c.name + ": thread #" + t.id + " has a cpu free list but no active slab",
                                "no cpu free list", hex(t.freelist[c.index]));
                    }
                    continue;
                }
                Chunk ch = a.chunkOf(s);
                if (ch == null || a.cacheOf(s) != c || ch.owner[slot(s)] != t.id) {
                    sink.violation("SLUB-3", s, c.name + ": thread #" + t.id + "'s active slab is not a slab of the cache owned by it",
                            "a slab of " + c.name + " owned by #" + t.id, ch == null ? "no descriptor" : "owner #" + ch.owner[slot(s)]);
                }
            }
        }
    }

    @Enforces("SLUB-3")
    private void checkPartialLists(InvariantSink sink) {
        for (int ai = 0; ai < a.arenas.length; ai++) {
            Arena ar = a.arenas[ai];
            for (Cache c : a.caches) {
                long h = ar.head[c.index];
                int n = 0;
                int empties = 0;
                long bound = ((heap.brk() - heap.start()) >>> PAGE_SHIFT) + 1;
                for (long s = h; s != 0 && n <= bound; ) {
                    Chunk ch = a.chunkOf(s);
                    if (ch == null || a.cacheOf(s) != c || a.pageMap.get(s >>> SlabPageEntry.PAGE_SHIFT) != s) {
                        sink.violation("SLUB-3", s, c.name + ": arena " + ai + "'s partial list names something that is not a slab of the cache",
                                "a slab of " + c.name, hex(s));
                        return;
                    }
                    int i = slot(s);
                    if (!listed.add(s)) {
                        sink.violation("SLUB-3", s, c.name + ": a slab is on the partial lists twice", "once", "again in arena " + ai);
                        return;
                    }
                    n++;
                    if (ch.arena[i] != ai || ch.owner[i] >= 0 || ch.inuse[i] >= c.objects) {
                        sink.violation("SLUB-3", s, c.name + ": arena " + ai + "'s partial list holds a slab that is not a detached slab of it with free objects",
                                "arena " + ai + ", no owner, inuse < " + c.objects, "arena " + ch.arena[i] + ", owner " + ch.owner[i] + ", inuse " + ch.inuse[i]);
                    }
                    if (ch.inuse[i] == 0) {
                        empties++;
                    }
                    long nx = ch.next[i];
                    Chunk nc = a.chunkOf(nx);
                    if (nc == null || nc.prev[slot(nx)] != s) {
                        sink.violation("SLUB-3", s, c.name + ": arena " + ai + "'s partial list is not consistently linked", "prev(next) = this slab",
                                "next " + hex(nx));
                        return;
                    }
                    s = nx == h ? 0 : nx;
                }
                if (n != ar.count[c.index] || empties != ar.empties[c.index] || empties > a.emptyLimit) {
                    sink.violation("SLUB-3", h, c.name + ": arena " + ai + "'s partial-list counters disagree with the list (or keep too many empty slabs)",
                            n + " slabs, " + empties + " empty (at most " + a.emptyLimit + ")", ar.count[c.index] + " slabs, " + ar.empties[c.index] + " empty");
                }
            }
        }
    }

    @Enforces("SLUB-2")
    @Override
    boolean freePageClean(long page, InvariantSink sink) {
        long e = a.pageMap.get(page >>> SlabPageEntry.PAGE_SHIFT);
        if (e != 0 && e != SlabPageEntry.FREED_LARGE) {
            sink.violation("SLUB-2", page, "slub: a free buddy page is still named by the page map", "0 or FREED_LARGE", Long.toString(e));
            return false;
        }
        return true;
    }

    @Enforces("SLUB-2")
    @Override
    void usedBlockPages(long base, long size, InvariantSink sink) {
        long n = size >>> PAGE_SHIFT;
        long e = a.pageMap.get(base >>> SlabPageEntry.PAGE_SHIFT);
        if (e > 0) {
            Cache c = slabAt(base, size);
            if (c == null) {
                sink.violation("SLUB-2", base, "slub: the page map and the descriptor of the slab at " + hex(base)
                        + " disagree with the buddy block (base, cache or order)", "a slab of its cache's order starting here", "entry " + hex(e));
                return;
            }
            for (long p = 1; p < n; p++) {
                if (a.pageMap.get((base + (p << PAGE_SHIFT)) >>> SlabPageEntry.PAGE_SHIFT) != base) {
                    sink.violation("SLUB-2", base + (p << PAGE_SHIFT), c.name + ": a page of the slab at " + hex(base) + " is not mapped to it",
                            hex(base), Long.toString(a.pageMap.get((base + (p << PAGE_SHIFT)) >>> SlabPageEntry.PAGE_SHIFT)));
                    return;
                }
            }
            return;
        }
        int k = SlabPageEntry.largeOrder(e);
        if (k >= 0) {
            if ((SlubAllocator.PAGE_SIZE << k) != size) {
                sink.violation("SLUB-2", base, "slub: a large block's page map entry gives another order", "order of a " + size + "-byte block",
                        Integer.toString(k));
            }
            return;
        }
        sink.violation("SLUB-2", base, "slub: an allocated buddy block is owned by no slab and no large block (leaked pages)",
                "a slab or a large block", "entry " + e);
    }
}
