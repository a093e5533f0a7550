package org.jalloc.slab;

import static org.jalloc.slab.SlabLayer.EMPTY;
import static org.jalloc.slab.SlabLayer.FULL;
import static org.jalloc.slab.SlabLayer.PARTIAL;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;

/**
 * An object cache (Bonwick 1994): objects of one size and alignment, kept in their constructed state between uses,
 * cut from slabs of buddy pages, with per-thread magazines and a depot in front (Bonwick &amp; Adams 2001). Created
 * by {@link SlabAllocator#newCache}. This class is the cache's face and its magazine layer; the slab layer behind it
 * (slab header, free slots, state map, SLAB-1..3) is {@link SlabLayer}, the debug areas (SLAB-4, SLAB-5) are
 * {@link Debug}'s; the page map and the thread registry it shares with the other caches are described in
 * {@link SlabAllocator}'s header.
 *
 * <h2>Lock order</h2>
 * A thread's magazine lock ({@link ThreadMagazines}: its loaded and previous magazines, taken by the owner on every
 * magazine operation, uncontended), then the cache's depot monitor (its full and empty magazines), then the cache's
 * slab lock ({@link SlabLayer#slabLock}); never two of one kind. See {@link SlabAllocator} for the locks of the whole
 * allocator.
 *
 * <h2>Nouns</h2>
 * <b>object</b>: what {@link #alloc()} returns, {@link #usableSize()} bytes, aligned to {@link #align()}.
 * <b>slot</b>: an object with its debug areas and out-of-object links ({@link CacheGeometry}). <b>slab</b>: a buddy
 * block of {@link #pagesPerSlab()} pages cut into {@link #objectsPerSlab()} slots ({@link SlabLayer}). <b>round</b>: a
 * free object in a magazine. <b>magazine</b>: a stack of rounds ({@link Magazine}); each thread holds a loaded and a
 * previous one per cache. <b>depot</b>: the cache's full and empty magazines ({@link Depot}).
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>SLAB-7: every round is a slot of this cache, free in the state map and carrying the free marker (bufctl
 *       CACHED off-slab), in exactly one magazine and
 *       on no free list; magazines hold at most {@link #magazineSize()} rounds, a thread's previous magazine is
 *       full or empty, the depot's full magazines are full and its empty ones empty.</li>
 * </ul>
 * (SLAB-1..3 are stated in {@link SlabLayer}, SLAB-4 and SLAB-5 in {@link Debug}.)
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>alloc: pop the thread's loaded magazine; if empty and the previous one is full, swap them and pop; else
 *       take a full magazine from the depot (returning the empty previous one) and pop; else allocate from the slab
 *       layer: the first partial slab, else the first empty one, else a new slab (buddy pages, a color, every
 *       object constructed once), popping its free list.</li>
 *   <li>free: screen the address in O(1) (page map, header, slot arithmetic, state map), set the marker and the
 *       state; push on the
 *       loaded magazine; if full and the previous one is empty, swap and push; else give the full previous one to
 *       the depot and load an empty one from the depot (or a new one). Without a magazine (virtual threads, debug
 *       caches, magazines off): push on the slab's free list and move the slab to the list its count says; an
 *       empty slab beyond {@link #emptySlabLimit()} is destroyed (destructor on every object, pages back to buddy).</li>
 *   <li>shrink: flush every thread's magazines of this cache and the depot to the slabs, then destroy every empty
 *       slab. The scavenger returns the depot's unused working set and the magazines of dead threads.</li>
 * </ol>
 *
 * <h2>Misuse detected in O(1), nothing changed</h2>
 * An address that is not 16-aligned, outside the heap, on a page of no slab ({@link InvalidPointerException}), in a
 * slab of another cache ({@link WrongCacheException}), not at an object start (interior, color padding, slack,
 * header: {@link InvalidPointerException}), an object that is free or in a magazine ({@link DoubleFreeException}).
 * Exact: the state map (or the bufctl array) decides, never the object's bytes, so a live object holding its slot's
 * free marker is freed like any other ({@link SlabLayer#check}).
 *
 * <p>Thread safety: concurrent. A thread's magazines are touched by their owner under its own (uncontended) lock,
 * the depot under the depot's, the slab lists under the cache's slab lock.
 */
public final class SlabCache {
    final SlabAllocator owner;

    final int id;

    private final String name;

    final CacheGeometry g;

    /** Rounds of new magazines: starts at the cache's size and steps up Bonwick's sizes under depot contention. */
    volatile int magazineSize;

    /** The magazine size the cache started with; it never shrinks below it. */
    final int startMagazineSize;

    /** Whether depot contention grows the magazine size. */
    final boolean resizing;

    /** Contended depot entries between two steps up. */
    final int resizeAfter;

    final int emptyLimit;

    final boolean kmalloc;

    final Depot depot = new Depot();

    /** Magazines in existence (threads' and depot's). */
    final AtomicLong magazines = new AtomicLong();

    private volatile boolean destroyed;
    private final MemorySegment mem;
    /** The slab layer behind the magazines: slabs, free lists, state map, misuse screen. */
    final SlabLayer slabs;

    SlabCache(SlabAllocator owner, int id, String name, CacheGeometry g, @Nullable Consumer<MemorySegment> constructor,
              @Nullable Consumer<MemorySegment> destructor, int magazineSize, int emptyLimit, boolean kmalloc, int resizeAfter) {
        this.owner = owner;
        this.id = id;
        this.name = name;
        this.g = g;
        this.magazineSize = g.debug() != 0 ? 0 : magazineSize;
        this.startMagazineSize = this.magazineSize;
        this.resizing = owner.magazineResizing() && resizeAfter > 0;
        this.resizeAfter = resizeAfter;
        this.emptyLimit = emptyLimit;
        this.kmalloc = kmalloc;
        this.mem = Inspection.of(owner).heap().memory();
        this.slabs = new SlabLayer(owner, id, name, g, constructor, destructor, emptyLimit);
    }

    /**
     * Describes a cache to create with {@link SlabAllocator#newCache(String, long)}: alignment, constructor, destructor,
     * debug flags, magazine size, empty-slab limit. Every setting has a default.
     */
    public static final class Builder {
        private final SlabAllocator owner;
        private final String name;
        private final long objectSize;
        private long align = CacheGeometry.MIN_ALIGN;
        private @Nullable Consumer<MemorySegment> constructor;
        private @Nullable Consumer<MemorySegment> destructor;
        private int debug;
        private int magazineSize = -1;
        private int emptyLimit = SlabAllocator.DEFAULT_EMPTY_SLABS;
        private int resizeAfter = RESIZE_CONTENTION;

        Builder(SlabAllocator owner, String name, long objectSize) {
            this.owner = owner;
            this.name = name;
            this.objectSize = objectSize;
        }

        /** Object alignment, a power of two (default and minimum 16). */
        public Builder align(long alignment) {
            this.align = alignment;
            return this;
        }

        /**
         * Runs once on every object when its slab is created (Bonwick's constructor), with a view of the object's
         * {@link SlabCache#usableSize()} bytes. Objects must be freed in their constructed state.
         */
        public Builder constructor(Consumer<MemorySegment> c) {
            this.constructor = c;
            return this;
        }

        /** Runs once on every object when its slab is destroyed (all of them free, in their constructed state). */
        public Builder destructor(Consumer<MemorySegment> d) {
            this.destructor = d;
            return this;
        }

        /** SLUB-style debug flags, a subset of {@code "FZPU"} (see {@link SlabAllocator}); default none. */
        public Builder debug(String flags) {
            this.debug = Debug.parse(flags);
            return this;
        }

        /** Rounds per magazine (0: no magazines, every call takes the slab lock); default by object size. */
        public Builder magazineSize(int rounds) {
            if (rounds < 0 || rounds > 4096) {
                throw new IllegalArgumentException("magazine size must be in [0, 4096], got " + rounds);
            }
            this.magazineSize = rounds;
            return this;
        }

        /**
         * Contended depot entries after which the magazine size steps up (default {@value SlabCache#RESIZE_CONTENTION};
         * 0 never grows it). Resizing also needs the allocator's {@code resize} option on.
         */
        public Builder magazineResizeAfter(int contendedEntries) {
            if (contendedEntries < 0) {
                throw new IllegalArgumentException("contended entries must not be negative, got " + contendedEntries);
            }
            this.resizeAfter = contendedEntries;
            return this;
        }

        /** Empty slabs kept for reuse before further ones go back to buddy (default 2). */
        public Builder emptySlabLimit(int slabs) {
            if (slabs < 0) {
                throw new IllegalArgumentException("empty slab limit must not be negative, got " + slabs);
            }
            this.emptyLimit = slabs;
            return this;
        }

        /** Creates the cache. */
        public SlabCache build() {
            return owner.createCache(name, objectSize, align, constructor, destructor, debug, magazineSize, emptyLimit, false, resizeAfter);
        }
    }

    /**
     * Bonwick &amp; Adams' initial magazine sizes (Solaris {@code kmem_magtype}) by slot size: 15 rounds up to 64
     * bytes, 7 up to 256, 3 up to 3200, 1 beyond.
     */
    static int defaultMagazineSize(long slot) {
        return slot <= 64 ? 15 : slot <= 256 ? 7 : slot <= 3200 ? 3 : 1;
    }

    /** Solaris' {@code kmem_magtype} sizes and each one's {@code mt_maxbuf}: a cache grows past a size while its slot is smaller. */
    static final int[] MAGAZINE_SIZES = {1, 3, 7, 15, 31, 47, 63, 95, 143};

    static final long[] MAGAZINE_MAXBUF = {65536, 32768, 16384, 8192, 4096, 2048, 1024, 512, 0};

    /** Contended depot entries between two steps up (Solaris: 3 per 15-second reap; here counted, not timed). */
    static final int RESIZE_CONTENTION = 16;

    /** The magazine size after {@code size} for slots of {@code slot} bytes, or {@code size} when it is the largest. */
    static int nextMagazineSize(int size, long slot) {
        for (int i = 0; i < MAGAZINE_SIZES.length - 1; i++) {
            if (MAGAZINE_SIZES[i] >= size) {
                return slot < MAGAZINE_MAXBUF[i] ? MAGAZINE_SIZES[i + 1] : size;
            }
        }
        return size;
    }

    /**
     * Enters the depot: true when another thread was in it or waiting for it (Bonwick &amp; Adams 2001, 3.6: the
     * depot's contention drives the magazine size). Pair with {@link #leaveDepot()}.
     */
    private boolean enterDepot() {
        return depot.inside.getAndIncrement() > 0;
    }

    private void leaveDepot() {
        depot.inside.decrementAndGet();
    }

    /** Counts a contended depot entry (depot lock held); every {@link #RESIZE_CONTENTION}th steps the magazine size up. */
    private void contended() {
        depot.contentions++;
        if (resizing && ++depot.sinceResize >= resizeAfter) {
            depot.sinceResize = 0;
            int next = nextMagazineSize(magazineSize, g.slot());
            if (next != magazineSize) {
                magazineSize = next;
                depot.resizes++;
            }
        }
    }

    /** A magazine of an older, smaller size coming back to the depot empty is dropped (depot lock held). */
    private boolean outdated(Magazine m) {
        return m.rounds.length < magazineSize;
    }

    // ================================================================== configuration

    /** The cache's name (as in slabinfo). */
    public String name() {
        return name;
    }

    /** The object size asked for at creation. */
    public long objectSize() {
        return g.objectSize();
    }

    /** Bytes the caller may use in an object: the object size, at least 16. */
    public long usableSize() {
        return g.usable();
    }

    /** Object alignment (at least 16). */
    public long align() {
        return g.align();
    }

    /** Bytes per slot (object plus debug areas and out-of-object links): slabinfo's {@code objsize}. */
    public long slotSize() {
        return g.slot();
    }

    public int objectsPerSlab() {
        return g.capacity();
    }

    public long pagesPerSlab() {
        return g.pages();
    }

    /** Whether the slab header lives in the slab (small objects) or in a descriptor outside it (large objects). */
    public boolean onSlab() {
        return g.onSlab();
    }

    /** Distinct color offsets its slabs cycle through. */
    public int colors() {
        return g.colors();
    }

    /** Bytes between color offsets (a cache line, or the alignment when larger). */
    public long colorUnit() {
        return g.colorUnit();
    }

    /** Metadata bytes per slab: the on-slab header, or the off-slab descriptor object. */
    public long metadataBytesPerSlab() {
        return g.metadataPerSlab();
    }

    /** Bytes per slab left over after the slots (the room coloring moves objects through). */
    public long slackBytesPerSlab() {
        return g.slack();
    }

    /** Bytes per slab that hold no object: slot padding and debug areas, plus the slack. */
    public long wasteBytesPerSlab() {
        return g.wastePerSlab();
    }

    /**
     * Rounds per new magazine; 0 when this cache has no magazines (debug caches, or configured so). It starts at
     * {@link #startMagazineSize()} and steps up Solaris' sizes (1, 3, 7, 15, 31, 47, 63, 95, 143) while the depot is
     * contended, as far as the slot size allows; it never shrinks. Older, smaller magazines are dropped as they come
     * back to the depot empty.
     */
    public int magazineSize() {
        return magazineSize;
    }

    /** The magazine size the cache started with. */
    public int startMagazineSize() {
        return startMagazineSize;
    }

    /** Times the magazine size stepped up. */
    public int magazineResizes() {
        synchronized (depot) {
            return depot.resizes;
        }
    }

    /** Depot entries that found another thread in the depot or waiting for it. */
    public long depotContentions() {
        synchronized (depot) {
            return depot.contentions;
        }
    }

    public int emptySlabLimit() {
        return emptyLimit;
    }

    /** The debug flags, e.g. {@code "FZPU"}, or {@code "-"}. */
    public String debugFlags() {
        return Debug.format(g.debug());
    }

    public boolean hasConstructor() {
        return slabs.constructor != null;
    }

    /** The slab layer hosting this cache. */
    public SlabAllocator allocator() {
        return owner;
    }

    // ================================================================== alloc and free

    /**
     * Allocates an object in its constructed state.
     *
     * @return its address, or 0 when the heap cannot hold another slab
     * @throws SlabCorruptionException (debug caches) when the object about to be handed out was written after free
     * @throws IllegalStateException   when the cache was destroyed
     */
    public long alloc() {
        if (destroyed) {
            throw new IllegalStateException(name + " was destroyed");
        }
        if (magazineSize > 0) {
            ThreadMagazines t = owner.scavenging.currentMagazines();
            if (t != null) {
                long obj;
                boolean slow;
                t.lock();
                try {
                    obj = allocFromMagazine(t);
                    slow = t.slowPath;
                    t.slowPath = false;
                } finally {
                    t.unlock();
                }
                if (slow) {
                    owner.scavenging.tickExchange(t);
                }
                if (obj != 0) {
                    slabs.markLive(obj);
                    return obj;
                }
            }
        }
        int site = g.tracked() ? owner.sites.current() : 0;
        long obj = slabs.allocFromSlabs(site);
        if (obj == 0) {
            owner.scavenging.reclaim();
            obj = slabs.allocFromSlabs(site);
        }
        if (magazineSize > 0) {
            owner.scavenging.tick();
        }
        return obj;
    }

    /**
     * Frees an object of this cache (in its constructed state, if the cache has a constructor); {@code free(0)} does
     * nothing.
     *
     * @throws WrongCacheException     for an object of another cache
     * @throws DoubleFreeException     for an object that is free already (or a round in a magazine)
     * @throws InvalidPointerException for an address that is not an object start of this cache's slabs
     * @throws SlabCorruptionException (debug caches) for a broken red zone: a buffer overrun
     */
    public void free(long address) {
        if (address != 0) {
            release(locate(address, "free"), address);
        }
    }

    /** A bounds-checked view of a live object's usable bytes. */
    public MemorySegment segment(long address) {
        locate(address, "segment");
        return mem.asSlice(address, g.usable());
    }

    /** Frees the validated live object {@code obj} of the slab at header {@code h}. */
    void release(long h, long obj) {
        ThreadMagazines t = magazineSize > 0 ? owner.scavenging.currentMagazines() : null;
        if (t == null) {
            int site = g.tracked() ? owner.sites.current() : 0;
            slabs.freeToSlabs(h, obj, site);
            if (magazineSize > 0) {
                owner.scavenging.tick();
            }
            return;
        }
        slabs.markCached(h, obj);
        boolean slow;
        t.lock();
        try {
            freeToMagazine(t, obj);
            slow = t.slowPath;
            t.slowPath = false;
        } finally {
            t.unlock();
        }
        if (slow) {
            owner.scavenging.tickExchange(t);
        }
    }

    // ================================================================== magazine layer (thread lock held, then the depot monitor)

    /** Pops a round (Bonwick &amp; Adams' alloc), or 0 when the thread's magazines and the depot have none. */
    private long allocFromMagazine(ThreadMagazines t) {
        Magazine loaded = t.loaded(id);
        if (loaded != null && loaded.count > 0) {
            return loaded.rounds[--loaded.count];
        }
        Magazine previous = t.previous(id);
        if (previous != null && previous.isFull()) {
            t.set(id, previous, loaded);
            return previous.rounds[--previous.count];
        }
        t.slowPath = true;
        Magazine full;
        boolean contended = enterDepot();
        try {
            synchronized (depot) {
                if (contended) {
                    contended();
                }
                full = depot.takeFull();
                if (full == null) {
                    return 0;
                }
                if (previous != null) {
                    if (outdated(previous)) {
                        magazines.decrementAndGet(); // not full, so empty: dropped
                    } else {
                        depot.putEmpty(previous); // not full, so empty: the previous magazine is always one or the other
                    }
                }
            }
        } finally {
            leaveDepot();
        }
        t.set(id, full, loaded);
        return full.rounds[--full.count];
    }

    /** Pushes a round (Bonwick &amp; Adams' free); never fails (a new magazine when the depot has no empty one). */
    private void freeToMagazine(ThreadMagazines t, long obj) {
        Magazine loaded = t.loaded(id);
        if (loaded != null && !loaded.isFull()) {
            loaded.rounds[loaded.count++] = obj;
            return;
        }
        Magazine previous = t.previous(id);
        if (previous != null && previous.count == 0 && previous.rounds.length >= magazineSize) {
            t.set(id, previous, loaded);
            previous.rounds[previous.count++] = obj;
            return;
        }
        t.slowPath = true;
        Magazine empty;
        boolean contended = enterDepot();
        try {
            synchronized (depot) {
                if (contended) {
                    contended();
                }
                if (previous != null) {
                    if (previous.count == 0) {
                        magazines.decrementAndGet(); // an empty magazine of an older size: dropped
                    } else {
                        depot.putFull(previous); // not empty, so full
                    }
                }
                empty = depot.takeEmpty();
                while (empty != null && outdated(empty)) {
                    magazines.decrementAndGet();
                    empty = depot.takeEmpty();
                }
            }
        } finally {
            leaveDepot();
        }
        if (empty == null) {
            empty = new Magazine(magazineSize);
            magazines.incrementAndGet();
        }
        t.set(id, empty, loaded);
        empty.rounds[empty.count++] = obj;
    }

    /** Takes this cache's magazines out of {@code t} (its lock held); returns them (null entries skipped). */
    List<Magazine> takeMagazines(ThreadMagazines t) {
        List<Magazine> out = new ArrayList<>(2);
        Magazine l = t.loaded(id);
        Magazine p = t.previous(id);
        if (l != null) {
            out.add(l);
        }
        if (p != null) {
            out.add(p);
        }
        if (l != null || p != null) {
            t.set(id, null, null);
        }
        return out;
    }

    /**
     * Returns the rounds of {@code mags} to their slabs; keeps the (now empty) magazines in the depot, or drops them.
     */
    void flushMagazines(List<Magazine> mags, boolean keep) {
        boolean any = false;
        for (Magazine m : mags) {
            any |= m.count > 0;
        }
        if (any) {
            slabs.returnRounds(mags);
        }
        if (keep) {
            synchronized (depot) {
                for (Magazine m : mags) {
                    depot.putEmpty(m);
                }
            }
        } else {
            magazines.addAndGet(-mags.size());
        }
    }

    /** Flushes the calling thread's magazines of this cache to the slabs (Solaris' per-CPU purge for one thread). */
    public void detach() {
        ThreadMagazines t = owner.scavenging.existingMagazines();
        if (t == null) {
            return;
        }
        List<Magazine> mags;
        t.lock();
        try {
            mags = takeMagazines(t);
        } finally {
            t.unlock();
        }
        flushMagazines(mags, true);
    }

    /** Empties the depot: full magazines' rounds back to the slabs; every magazine dropped. */
    void purgeDepot() {
        List<Magazine> all = new ArrayList<>();
        synchronized (depot) {
            depot.drainFull(depot.fullCount, all);
            depot.drainEmpty(depot.emptyCount, all);
            depot.fullLow = 0;
            depot.emptyLow = 0;
        }
        flushMagazines(all, false);
    }

    /**
     * Bonwick &amp; Adams' working-set reap: the fewest full (empty) magazines the depot held since the last reap were
     * not needed; return that many full ones to the slabs and drop that many empty ones.
     */
    void reapWorkingSet() {
        List<Magazine> unused = new ArrayList<>();
        synchronized (depot) {
            depot.drainFull(Math.min(depot.fullLow, depot.fullCount), unused);
            depot.fullLow = depot.fullCount;
            depot.drainEmpty(Math.min(depot.emptyLow, depot.emptyCount), unused);
            depot.emptyLow = depot.emptyCount;
        }
        flushMagazines(unused, false);
    }

    /**
     * Returns the empty slabs to buddy after flushing every thread's magazines of this cache and the depot (Bonwick's
     * reclaim, Linux's {@code kmem_cache_shrink}).
     *
     * @return bytes of slab pages returned to buddy
     */
    public long shrink() {
        owner.scavenging.purgeThreadMagazines(this);
        purgeDepot();
        return slabs.destroyEmpties(0);
    }

    void markDestroyed() {
        destroyed = true;
    }

    boolean isDestroyed() {
        return destroyed;
    }

    /** The header of the slab holding the live object at {@code obj} of this cache; throws the misuse otherwise. */
    long locate(long obj, String op) {
        return slabs.check(owner.slabHeaderAt(obj, op, this), obj, op);
    }

    // ================================================================== statistics

    /** One row of {@code /proc/slabinfo} (exact at quiescent points). */
    SlabInfoRow info() {
        long active;
        long slabs;
        long activeSlabs;
        synchronized (this.slabs.slabLock) {
            active = this.slabs.activeObjects;
            slabs = this.slabs.counts[EMPTY] + this.slabs.counts[PARTIAL] + this.slabs.counts[FULL];
            activeSlabs = this.slabs.counts[PARTIAL] + this.slabs.counts[FULL];
        }
        long shared;
        synchronized (depot) {
            shared = depot.rounds();
        }
        int limit = magazineSize;
        return new SlabInfoRow(name, active, slabs * g.capacity(), g.slot(), g.capacity(), g.pages(), limit, limit, 0,
                activeSlabs, slabs, shared);
    }

    /** A {@code /proc/slabinfo} row. */
    public record SlabInfoRow(String name, long activeObjs, long numObjs, long objSize, int objPerSlab, long pagesPerSlab, int limit,
                       int batchCount, int sharedFactor, long activeSlabs, long numSlabs, long sharedAvail) {
        String format() {
            return String.format(Locale.ROOT, "%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d",
                    name, activeObjs, numObjs, objSize, objPerSlab, pagesPerSlab, limit, batchCount, sharedFactor, activeSlabs, numSlabs,
                    sharedAvail);
        }
    }

    @Override
    public String toString() {
        return "cache " + name + " (" + g.usable() + "-byte objects, " + g.slot() + "-byte slots, " + g.capacity() + " per "
                + g.slabBytes() + "-byte slab, " + (g.onSlab() ? "on-slab" : "off-slab") + ", debug " + debugFlags() + ")";
    }
}
