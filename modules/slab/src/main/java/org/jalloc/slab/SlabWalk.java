package org.jalloc.slab;

import static org.jalloc.slab.SlabLayer.EMPTY;
import static org.jalloc.slab.SlabLayer.FULL;
import static org.jalloc.slab.SlabLayer.H_BASE;
import static org.jalloc.slab.SlabLayer.H_CACHE;
import static org.jalloc.slab.SlabLayer.H_COLOR;
import static org.jalloc.slab.SlabLayer.H_FREE;
import static org.jalloc.slab.SlabLayer.H_INUSE;
import static org.jalloc.slab.SlabLayer.H_NEXT;
import static org.jalloc.slab.SlabLayer.H_PREV;
import static org.jalloc.slab.SlabLayer.LIST_NAMES;
import static org.jalloc.slab.SlabLayer.PARTIAL;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Inspection;
import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The checker's view of a {@link SlabAllocator}: the buddy blocks in address order (free blocks are FREE extents on
 * the buddy's lists); a slab's block is its color padding, its slots (FREE when not the caller's: on the free list or
 * a round in a magazine, as the state map or the bufctl array says; METADATA when it holds an off-slab descriptor; else ALLOCATED), its slack and its on-slab
 * header; a large block is one ALLOCATED extent. The free structures are the buddy's free lists, every slab's free
 * list, every thread's magazines and every depot: each FREE extent in exactly one of them.
 *
 * <p>{@link #checkInvariants} checks BUDDY-1..5 through the page allocator and SLAB-1..7 (see
 * {@code spec/invariants.md}), reporting every violation with the cache and the object. Quiescent use only: it reads
 * magazines, depots and lists without their locks.
 */
final class SlabWalk implements HeapWalk {
    static final int BUDDY = 1;
    static final int SLABS = 2;
    static final int MAGAZINE = 3;
    static final int DEPOT = 4;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final SlabAllocator a;
    private final Heap heap;
    private final MemorySegment mem;
    private final BuddyPages pages;

    // scratch, reused by every walk and check
    private final GranuleSet descriptors = new GranuleSet();
    private final LongSet listed = new LongSet();
    private final GranuleSet slabFree = new GranuleSet();
    private final GranuleSet rounds = new GranuleSet();
    private long[] seen = new long[8];
    private boolean stopped;

    SlabWalk(SlabAllocator allocator) {
        this.a = allocator;
        this.heap = Inspection.of(allocator).heap();
        this.mem = heap.memory();
        this.pages = allocator.pages();
    }

    static int listId(int kind, int cache, int sub) {
        return kind << 28 | (cache & 0xFFFF) << 12 | (sub & 0xFFF);
    }

    @Override
    public Heap heap() {
        return heap;
    }

    @Override
    public boolean coalescesImmediately() {
        return false; // free objects sit next to live ones in a slab; buddies merge only with buddies (BUDDY-3)
    }

    @Override
    public long externalMetadataBytes() {
        return a.externalBytes();
    }

    @Override
    public String describeList(int list) {
        int kind = list >>> 28;
        int cache = (list >>> 12) & 0xFFFF;
        int sub = list & 0xFFF;
        String name = a.registry.nameOf(cache);
        return switch (kind) {
            case BUDDY -> "buddy: " + pages.describeList(sub);
            case SLABS -> name + ": slab free lists";
            case MAGAZINE -> name + ": magazines of thread #" + sub;
            case DEPOT -> name + ": depot (full magazines)";
            default -> "list " + list;
        };
    }

    private long bound() {
        return ((heap.brk() - heap.start()) >>> 12) + 2;
    }

    private boolean plausible(long address) {
        return address >= heap.start() && address < heap.brk() && (address & 15) == 0;
    }

    /** Header addresses of the slabs on {@code c}'s list {@code l}, in list order, stopping at a broken link. */
    private interface SlabVisitor {
        boolean slab(long h);
    }

    private void forEachSlab(SlabCache c, int l, SlabVisitor v) {
        long n = 0;
        long bound = bound();
        for (long h = c.slabs.heads[l]; h != 0 && n++ < bound && a.validHeader(h); h = mem.get(LONG, h + H_NEXT)) {
            if (!v.slab(h)) {
                return;
            }
        }
    }

    // ================================================================== the walks

    @Override
    public void walkExtents(ExtentVisitor visitor) {
        collectDescriptors();
        long first = pages.firstAddress();
        if (first > heap.start() && !visitor.extent(ExtentKind.PADDING, heap.start(), first - heap.start(), 0, 0)) {
            return;
        }
        pages.walkBlocks((address, size, free) -> {
            if (free) {
                return visitor.extent(ExtentKind.FREE, address, size, address, size);
            }
            long e = a.pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
            if (e > 0) {
                return slabExtents(visitor, address, size, e);
            }
            if (SlabPageEntry.largeOrder(e) >= 0) {
                return visitor.extent(ExtentKind.ALLOCATED, address, size, address, size);
            }
            return visitor.extent(ExtentKind.METADATA, address, size, 0, 0); // owned by nothing: SLAB-6 reports it
        });
    }

    /** The cache whose slab header {@code h} is, for the block {@code [base, base + size)}, or null when they disagree. */
    private @Nullable SlabCache slabCache(long base, long size, long h) {
        if (!a.validHeader(h) || mem.get(LONG, h + H_BASE) != base) {
            return null;
        }
        SlabCache c = a.registry.byId(mem.get(INT, h + H_CACHE));
        if (c == null || c.g.slabBytes() != size) {
            return null;
        }
        boolean inside = h >= base && h < base + size;
        if (c.g.onSlab() ? h != base + size - SlabLayer.HEADER : inside) {
            return null;
        }
        return c;
    }

    private static boolean colorValid(CacheGeometry g, int color) {
        return color >= 0 && color % g.colorUnit() == 0 && color <= g.slack();
    }

    private boolean slabExtents(ExtentVisitor v, long base, long size, long h) {
        SlabCache c = slabCache(base, size, h);
        if (c == null) {
            return v.extent(ExtentKind.METADATA, base, size, 0, 0);
        }
        CacheGeometry g = c.g;
        int color = mem.get(INT, h + H_COLOR);
        if (!colorValid(g, color)) {
            if (!v.extent(ExtentKind.METADATA, base, g.avail(), 0, 0)) { // SLAB-3 reports the color
                return false;
            }
        } else {
            if (color > 0 && !v.extent(ExtentKind.PADDING, base, color, 0, 0)) {
                return false;
            }
            long slot = base + color;
            boolean anyDescriptor = !descriptors.isEmpty(); // most heaps have no off-slab cache: no lookup per slot
            for (int i = 0; i < g.capacity(); i++, slot += g.slot()) {
                long obj = slot + g.redLeft();
                ExtentKind kind = c.slabs.isFreeSlot(h, slot, i) ? ExtentKind.FREE
                        : anyDescriptor && descriptors.contains(obj) ? ExtentKind.METADATA : ExtentKind.ALLOCATED;
                boolean block = kind != ExtentKind.METADATA;
                if (!v.extent(kind, slot, g.slot(), block ? obj : 0, block ? g.usable() : 0)) {
                    return false;
                }
            }
            long end = base + g.avail();
            if (slot < end && !v.extent(ExtentKind.PADDING, slot, end - slot, 0, 0)) {
                return false;
            }
        }
        return !g.onSlab() || v.extent(ExtentKind.METADATA, base + g.avail(), SlabLayer.HEADER, 0, 0);
    }

    /** The off-slab descriptors (kmalloc objects that are slab headers, METADATA in the walk). */
    private void collectDescriptors() {
        descriptors.reset(heap.start(), heap.brk());
        for (SlabCache c : a.registry.table()) {
            if (c != null && !c.g.onSlab()) {
                for (int l = EMPTY; l <= FULL; l++) {
                    forEachSlab(c, l, h -> {
                        descriptors.add(h);
                        return true;
                    });
                }
            }
        }
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        stopped = false;
        pages.walkFreeLists((order, address, size) -> {
            boolean go = visitor.entry(listId(BUDDY, 0, order), address, size);
            stopped = !go;
            return go;
        });
        @Nullable SlabCache[] table = a.registry.table();
        for (int id = 0; id < table.length && !stopped; id++) {
            SlabCache c = table[id];
            if (c == null) {
                continue;
            }
            int list = listId(SLABS, c.id, 0);
            for (int l = EMPTY; l <= FULL && !stopped; l++) {
                forEachSlab(c, l, h -> {
                    stopped = !slabFreeEntries(c, h, list, visitor);
                    return !stopped;
                });
            }
        }
        for (ThreadMagazines t : a.scavenging.threadSnapshot()) {
            for (int id = 0; id < table.length && !stopped; id++) {
                SlabCache c = table[id];
                if (c != null) {
                    int list = listId(MAGAZINE, id, t.id);
                    stopped = !roundEntries(c, t.loaded(id), list, visitor) || !roundEntries(c, t.previous(id), list, visitor);
                }
            }
        }
        for (int id = 0; id < table.length && !stopped; id++) {
            SlabCache c = table[id];
            if (c == null) {
                continue;
            }
            int list = listId(DEPOT, id, 0);
            synchronized (c.depot) {
                long n = 0;
                for (Magazine m = c.depot.full; m != null && !stopped && n++ <= c.depot.fullCount; m = m.next) {
                    stopped = !roundEntries(c, m, list, visitor);
                }
            }
        }
    }

    private boolean roundEntries(SlabCache c, @Nullable Magazine m, int list, FreeEntryVisitor visitor) {
        if (m == null) {
            return true;
        }
        for (int i = 0; i < Math.min(m.count, m.rounds.length); i++) {
            if (!visitor.entry(list, m.rounds[i] - c.g.redLeft(), c.g.slot())) {
                return false;
            }
        }
        return true;
    }

    /** The free list of slab {@code h}, bounded by its capacity, stopping at an entry outside the heap. */
    private boolean slabFreeEntries(SlabCache c, long h, int list, FreeEntryVisitor visitor) {
        CacheGeometry g = c.g;
        long steps = 0;
        if (g.onSlab()) {
            for (long s = mem.get(LONG, h + H_FREE); s != 0 && steps++ <= g.capacity(); s = c.slabs.nextFreeUnchecked(s)) {
                if (!visitor.entry(list, s, g.slot()) || !plausible(s) || s + g.slot() > heap.brk()) {
                    return plausible(s);
                }
            }
            return true;
        }
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        for (long i = mem.get(LONG, h + H_FREE); i >= 0 && i < g.capacity() && steps++ <= g.capacity(); i = mem.get(INT, c.slabs.bufctl(h, i))) {
            if (!visitor.entry(list, base + color + i * g.slot(), g.slot())) {
                return false;
            }
        }
        return true;
    }

    // ================================================================== the allocator's own invariants

    @Override
    public void checkInvariants(InvariantSink sink) {
        pages.checkInvariants(sink);
        listed.clear();
        slabFree.reset(heap.start(), heap.brk());
        rounds.reset(heap.start(), heap.brk());
        long[] markedPerCache = new long[a.registry.table().length];
        for (SlabCache c : a.registry.table()) {
            if (c != null) {
                markedPerCache[c.id] = checkCache(c, sink);
            }
        }
        checkPages(sink);
        checkMagazines(sink, markedPerCache);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /**
     * One cache: its three lists (SLAB-2) and every slab on them (SLAB-1, SLAB-3, SLAB-4, SLAB-5, SLAB-6 for the
     * slab's pages). Returns the number of free slots (on a free list or a round), for SLAB-7's conservation.
     */
    @Enforces("SLAB-2")
    private long checkCache(SlabCache c, InvariantSink sink) {
        long bound = bound();
        long inuseSum = 0;
        long marked = 0;
        for (int l = EMPTY; l <= FULL; l++) {
            long prev = 0;
            long n = 0;
            for (long h = c.slabs.heads[l]; h != 0; ) {
                if (!a.validHeader(h)) {
                    sink.violation("SLAB-2", h, c.name() + ": the " + LIST_NAMES[l] + " list links to something that is not a slab header",
                            "a slab header (magic = base ^ SLAB_MAGIC)", hex(h) + (prev == 0 ? " (list head)" : " after " + hex(prev)));
                    break;
                }
                if (++n > bound) {
                    sink.violation("SLAB-2", h, c.name() + ": the " + LIST_NAMES[l] + " list does not end", "at most " + (bound - 1) + " slabs", "a cycle");
                    break;
                }
                long back = mem.get(LONG, h + H_PREV);
                if (back != prev) {
                    sink.violation("SLAB-2", h, c.name() + ": the " + LIST_NAMES[l] + " list's prev link does not name the previous slab",
                            prev == 0 ? "0 (first slab)" : hex(prev), hex(back));
                }
                int owner = mem.get(INT, h + H_CACHE);
                if (owner != c.id) {
                    sink.violation("SLAB-2", h, c.name() + ": a slab of cache " + a.registry.nameOf(owner) + " is on this cache's " + LIST_NAMES[l] + " list",
                            "cache #" + c.id, "cache #" + owner);
                }
                int inuse = mem.get(INT, h + H_INUSE);
                int should = inuse <= 0 ? EMPTY : inuse >= c.g.capacity() ? FULL : PARTIAL;
                if (should != l) {
                    sink.violation("SLAB-2", h, c.name() + ": a slab with " + inuse + " of " + c.g.capacity() + " objects in use is on the wrong list",
                            "the " + LIST_NAMES[should] + " list", "the " + LIST_NAMES[l] + " list");
                }
                if (!listed.add(h)) {
                    sink.violation("SLAB-2", h, c.name() + ": a slab is on the lists twice", "once", "again on the " + LIST_NAMES[l] + " list");
                    break;
                }
                inuseSum += inuse;
                marked += checkSlab(c, h, sink);
                prev = h;
                h = mem.get(LONG, h + H_NEXT);
            }
            if (n != c.slabs.counts[l]) {
                sink.violation("SLAB-2", c.slabs.heads[l], c.name() + ": the " + LIST_NAMES[l] + " list's count disagrees with the list",
                        n + " (the list's length)", Long.toString(c.slabs.counts[l]));
            }
        }
        if (inuseSum != c.slabs.activeObjects) {
            sink.violation("SLAB-2", 0, c.name() + ": the active-object counter disagrees with the slabs' in-use counts",
                    inuseSum + " (the sum over the slabs)", Long.toString(c.slabs.activeObjects));
        }
        return marked;
    }

    /** One slab: geometry (SLAB-3), free list (SLAB-1), debug areas (SLAB-4, SLAB-5), pages (SLAB-6). */
    private long checkSlab(SlabCache c, long h, InvariantSink sink) {
        CacheGeometry g = c.g;
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        checkPlacement(c, h, base, color, sink);
        checkSlabPages(c, h, base, sink);
        if (!colorValid(g, color)) {
            return 0;
        }
        checkFreeList(c, h, base, color, sink);
        long marked = 0;
        long slot = base + color;
        for (int i = 0; i < g.capacity(); i++, slot += g.slot()) {
            boolean free = c.slabs.isFreeSlot(h, slot, i);
            if (free) {
                marked++;
            }
            if (g.debug() != 0) {
                checkDebugAreas(c, slot, free, sink);
            }
        }
        return marked;
    }

    /** SLAB-3: the color keeps every slot inside the slab, before the on-slab header. */
    @Enforces("SLAB-3")
    private void checkPlacement(SlabCache c, long h, long base, int color, InvariantSink sink) {
        CacheGeometry g = c.g;
        if (!colorValid(g, color)) {
            long end = base + color + (long) g.capacity() * g.slot();
            sink.violation("SLAB-3", base, c.name() + ": the slab's color would put objects outside it or off their alignment (last object ends at "
                            + hex(end) + ", the object area ends at " + hex(base + g.avail()) + ")",
                    "a multiple of " + g.colorUnit() + " in [0, " + g.slack() + "]", Integer.toString(color));
        }
    }

    /** SLAB-1: the free list is a set of distinct free (state map) and marked slots of this slab, of length capacity − inuse. */
    @Enforces("SLAB-1")
    private void checkFreeList(SlabCache c, long h, long base, int color, InvariantSink sink) {
        CacheGeometry g = c.g;
        int cap = g.capacity();
        int inuse = mem.get(INT, h + H_INUSE);
        if (inuse < 0 || inuse > cap) {
            sink.violation("SLAB-1", base, c.name() + ": the slab's in-use count is out of range", "in [0, " + cap + "]", Integer.toString(inuse));
        }
        int words = (cap + 63) >>> 6;
        if (seen.length < words) {
            seen = new long[words];
        }
        Arrays.fill(seen, 0, words, 0);
        long length = 0;
        if (g.onSlab()) {
            for (long s = mem.get(LONG, h + H_FREE); s != 0; s = c.slabs.nextFreeUnchecked(s)) {
                long index = c.slabs.indexOf(base, color, s);
                if (index < 0) {
                    sink.violation("SLAB-1", s, c.name() + ": the free list of the slab at " + hex(base) + " names something that is not one of its slots",
                            "a slot start in [" + hex(base + color) + ", " + hex(base + color + (long) cap * g.slot()) + ")", hex(s));
                    break;
                }
                if (!freeListStep(c, base, s, index, sink)) {
                    break;
                }
                length++;
                if (!c.slabs.isFreeSlot(h, s, index)) {
                    sink.violation("SLAB-1", s + g.redLeft(), c.name() + ": an object on the free list of the slab at " + hex(base)
                            + " is live in the state map: it is allocated and free at once", "state FREE (" + SlabLayer.SLOT_FREE + ")",
                            "state " + a.states.get(s));
                }
                if (!c.slabs.isMarked(s)) {
                    sink.violation("SLAB-1", s + g.redLeft(), c.name() + ": an object on the free list of the slab at " + hex(base)
                            + " lacks the free marker (a write after free?)", "marker " + hex(s ^ SlabLayer.FREE_TAG),
                            hex(mem.get(LONG, s + g.markerOffset())));
                }
            }
        } else {
            for (long i = mem.get(LONG, h + H_FREE); i != SlabLayer.BUFCTL_END; ) {
                if (i < 0 || i >= cap) {
                    sink.violation("SLAB-1", base, c.name() + ": the free list of the slab at " + hex(base) + " names a slot index out of range",
                            "an index in [0, " + cap + ") or -1 (end)", Long.toString(i));
                    break;
                }
                long s = base + color + i * g.slot();
                if (!freeListStep(c, base, s, i, sink)) {
                    break;
                }
                length++;
                i = mem.get(INT, c.slabs.bufctl(h, i));
            }
        }
        if (length != cap - inuse) {
            sink.violation("SLAB-1", base, c.name() + ": the slab's free list and in-use count disagree (slots: " + cap + ")",
                    (cap - inuse) + " free slots (capacity − inuse)", length + " on the free list");
        }
    }

    private boolean freeListStep(SlabCache c, long base, long slot, long index, InvariantSink sink) {
        long bit = 1L << (index & 63);
        int w = (int) (index >>> 6);
        if ((seen[w] & bit) != 0) {
            sink.violation("SLAB-1", slot, c.name() + ": the free list of the slab at " + hex(base) + " names a slot twice", "each free slot once",
                    "slot " + index + " again (a cycle)");
            return false;
        }
        seen[w] |= bit;
        slabFree.add(slot);
        return true;
    }

    /** SLAB-4 red zones (Z) and SLAB-5 poison (P) of one slot. */
    @Enforces({"SLAB-4", "SLAB-5"})
    private void checkDebugAreas(SlabCache c, long slot, boolean free, InvariantSink sink) {
        CacheGeometry g = c.g;
        long obj = slot + g.redLeft();
        if (g.redZones()) {
            long bad = c.slabs.debug.redZoneMismatch(slot, !free);
            if (bad != Long.MIN_VALUE) {
                byte expected = free ? Debug.RED_INACTIVE : Debug.RED_ACTIVE;
                sink.violation("SLAB-4", obj + bad, c.name() + ": red zone of the " + (free ? "free" : "allocated") + " object " + hex(obj)
                        + " overwritten at object " + (bad < 0 ? "- " + -bad : "+ " + bad) + (free ? "" : " (a buffer " + (bad < 0 ? "underrun" : "overrun") + ")")
                        + c.slabs.debug.trackText(slot), Debug.hexByte(expected), Debug.hexByte(mem.get(ValueLayout.JAVA_BYTE, obj + bad)));
            }
        }
        if (g.poisoned() && free) {
            long bad = c.slabs.debug.poisonMismatch(slot);
            if (bad >= 0) {
                byte expected = bad == g.usable() - 1 ? Debug.POISON_END : Debug.POISON_FREE;
                sink.violation("SLAB-5", obj + bad, c.name() + ": poison of the free object " + hex(obj) + " overwritten at offset " + bad
                        + " (a write after free)" + c.slabs.debug.trackText(slot), Debug.hexByte(expected), Debug.hexByte(mem.get(ValueLayout.JAVA_BYTE, obj + bad)));
            }
        }
    }

    /** SLAB-6 for one listed slab: its block is allocated in buddy with the cache's order and the page map names it. */
    @Enforces("SLAB-6")
    private void checkSlabPages(SlabCache c, long h, long base, InvariantSink sink) {
        int order = c.g.order();
        if (!pages.isAllocatedBlock(base, order)) {
            int actual = pages.allocatedOrder(base);
            sink.violation("SLAB-6", base, c.name() + ": the slab's pages are not an allocated buddy block of the cache's order",
                    "an allocated order-" + order + " block at " + hex(base), actual < 0 ? "no allocated block starts there" : "order " + actual);
        }
        long e = a.pageMap.get(base >>> SlabPageEntry.PAGE_SHIFT);
        if (e != h) {
            sink.violation("SLAB-6", base, c.name() + ": the page map does not name the slab's header for its first page", hex(h), entryText(e));
        }
    }

    /** SLAB-6 from the buddy side: every block and page against the page map. */
    @Enforces({"SLAB-6", "SLAB-2"})
    private void checkPages(InvariantSink sink) {
        pages.walkBlocks((base, size, free) -> {
            long pagesInBlock = size >>> 12;
            if (free) {
                for (long p = 0; p < pagesInBlock; p++) {
                    long e = a.pageMap.get((base + (p << 12)) >>> SlabPageEntry.PAGE_SHIFT);
                    if (e != 0 && e != SlabPageEntry.FREED_LARGE) {
                        sink.violation("SLAB-6", base + (p << 12), "slab: a free buddy page is still named by the page map",
                                "0 (or a freed-large tombstone)", entryText(e));
                        break;
                    }
                }
                return true;
            }
            long e = a.pageMap.get(base >>> SlabPageEntry.PAGE_SHIFT);
            if (e > 0) {
                SlabCache c = slabCache(base, size, e);
                if (c == null) {
                    sink.violation("SLAB-6", base, "slab: the page map names a header at " + hex(e) + " that does not describe this "
                            + size + "-byte block", "a header of a cache with " + size + "-byte slabs and base " + hex(base), headerText(e));
                    return true;
                }
                if (!listed.contains(e)) {
                    sink.violation("SLAB-2", base, c.name() + ": a slab of the cache is on none of its lists", "on the list its count says",
                            "on none (" + mem.get(INT, e + H_INUSE) + " objects in use)");
                }
                for (long p = 1; p < pagesInBlock; p++) {
                    if (a.pageMap.get((base + (p << 12)) >>> SlabPageEntry.PAGE_SHIFT) != e) {
                        sink.violation("SLAB-6", base + (p << 12), c.name() + ": a page of the slab at " + hex(base) + " is not mapped to it", hex(e),
                                entryText(a.pageMap.get((base + (p << 12)) >>> SlabPageEntry.PAGE_SHIFT)));
                        break;
                    }
                }
                return true;
            }
            int k = SlabPageEntry.largeOrder(e);
            if (k >= 0) {
                if ((SlabAllocator.PAGE_SIZE << k) != size) {
                    sink.violation("SLAB-6", base, "slab: a large block's page map entry gives another order", "order of a " + size + "-byte block",
                            "order " + k);
                }
                for (long p = 1; p < pagesInBlock; p++) {
                    if (a.pageMap.get((base + (p << 12)) >>> SlabPageEntry.PAGE_SHIFT) != SlabPageEntry.LARGE_TAIL) {
                        sink.violation("SLAB-6", base + (p << 12), "slab: a page of the large block at " + hex(base) + " is not mapped to it",
                                "LARGE_TAIL", entryText(a.pageMap.get((base + (p << 12)) >>> SlabPageEntry.PAGE_SHIFT)));
                        break;
                    }
                }
                return true;
            }
            sink.violation("SLAB-6", base, "slab: an allocated buddy block is owned by no slab and no large block (leaked pages)",
                    "a slab header or a large-block entry in the page map", entryText(e));
            return true;
        });
    }

    private static String entryText(long e) {
        if (e > 0) {
            return "header " + hex(e);
        }
        if (e == 0) {
            return "0 (nothing)";
        }
        if (e == SlabPageEntry.LARGE_TAIL) {
            return "LARGE_TAIL";
        }
        if (e == SlabPageEntry.FREED_LARGE) {
            return "FREED_LARGE";
        }
        int k = SlabPageEntry.largeOrder(e);
        return k >= 0 ? "LARGE(" + k + ")" : "entry " + e;
    }

    private String headerText(long h) {
        if (!a.validHeader(h)) {
            return "no intact header (bad magic)";
        }
        return "base " + hex(mem.get(LONG, h + H_BASE)) + ", cache " + a.registry.nameOf(mem.get(INT, h + H_CACHE));
    }

    /**
     * SLAB-7: every round of every magazine and depot is a free (state map) and marked slot of its cache, on no free
     * list, in one magazine; magazine counts are bounded, previous magazines full or empty, depot magazines full or
     * empty as listed; and every free slot is on a free list or a round.
     */
    @Enforces("SLAB-7")
    private void checkMagazines(InvariantSink sink, long[] markedPerCache) {
        @Nullable SlabCache[] table = a.registry.table();
        long[] roundsPerCache = new long[table.length];
        List<ThreadMagazines> threads = a.scavenging.threadSnapshot();
        for (ThreadMagazines t : threads) {
            for (int id = 0; id < table.length; id++) {
                SlabCache c = table[id];
                Magazine l = t.loaded(id);
                Magazine p = t.previous(id);
                if (c == null) {
                    if (l != null || p != null) {
                        sink.violation("SLAB-7", 0, t + ": magazines of a destroyed cache #" + id, "none", "loaded or previous magazine");
                    }
                    continue;
                }
                roundsPerCache[id] += checkMagazine(c, l, t, "loaded magazine", sink);
                roundsPerCache[id] += checkMagazine(c, p, t, "previous magazine", sink);
                if (p != null && p.count != 0 && p.count != p.rounds.length) {
                    sink.violation("SLAB-7", 0, t + ", cache " + c.name() + ": the previous magazine is neither full nor empty", "0 or " + p.rounds.length + " rounds",
                            p.count + " rounds");
                }
            }
        }
        for (SlabCache c : table) {
            if (c == null) {
                continue;
            }
            Depot d = c.depot;
            synchronized (d) {
                long n = 0;
                for (Magazine m = d.full; m != null && n <= d.fullCount; m = m.next) {
                    n++;
                    if (m.count != m.rounds.length) {
                        sink.violation("SLAB-7", 0, c.name() + ": a magazine on the depot's full list is not full", m.rounds.length + " rounds", m.count + " rounds");
                    }
                    roundsPerCache[c.id] += checkMagazine(c, m, null, "depot", sink);
                }
                if (n != d.fullCount) {
                    sink.violation("SLAB-7", 0, c.name() + ": the depot's full-magazine count disagrees with its list", n + " (listed)", Long.toString(d.fullCount));
                }
                n = 0;
                for (Magazine m = d.empty; m != null && n <= d.emptyCount; m = m.next) {
                    n++;
                    if (m.count != 0) {
                        sink.violation("SLAB-7", 0, c.name() + ": a magazine on the depot's empty list holds rounds", "0 rounds", m.count + " rounds");
                    }
                }
                if (n != d.emptyCount) {
                    sink.violation("SLAB-7", 0, c.name() + ": the depot's empty-magazine count disagrees with its list", n + " (listed)", Long.toString(d.emptyCount));
                }
            }
        }
        for (SlabCache c : table) {
            if (c == null) {
                continue;
            }
            long listedFree = 0;
            for (int l = EMPTY; l <= FULL; l++) {
                long[] count = {0};
                forEachSlab(c, l, h -> {
                    count[0] += c.g.capacity() - mem.get(INT, h + H_INUSE);
                    return true;
                });
                listedFree += count[0];
            }
            long expected = listedFree + roundsPerCache[c.id];
            if (markedPerCache[c.id] != expected) {
                sink.violation("SLAB-7", 0, c.name() + ": free slots do not add up to the free lists plus the magazines' rounds",
                        expected + " (" + listedFree + " on free lists + " + roundsPerCache[c.id] + " rounds)", markedPerCache[c.id] + " free");
            }
        }
    }

    /** Where a magazine is, for a message: built only when there is a violation to report (checks allocate nothing). */
    private static String where(SlabCache c, @Nullable ThreadMagazines t, String part) {
        return t == null ? c.name() + ", " + part : t + ", cache " + c.name() + ", " + part;
    }

    /** Checks the rounds of one magazine, {@code part} of thread {@code t} (or of the depot when null); returns how many it holds. */
    private long checkMagazine(SlabCache c, @Nullable Magazine m, @Nullable ThreadMagazines t, String part, InvariantSink sink) {
        if (m == null) {
            return 0;
        }
        if (m.count < 0 || m.rounds.length > c.magazineSize || m.count > m.rounds.length) {
            sink.violation("SLAB-7", 0, where(c, t, part) + ": round count or capacity out of bounds", "count in [0, " + m.rounds.length + "], capacity at most "
                    + c.magazineSize, m.count + " rounds of " + m.rounds.length);
            return 0;
        }
        for (int i = 0; i < m.count; i++) {
            long r = m.rounds[i];
            long slot = r - c.g.redLeft();
            long e = plausible(r) ? a.pageMap.get(r >>> SlabPageEntry.PAGE_SHIFT) : 0;
            if (e <= 0 || !a.validHeader(e) || mem.get(INT, e + H_CACHE) != c.id) {
                sink.violation("SLAB-7", r, where(c, t, part) + ": a round is not an object of the cache", "an object of " + c.name(),
                        e > 0 && a.validHeader(e) ? "an object of " + a.registry.nameOf(mem.get(INT, e + H_CACHE)) : "no slab object");
                continue;
            }
            long index = c.slabs.indexOf(mem.get(LONG, e + H_BASE), mem.get(INT, e + H_COLOR), slot);
            if (index < 0) {
                sink.violation("SLAB-7", r, where(c, t, part) + ": a round is not an object start", "an object start", hex(r));
                continue;
            }
            boolean cachedState = c.g.onSlab() ? c.slabs.isFreeSlot(e, slot, index) : c.slabs.isCachedSlot(e, index);
            if (!cachedState) {
                sink.violation("SLAB-7", r, where(c, t, part) + ": a round is not marked as cached (the object is also the caller's?)",
                        c.g.onSlab() ? "state FREE (" + SlabLayer.SLOT_FREE + ")" : "bufctl CACHED (-3)",
                        c.g.onSlab() ? "state " + a.states.get(slot) : "bufctl " + mem.get(INT, c.slabs.bufctl(e, index)));
            }
            if (!c.slabs.isMarked(slot)) {
                sink.violation("SLAB-7", r, where(c, t, part) + ": a round lacks its free marker (a write after free?)", "free marker "
                        + hex(slot ^ SlabLayer.FREE_TAG), hex(mem.get(LONG, slot + c.g.markerOffset())));
            }
            if (slabFree.contains(slot)) {
                sink.violation("SLAB-7", r, where(c, t, part) + ": a round is also on its slab's free list", "in one place", "a round and on the free list");
            }
            if (!rounds.add(r)) {
                sink.violation("SLAB-7", r, where(c, t, part) + ": a round is in two magazines", "in one magazine", "again here");
            }
        }
        return m.count;
    }
}
