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

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;

/**
 * The checker's view of a {@link SlabAllocator}: the buddy blocks in address order (free blocks are FREE extents on
 * the buddy's lists); a slab's block is its color padding, its slots (FREE when not the caller's: on the free list or
 * a round in a magazine, as the state map or the bufctl array says; METADATA when it holds an off-slab descriptor; else ALLOCATED), its slack and its on-slab
 * header; a large block is one ALLOCATED extent. Under {@code debug=F} alone an ALLOCATED kmalloc block's payload is the
 * caller's, past its head (its front word). The free structures are the buddy's free lists, every slab's free
 * list, every thread's magazines and every depot: each FREE extent in exactly one of them.
 *
 * <p>{@link #checkInvariants} checks BUDDY-1..5 through the page allocator and SLAB-1..8 (SLAB-8 under {@code debug=F} alone; see
 * {@code spec/invariants.md}), reporting every violation with the cache and the object. Quiescent use only: it reads
 * magazines, depots and lists without their locks.
 *
 * <p>The checker's one pass ({@link org.jalloc.core.walk.HeapWalk}): the checked extent walk counts each slab's free
 * slots as it classifies them (SLAB-7's conservation takes the count instead of reading the state map again); the
 * checked free-structure walk makes SLAB-1 on each slab's free list and SLAB-7's per-round checks on each magazine as
 * it reads them, so a link or a round is read once per check. Where a list is irregular (a slab listed twice, a walk
 * stopped early) the pass says so and {@link #checkOwn} makes those checks whole, as without it.
 */
final class SlabWalk extends CarvedPagesWalk {
    static final int SLABS = 2;
    static final int MAGAZINE = 3;
    static final int DEPOT = 4;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final SlabAllocator a;

    // scratch, reused by every walk and check
    private final GranuleSet descriptors = new GranuleSet();
    private final LongSet listed = new LongSet();
    private final GranuleSet slabFree = new GranuleSet();
    private final GranuleSet rounds = new GranuleSet();
    private long[] seen = new long[8];
    /** SLAB-1's count of the free list being checked. */
    private long listLength;
    /** What the checked extent walk counted: each slab's free slots, keyed by its header. */
    private final FreeCounts recorded;
    // What the checked free-structure walk found: the slabs it read (each once, or the pass is incomplete), whether it
    // made all its checks, and the rounds per cache it checked.
    private final GranuleSet walkedSlabs = new GranuleSet();
    private boolean folding;
    private long[] roundsPerCache = new long[0];
    private long[] markedPerCache = new long[0];
    // checkRound's reading of the page the last round lay in (rounds of a magazine mostly share slabs): its page
    // number and cache, its header when that is an intact header of the cache (else 0), the slab's base and color.
    private long roundPage = -1;
    private int roundCache = -1;
    private long roundHeader;
    private long roundBase;
    private int roundColor;

    SlabWalk(SlabAllocator allocator) {
        super(Inspection.of(allocator).heap(), allocator.pages());
        this.a = allocator;
        this.recorded = new FreeCounts(heap);
    }

    static int listId(int kind, int cache, int sub) {
        return kind << 28 | (cache & 0xFFFF) << 12 | (sub & 0xFFF);
    }

    @Override
    public long externalMetadataBytes() {
        return a.externalBytes();
    }

    @Override
    String describeOwnList(int list) {
        int kind = list >>> 28;
        int cache = (list >>> 12) & 0xFFFF;
        int sub = list & 0xFFF;
        String name = a.registry.nameOf(cache);
        return switch (kind) {
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
    void beginExtents(boolean checked) {
        collectDescriptors();
        recorded.begin(checked);
    }

    @Override
    boolean extentChecksFolded() {
        return true;
    }

    @Override
    boolean usedExtents(ExtentVisitor visitor, long address, long size) {
        long e = a.pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
        if (e > 0) {
            return slabExtents(visitor, address, size, e);
        }
        if (SlabPageEntry.largeOrder(e) >= 0) {
            long front = a.heads().front(address, size);
            return visitor.extent(ExtentKind.ALLOCATED, address, size, address + front, size - front);
        }
        return visitor.extent(ExtentKind.METADATA, address, size, 0, 0); // owned by nothing: SLAB-6 reports it
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
            int free = 0;
            for (int i = 0; i < g.capacity(); i++, slot += g.slot()) {
                long obj = slot + g.redLeft();
                ExtentKind kind;
                if (c.slabs.isFreeSlot(h, slot, i)) {
                    kind = ExtentKind.FREE;
                    free++;
                } else {
                    kind = anyDescriptor && descriptors.contains(obj) ? ExtentKind.METADATA : ExtentKind.ALLOCATED;
                }
                boolean block = kind != ExtentKind.METADATA;
                long front = kind == ExtentKind.ALLOCATED && c.kmalloc ? a.heads().front(obj, g.usable()) : 0; // debug=F alone: the payload past the head
                if (!v.extent(kind, slot, g.slot(), block ? obj + front : 0, block ? g.usable() - front : 0)) {
                    return false;
                }
            }
            recorded.record(base, h, free); // SLAB-7's count of this slab's free slots, for checkSlab
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

    /**
     * Each slab's free list, every thread's magazines, every depot's full magazines. With a sink (the checker's pass):
     * SLAB-1 of each slab's free list and SLAB-7's per-round checks on the way; true when it made them all.
     */
    @Enforces({"SLAB-1", "SLAB-7"})
    @Override
    boolean ownFreeEntries(FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        @Nullable SlabCache[] table = a.registry.table();
        folding = sink != null;
        roundPage = -1;
        if (sink != null) {
            slabFree.reset(heap.start(), heap.brk());
            rounds.reset(heap.start(), heap.brk());
            walkedSlabs.reset(heap.start(), heap.brk());
            if (roundsPerCache.length != table.length) {
                roundsPerCache = new long[table.length];
            } else {
                Arrays.fill(roundsPerCache, 0);
            }
        }
        for (int id = 0; id < table.length && !stopped; id++) {
            SlabCache c = table[id];
            if (c == null) {
                continue;
            }
            int list = listId(SLABS, c.id, 0);
            for (int l = EMPTY; l <= FULL && !stopped; l++) {
                forEachSlab(c, l, h -> {
                    if (folding && !walkedSlabs.add(h)) {
                        folding = false; // a slab on the lists twice: checkCache stops there, checks are its
                    }
                    stopped = !slabFreeEntries(c, h, list, visitor, folding ? sink : null);
                    return !stopped;
                });
            }
        }
        for (ThreadMagazines t : a.scavenging.threadSnapshot()) {
            for (int id = 0; id < table.length && !stopped; id++) {
                SlabCache c = table[id];
                if (c != null) {
                    int list = listId(MAGAZINE, id, t.id);
                    stopped = !roundEntries(c, t.loaded(id), t, "loaded magazine", list, visitor, sink)
                            || !roundEntries(c, t.previous(id), t, "previous magazine", list, visitor, sink);
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
                    stopped = !roundEntries(c, m, null, "depot", list, visitor, sink);
                }
            }
        }
        return folding && !stopped;
    }

    /**
     * The rounds of magazine {@code m} ({@code part} of thread {@code t}, or of the depot when null). With a sink while
     * the pass is complete: SLAB-7 of the magazine and each round, as {@link #checkMagazine}.
     */
    private boolean roundEntries(SlabCache c, @Nullable Magazine m, @Nullable ThreadMagazines t, String part, int list,
            FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        if (m == null) {
            return true;
        }
        @Nullable InvariantSink check = sink != null && folding && magazineBounds(c, m, t, part, sink) ? sink : null;
        if (check != null) {
            roundsPerCache[c.id] += m.count;
        }
        for (int i = 0; i < Math.min(m.count, m.rounds.length); i++) {
            long r = m.rounds[i];
            if (!visitor.entry(list, r - c.g.redLeft(), c.g.slot())) {
                folding = false;
                return false;
            }
            if (check != null) {
                checkRound(c, t, part, r, check);
            }
        }
        return true;
    }

    /**
     * The free list of slab {@code h}, bounded by its capacity, stopping at an entry outside the heap. With a sink:
     * SLAB-1 of the list on the way, as {@link #checkFreeList} (a slab whose color SLAB-3 rejects has none).
     */
    private boolean slabFreeEntries(SlabCache c, long h, int list, FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        CacheGeometry g = c.g;
        long steps = 0;
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        // SLAB-1's sink while it still reads this list; null in the plain walk and once SLAB-1 has stopped
        @Nullable InvariantSink open = sink != null && colorValid(g, color) ? sink : null;
        if (open != null) {
            beginFreeList(c, h, base, open);
        }
        if (g.onSlab()) {
            long s;
            for (s = mem.get(LONG, h + H_FREE); s != 0 && steps++ <= g.capacity(); s = c.slabs.nextFreeUnchecked(s)) {
                boolean go = visitor.entry(list, s, g.slot());
                if (open != null && go && !onSlabEntry(c, h, base, color, s, open)) {
                    endFreeList(c, h, base, open);
                    open = null;
                }
                if (!go || !plausible(s) || s + g.slot() > heap.brk()) {
                    folding &= open == null; // SLAB-1 would read on: checkOwn makes it
                    return plausible(s);
                }
            }
            if (open != null) {
                if (s == 0) {
                    endFreeList(c, h, base, open);
                } else {
                    folding = false;
                }
            }
            return true;
        }
        long i;
        for (i = mem.get(LONG, h + H_FREE); i >= 0 && i < g.capacity() && steps++ <= g.capacity(); i = mem.get(INT, c.slabs.bufctl(h, i))) {
            if (!visitor.entry(list, base + color + i * g.slot(), g.slot())) {
                folding &= open == null;
                return false;
            }
            if (open != null && !offSlabEntry(c, base, color, i, open)) {
                endFreeList(c, h, base, open);
                open = null;
            }
        }
        if (open != null) {
            if (i == SlabLayer.BUFCTL_END || i < 0 || i >= g.capacity()) {
                if (i != SlabLayer.BUFCTL_END) {
                    offSlabEntry(c, base, color, i, open); // reports the index out of range
                }
                endFreeList(c, h, base, open);
            } else {
                folding = false;
            }
        }
        return true;
    }

    // ================================================================== the allocator's own invariants

    @Override
    void checkOwn(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        listed.clear();
        if (!freeStructuresChecked) {
            slabFree.reset(heap.start(), heap.brk());
            rounds.reset(heap.start(), heap.brk());
        }
        @Nullable SlabCache[] table = a.registry.table();
        if (markedPerCache.length != table.length) {
            markedPerCache = new long[table.length];
        } else {
            Arrays.fill(markedPerCache, 0);
        }
        for (SlabCache c : table) {
            if (c != null) {
                markedPerCache[c.id] = checkCache(c, sink, extentsChecked, freeStructuresChecked);
            }
        }
        if (a.checksFrees() && !extentsChecked) {
            collectDescriptors(); // SLAB-8 skips them: a descriptor is a kmalloc object with no head
        }
        checkPages(sink);
        checkMagazines(sink, markedPerCache, freeStructuresChecked);
    }

    /**
     * One cache: its three lists (SLAB-2) and every slab on them (SLAB-1, SLAB-3, SLAB-4, SLAB-5, SLAB-6 for the
     * slab's pages). Returns the number of free slots (on a free list or a round), for SLAB-7's conservation.
     */
    @Enforces("SLAB-2")
    private long checkCache(SlabCache c, InvariantSink sink, boolean extentsChecked, boolean freeListsChecked) {
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
                marked += checkSlab(c, h, sink, extentsChecked, freeListsChecked);
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

    /**
     * One slab: geometry (SLAB-3), free list (SLAB-1, unless the checker's pass made it), debug areas (SLAB-4,
     * SLAB-5), pages (SLAB-6). Returns its free slots, as the checked extent walk counted them when it did.
     */
    private long checkSlab(SlabCache c, long h, InvariantSink sink, boolean extentsChecked, boolean freeListChecked) {
        CacheGeometry g = c.g;
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        checkPlacement(c, h, base, color, sink);
        checkSlabPages(c, h, base, sink);
        if (!colorValid(g, color)) {
            return 0;
        }
        if (!freeListChecked) {
            checkFreeList(c, h, base, color, sink);
        }
        if (extentsChecked && g.debug() == 0 && mem.get(INT, h + H_CACHE) == c.id) {
            long counted = recorded.recorded(base, h);
            if (counted >= 0) {
                return counted;
            }
        }
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
        beginFreeList(c, h, base, sink);
        if (c.g.onSlab()) {
            for (long s = mem.get(LONG, h + H_FREE); s != 0 && onSlabEntry(c, h, base, color, s, sink); s = c.slabs.nextFreeUnchecked(s)) {
                // each entry checked by onSlabEntry
            }
        } else {
            for (long i = mem.get(LONG, h + H_FREE); i != SlabLayer.BUFCTL_END && offSlabEntry(c, base, color, i, sink); i = mem.get(INT, c.slabs.bufctl(h, i))) {
                // each entry checked by offSlabEntry
            }
        }
        endFreeList(c, h, base, sink);
    }

    /** SLAB-1 before a slab's free list: its in-use count in range; the list's count and seen slots cleared. */
    private void beginFreeList(SlabCache c, long h, long base, InvariantSink sink) {
        int cap = c.g.capacity();
        int inuse = mem.get(INT, h + H_INUSE);
        if (inuse < 0 || inuse > cap) {
            sink.violation("SLAB-1", base, c.name() + ": the slab's in-use count is out of range", "in [0, " + cap + "]", Integer.toString(inuse));
        }
        int words = (cap + 63) >>> 6;
        if (seen.length < words) {
            seen = new long[words];
        }
        Arrays.fill(seen, 0, words, 0);
        listLength = 0;
    }

    /** SLAB-1 after a slab's free list: its length is what the in-use count leaves. */
    private void endFreeList(SlabCache c, long h, long base, InvariantSink sink) {
        int cap = c.g.capacity();
        int inuse = mem.get(INT, h + H_INUSE);
        if (listLength != cap - inuse) {
            sink.violation("SLAB-1", base, c.name() + ": the slab's free list and in-use count disagree (slots: " + cap + ")",
                    (cap - inuse) + " free slots (capacity − inuse)", listLength + " on the free list");
        }
    }

    /** SLAB-1 of the on-slab free-list entry {@code s}; false (after reporting) where the list can be read no further. */
    private boolean onSlabEntry(SlabCache c, long h, long base, int color, long s, InvariantSink sink) {
        CacheGeometry g = c.g;
        long index = c.slabs.indexOf(base, color, s);
        if (index < 0) {
            sink.violation("SLAB-1", s, c.name() + ": the free list of the slab at " + hex(base) + " names something that is not one of its slots",
                    "a slot start in [" + hex(base + color) + ", " + hex(base + color + (long) g.capacity() * g.slot()) + ")", hex(s));
            return false;
        }
        if (!freeListStep(c, base, s, index, sink)) {
            return false;
        }
        listLength++;
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
        return true;
    }

    /** SLAB-1 of the off-slab free-list entry {@code i} (a slot index); false (after reporting) where the list stops. */
    private boolean offSlabEntry(SlabCache c, long base, int color, long i, InvariantSink sink) {
        int cap = c.g.capacity();
        if (i < 0 || i >= cap) {
            sink.violation("SLAB-1", base, c.name() + ": the free list of the slab at " + hex(base) + " names a slot index out of range",
                    "an index in [0, " + cap + ") or -1 (end)", Long.toString(i));
            return false;
        }
        if (!freeListStep(c, base, base + color + i * c.g.slot(), i, sink)) {
            return false;
        }
        listLength++;
        return true;
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

    /** SLAB-6 from the buddy side: no page of a free buddy block is named by the page map. */
    @Enforces("SLAB-6")
    @Override
    boolean freePageClean(long page, InvariantSink sink) {
        long e = a.pageMap.get(page >>> SlabPageEntry.PAGE_SHIFT);
        if (e != 0 && e != SlabPageEntry.FREED_LARGE) {
            sink.violation("SLAB-6", page, "slab: a free buddy page is still named by the page map", "0 (or a freed-large tombstone)", entryText(e));
            return false;
        }
        return true;
    }

    /** SLAB-6 from the buddy side: an allocated block is a listed slab (SLAB-2) or a large block, every page mapped to it. */
    @Enforces({"SLAB-6", "SLAB-2"})
    @Override
    void usedBlockPages(long base, long size, InvariantSink sink) {
        long pagesInBlock = size >>> PAGE_SHIFT;
        long e = a.pageMap.get(base >>> SlabPageEntry.PAGE_SHIFT);
        if (e > 0) {
            SlabCache c = slabCache(base, size, e);
            if (c == null) {
                sink.violation("SLAB-6", base, "slab: the page map names a header at " + hex(e) + " that does not describe this "
                        + size + "-byte block", "a header of a cache with " + size + "-byte slabs and base " + hex(base), headerText(e));
                return;
            }
            if (!listed.contains(e)) {
                sink.violation("SLAB-2", base, c.name() + ": a slab of the cache is on none of its lists", "on the list its count says",
                        "on none (" + mem.get(INT, e + H_INUSE) + " objects in use)");
            }
            if (a.checksFrees() && c.kmalloc) {
                checkHeads(c, e, sink);
            }
            for (long p = 1; p < pagesInBlock; p++) {
                if (a.pageMap.get((base + (p << PAGE_SHIFT)) >>> SlabPageEntry.PAGE_SHIFT) != e) {
                    sink.violation("SLAB-6", base + (p << PAGE_SHIFT), c.name() + ": a page of the slab at " + hex(base) + " is not mapped to it", hex(e),
                            entryText(a.pageMap.get((base + (p << PAGE_SHIFT)) >>> SlabPageEntry.PAGE_SHIFT)));
                    break;
                }
            }
            return;
        }
        int k = SlabPageEntry.largeOrder(e);
        if (k >= 0) {
            if (a.checksFrees()) {
                checkHead(base, size, "large block", sink);
            }
            if ((SlabAllocator.PAGE_SIZE << k) != size) {
                sink.violation("SLAB-6", base, "slab: a large block's page map entry gives another order", "order of a " + size + "-byte block",
                        "order " + k);
            }
            for (long p = 1; p < pagesInBlock; p++) {
                if (a.pageMap.get((base + (p << PAGE_SHIFT)) >>> SlabPageEntry.PAGE_SHIFT) != SlabPageEntry.LARGE_TAIL) {
                    sink.violation("SLAB-6", base + (p << PAGE_SHIFT), "slab: a page of the large block at " + hex(base) + " is not mapped to it",
                            "LARGE_TAIL", entryText(a.pageMap.get((base + (p << PAGE_SHIFT)) >>> SlabPageEntry.PAGE_SHIFT)));
                    break;
                }
            }
            return;
        }
        sink.violation("SLAB-6", base, "slab: an allocated buddy block is owned by no slab and no large block (leaked pages)",
                "a slab header or a large-block entry in the page map", entryText(e));
    }

    /** SLAB-8 under {@code debug=F} alone: the head of every live object of the kmalloc cache {@code c} in the slab at header {@code h}. */
    @Enforces("SLAB-8")
    private void checkHeads(SlabCache c, long h, InvariantSink sink) {
        CacheGeometry g = c.g;
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        if (!colorValid(g, color)) {
            return; // SLAB-3 reports the color; no slot can be placed
        }
        long slot = base + color;
        for (int i = 0; i < g.capacity(); i++, slot += g.slot()) {
            long obj = slot + g.redLeft();
            if (!c.slabs.isFreeSlot(h, slot, i) && !descriptors.contains(obj)) {
                checkHead(obj, g.usable(), c.name(), sink);
            }
        }
    }

    @Enforces("SLAB-8")
    private void checkHead(long b, long bytes, String what, InvariantSink sink) {
        String[] fault = a.heads().fault(b, bytes);
        if (fault != null) {
            sink.violation("SLAB-8", b, what + ": the head of the live block at " + hex(b) + " is damaged (" + fault[2] + ", debug=F)",
                    fault[0], fault[1]);
        }
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
    private void checkMagazines(InvariantSink sink, long[] markedPerCache, boolean roundsChecked) {
        @Nullable SlabCache[] table = a.registry.table();
        // the rounds the checker's pass checked, or none yet: every magazine is checked here
        long[] roundsPerCache = roundsChecked && this.roundsPerCache.length == table.length ? this.roundsPerCache : new long[table.length];
        boolean checkRounds = roundsPerCache != this.roundsPerCache;
        roundPage = -1;
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
                if (checkRounds) {
                    roundsPerCache[id] += checkMagazine(c, l, t, "loaded magazine", sink);
                    roundsPerCache[id] += checkMagazine(c, p, t, "previous magazine", sink);
                }
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
                    if (checkRounds) {
                        roundsPerCache[c.id] += checkMagazine(c, m, null, "depot", sink);
                    }
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
        if (m == null || !magazineBounds(c, m, t, part, sink)) {
            return 0;
        }
        for (int i = 0; i < m.count; i++) {
            checkRound(c, t, part, m.rounds[i], sink);
        }
        return m.count;
    }

    /** SLAB-7 of a magazine's round count and capacity; false (after reporting) when its rounds cannot be read. */
    private boolean magazineBounds(SlabCache c, Magazine m, @Nullable ThreadMagazines t, String part, InvariantSink sink) {
        if (m.count < 0 || m.rounds.length > c.magazineSize || m.count > m.rounds.length) {
            sink.violation("SLAB-7", 0, where(c, t, part) + ": round count or capacity out of bounds", "count in [0, " + m.rounds.length + "], capacity at most "
                    + c.magazineSize, m.count + " rounds of " + m.rounds.length);
            return false;
        }
        return true;
    }

    /** SLAB-7 of the round {@code r}: a free, marked object of the cache, on no free list, in one magazine. */
    private void checkRound(SlabCache c, @Nullable ThreadMagazines t, String part, long r, InvariantSink sink) {
        long slot = r - c.g.redLeft();
        long page = r >>> SlabPageEntry.PAGE_SHIFT;
        long e;
        if (page == roundPage && c.id == roundCache && roundHeader != 0 && plausible(r)) {
            e = roundHeader; // the heap is quiescent during a check: the page map and header read as for the last round
        } else {
            e = plausible(r) ? a.pageMap.get(page) : 0;
            if (e <= 0 || !a.validHeader(e) || mem.get(INT, e + H_CACHE) != c.id) {
                sink.violation("SLAB-7", r, where(c, t, part) + ": a round is not an object of the cache", "an object of " + c.name(),
                        e > 0 && a.validHeader(e) ? "an object of " + a.registry.nameOf(mem.get(INT, e + H_CACHE)) : "no slab object");
                roundPage = -1;
                return;
            }
            roundPage = page;
            roundCache = c.id;
            roundHeader = e;
            roundBase = mem.get(LONG, e + H_BASE);
            roundColor = mem.get(INT, e + H_COLOR);
        }
        long index = c.slabs.indexOf(roundBase, roundColor, slot);
        if (index < 0) {
            sink.violation("SLAB-7", r, where(c, t, part) + ": a round is not an object start", "an object start", hex(r));
            return;
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
}
