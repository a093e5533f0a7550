package org.jalloc.slab;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.GranuleMap;

/**
 * An object cache (Bonwick 1994): objects of one size and alignment, kept in their constructed state between uses,
 * cut from slabs of buddy pages, with per-thread magazines and a depot in front (Bonwick &amp; Adams 2001). Created
 * by {@link SlabAllocator#newCache}; the slab layer, the page map and the thread registry it shares with the other
 * caches are described in {@link SlabAllocator}'s header.
 *
 * <h2>Nouns</h2>
 * <b>object</b>: what {@link #alloc()} returns, {@link #usableSize()} bytes, aligned to {@link #align()}.
 * <b>slot</b>: an object with its debug areas and out-of-object links ({@link CacheGeometry}). <b>slab</b>: a buddy
 * block of {@link #pagesPerSlab()} pages cut into {@link #objectsPerSlab()} slots, after a color offset.
 * <b>slab header</b>: 64 bytes describing a slab, at the end of the slab (small objects) or in a descriptor object
 * outside it (large objects, with the bufctl array). <b>free list</b>: a slab's free slots. <b>round</b>: a free
 * object in a magazine. <b>depot</b>: the cache's full and empty magazines.
 *
 * <h2>Slab header (64 bytes)</h2>
 * <pre>
 *   +0  next     header address of the next slab on the same list (empty, partial or full), 0 at the end
 *   +8  prev     the previous one, 0 for the first
 *   +16 base     the slab's first page (the buddy block)
 *   +24 free     on-slab: the first free slot's address (0: none); off-slab: its index (-1: none)
 *   +32 inuse    int: slots not on the free list (live objects and rounds in magazines)
 *   +36 cache    int: the cache's id
 *   +40 color    int: offset of slot 0 from base, a multiple of the color unit, at most the slack
 *   +48 magic    base ^ SLAB_MAGIC
 *   off-slab: +64 bufctl[capacity], an int per slot: the next free index (-1 ends the list) while on the free list,
 *             LIVE (-2) while allocated, CACHED (-3) while a round in a magazine
 * </pre>
 *
 * <h2>Free slots</h2>
 * On-slab, a free slot's link (the next free slot's address) and its free marker ({@code slot ^ FREE_TAG}) sit at
 * {@code linkOffset} and {@code linkOffset + 8}: inside the object when it has no constructor and no poisoning,
 * after it otherwise, so a constructed object keeps its state while free (SLUB's {@code s->offset}). Whether a slot
 * is the caller's is the slab layer's <b>state map</b> ({@link GranuleMap}: a byte per 16 bytes of heap, outside
 * it): {@link #SLOT_FREE} exactly while the slot is on a free list or in a magazine, {@link #SLOT_LIVE} while the
 * caller has it. It makes a double free O(1) to detect, exactly: a live object's bytes are the caller's and may hold
 * anything, the marker included (it is written on free and left on alloc; the checker uses it as a canary for writes
 * after free). Off-slab, the bufctl entry says the same as the state map.
 * <pre>
 *   on-slab free slot:  | link | marker = slot ^ FREE_TAG | ...    state[slot / 16] = SLOT_FREE
 *   on-slab live slot:  | the caller's bytes (anything)   | ...    state[slot / 16] = SLOT_LIVE
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>SLAB-1: for every slab, the free list is a set of distinct slots of that slab, free in the state map (bufctl
 *       off-slab) and carrying the free marker, and {@code |free list| = capacity − inuse},
 *       {@code 0 <= inuse <= capacity}.</li>
 *   <li>SLAB-2: every slab of the cache is on exactly one list, the one its count says: {@code inuse = 0} empty,
 *       {@code inuse = capacity} full, partial between; the lists are doubly linked and their lengths, and
 *       {@code Σ inuse}, match the cache's counters.</li>
 *   <li>SLAB-3: {@code color ≡ 0 (mod colorUnit) ∧ color <= slack}, so {@code color + capacity · slot <= avail}: no
 *       object crosses the slab's end or runs into the on-slab header.</li>
 *   <li>SLAB-4 (Z), SLAB-5 (P): red zones hold RED_ACTIVE around allocated objects and RED_INACTIVE around free
 *       ones; a free object of a poisoned cache holds POISON_FREE ... POISON_END.</li>
 *   <li>SLAB-7: every round is a slot of this cache, free in the state map and carrying the free marker (bufctl
 *       CACHED off-slab), in exactly one magazine and
 *       on no free list; magazines hold at most {@link #magazineSize()} rounds, a thread's previous magazine is
 *       full or empty, the depot's full magazines are full and its empty ones empty.</li>
 * </ul>
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
 * free marker is freed like any other.
 *
 * <p>Thread safety: concurrent. See {@link SlabAllocator} for the locks; a thread's magazines are touched by their
 * owner under its own (uncontended) lock, the depot under the depot's, the slab lists under the cache's slab lock.
 */
public final class SlabCache {
    static final long H_NEXT = 0;
    static final long H_PREV = 8;
    static final long H_BASE = 16;
    static final long H_FREE = 24;
    static final long H_INUSE = 32;
    static final long H_CACHE = 36;
    static final long H_COLOR = 40;
    static final long H_MAGIC = 48;
    static final long HEADER = CacheGeometry.HEADER;
    static final long SLAB_MAGIC = 0x534c_4142_5f48_4452L;
    /** The free marker of a slot is {@code slot ^ FREE_TAG}. */
    static final long FREE_TAG = 0x6a61_6c6c_6f63_2d73L;
    static final int BUFCTL_END = -1;
    static final int BUFCTL_LIVE = -2;
    static final int BUFCTL_CACHED = -3;
    /** State-map byte of an on-slab slot that is the caller's. */
    static final byte SLOT_LIVE = 0;
    /** State-map byte of an on-slab slot on its slab's free list or a round in a magazine. */
    static final byte SLOT_FREE = 1;

    /** List indexes. */
    static final int EMPTY = 0;
    static final int PARTIAL = 1;
    static final int FULL = 2;
    static final String[] LIST_NAMES = {"empty", "partial", "full"};

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    final SlabAllocator owner;
    final int id;
    private final String name;
    final CacheGeometry g;
    private final @Nullable Consumer<MemorySegment> constructor;
    private final @Nullable Consumer<MemorySegment> destructor;
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
    private final MemorySegment mem;
    /** The slab layer's state map: SLOT_LIVE or SLOT_FREE for every slot start of an on-slab slab. */
    private final GranuleMap states;
    /** Lemire's divisor for slot indexes: {@code off / slot = unsignedMultiplyHigh(off, divisor)} for off &lt; 2^32. */
    private final long divisor;
    private final @Nullable MemorySegment poison;
    private final @Nullable MemorySegment redActive;
    private final @Nullable MemorySegment redInactive;

    /** Guards the slab lists, headers, free lists and the counters below. */
    final Object slabLock = new Object();
    final long[] heads = new long[3];
    final long[] counts = new long[3];
    /** Σ inuse over the slabs. */
    long activeObjects;
    private int nextColor;
    long slabsCreated;
    long slabsDestroyed;
    long constructorCalls;
    long destructorCalls;
    long slabAllocs;
    long slabFrees;

    final Depot depot = new Depot();
    /** Magazines in existence (threads' and depot's). */
    final AtomicLong magazines = new AtomicLong();
    private volatile boolean destroyed;

    SlabCache(SlabAllocator owner, int id, String name, CacheGeometry g, @Nullable Consumer<MemorySegment> constructor,
              @Nullable Consumer<MemorySegment> destructor, int magazineSize, int emptyLimit, boolean kmalloc, int resizeAfter) {
        this.owner = owner;
        this.id = id;
        this.name = name;
        this.g = g;
        this.constructor = constructor;
        this.destructor = destructor;
        this.magazineSize = g.debug() != 0 ? 0 : magazineSize;
        this.startMagazineSize = this.magazineSize;
        this.resizing = owner.magazineResizing() && resizeAfter > 0;
        this.resizeAfter = resizeAfter;
        this.emptyLimit = emptyLimit;
        this.kmalloc = kmalloc;
        this.mem = Inspection.of(owner).heap().memory();
        this.states = owner.states;
        this.divisor = Long.divideUnsigned(-1L, g.slot()) + 1;
        this.poison = g.poisoned() ? poisonPattern(g.usable()) : null;
        long zone = Math.max(g.redLeft(), g.redRightEnd() - g.objectEnd());
        this.redActive = g.redZones() ? filled(zone, Debug.RED_ACTIVE) : null;
        this.redInactive = g.redZones() ? filled(zone, Debug.RED_INACTIVE) : null;
    }

    private static MemorySegment poisonPattern(long usable) {
        byte[] p = new byte[(int) usable];
        java.util.Arrays.fill(p, Debug.POISON_FREE);
        p[p.length - 1] = Debug.POISON_END;
        return MemorySegment.ofArray(p);
    }

    private static MemorySegment filled(long n, byte b) {
        byte[] p = new byte[(int) n];
        java.util.Arrays.fill(p, b);
        return MemorySegment.ofArray(p);
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
        return constructor != null;
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
            ThreadMagazines t = owner.currentMagazines();
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
                    owner.tick();
                }
                if (obj != 0) {
                    markLive(obj);
                    return obj;
                }
            }
        }
        int site = g.tracked() ? owner.sites.current() : 0;
        long obj = allocFromSlabs(site);
        if (obj == 0) {
            owner.reclaim();
            obj = allocFromSlabs(site);
        }
        if (magazineSize > 0) {
            owner.tick();
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
        ThreadMagazines t = magazineSize > 0 ? owner.currentMagazines() : null;
        if (t == null) {
            int site = g.tracked() ? owner.sites.current() : 0;
            freeToSlabs(h, obj, site);
            if (magazineSize > 0) {
                owner.tick();
            }
            return;
        }
        markCached(h, obj);
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
            owner.tick();
        }
    }

    // ================================================================== magazine layer (thread lock held)

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
            List<Long> victims = new ArrayList<>();
            synchronized (slabLock) {
                for (Magazine m : mags) {
                    for (int i = 0; i < m.count; i++) {
                        long obj = m.rounds[i];
                        putBack(headerOf(obj), obj - g.redLeft());
                        slabFrees++;
                    }
                    m.count = 0;
                }
                trimEmpties(emptyLimit, victims);
            }
            destroyAll(victims);
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
        ThreadMagazines t = owner.existingMagazines();
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
        owner.purgeThreadMagazines(this);
        purgeDepot();
        return destroyEmpties(0);
    }

    /** Destroys empty slabs beyond {@code keep}; returns the bytes of pages returned. */
    long destroyEmpties(int keep) {
        List<Long> victims = new ArrayList<>();
        synchronized (slabLock) {
            trimEmpties(keep, victims);
        }
        destroyAll(victims);
        return victims.size() * g.slabBytes();
    }

    void markDestroyed() {
        destroyed = true;
    }

    boolean isDestroyed() {
        return destroyed;
    }

    // ================================================================== object state (marker / bufctl)

    private long slotAt(long base, int color, long index) {
        return base + color + index * g.slot();
    }

    long bufctl(long h, long index) {
        return h + HEADER + 4 * index;
    }

    /** The slot index of {@code slot} in the slab at {@code base} with {@code color}, or -1 when it is not a slot start. */
    long indexOf(long base, int color, long slot) {
        long off = slot - base - color;
        if (off < 0 || off >= g.avail()) {
            return -1;
        }
        long index = Math.unsignedMultiplyHigh(off, divisor);
        return index * g.slot() == off && index < g.capacity() ? index : -1;
    }

    /**
     * True when the slot is not the caller's: on its slab's free list or a round in a magazine. Exact: on-slab the
     * state map's byte (outside the heap, written only here), off-slab the bufctl entry; never the slot's own bytes,
     * which are the caller's while the object is live.
     */
    boolean isFreeSlot(long h, long slot, long index) {
        if (g.onSlab()) {
            return states.get(slot) == SLOT_FREE;
        }
        return mem.get(INT, bufctl(h, index)) != BUFCTL_LIVE;
    }

    /** True when an on-slab slot carries its free marker (a canary: a write after free clears it); off-slab: true. */
    boolean isMarked(long slot) {
        return !g.onSlab() || mem.get(LONG, slot + g.markerOffset()) == (slot ^ FREE_TAG);
    }

    /** True when the (off-slab) slot is a round in a magazine; on-slab slots cannot tell (their state is the same). */
    boolean isCachedSlot(long h, long index) {
        return !g.onSlab() && mem.get(INT, bufctl(h, index)) == BUFCTL_CACHED;
    }

    private void markCached(long h, long obj) {
        long slot = obj - g.redLeft();
        if (g.onSlab()) {
            mem.set(LONG, slot + g.markerOffset(), slot ^ FREE_TAG);
            states.set(slot, SLOT_FREE);
        } else {
            long index = indexOf(mem.get(LONG, h + H_BASE), mem.get(INT, h + H_COLOR), slot);
            mem.set(INT, bufctl(h, index), BUFCTL_CACHED);
        }
    }

    private void markLive(long obj) {
        long slot = obj - g.redLeft();
        if (g.onSlab()) {
            states.set(slot, SLOT_LIVE); // the marker may stay: the object's bytes are the caller's now
        } else {
            long h = headerOf(obj);
            long index = indexOf(mem.get(LONG, h + H_BASE), mem.get(INT, h + H_COLOR), slot);
            mem.set(INT, bufctl(h, index), BUFCTL_LIVE);
        }
    }

    /** The header of the slab holding an object this cache handed out (trusted: no checks). */
    private long headerOf(long obj) {
        return owner.pageMap.get(obj >>> SlabPageEntry.PAGE_SHIFT);
    }

    // ================================================================== misuse screen

    /** The header of the slab holding the live object at {@code obj} of this cache; throws the misuse otherwise. */
    long locate(long obj, String op) {
        return check(owner.slabHeaderAt(obj, op, this), obj, op);
    }

    /** Screens {@code obj} in the slab at header {@code h} (already validated as a header): returns {@code h} or throws. */
    long check(long h, long obj, String op) {
        int cacheId = mem.get(INT, h + H_CACHE);
        if (cacheId != id) {
            String other = owner.cacheName(cacheId);
            throw new WrongCacheException(name + ": " + op + "(" + hex(obj) + "): the object belongs to cache " + other + ", not " + name,
                    obj, name, other);
        }
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        long slot = obj - g.redLeft();
        long index = indexOf(base, color, slot);
        if (index < 0) {
            throw new InvalidPointerException(name + ": " + op + "(" + hex(obj) + "): not an object start " + whereIs(base, color, obj), obj);
        }
        if (isFreeSlot(h, slot, index)) {
            throw new DoubleFreeException(name + ": " + op + "(" + hex(obj) + "): the object is free"
                    + (isCachedSlot(h, index) ? " (a round in a magazine)" : "") + " (double free?)" + trackText(slot), obj);
        }
        return h;
    }

    private String whereIs(long base, int color, long obj) {
        long off = obj - base - color;
        if (off < 0) {
            return "(in the color padding of the slab at " + hex(base) + ")";
        }
        long index = off / g.slot();
        if (index < g.capacity()) {
            return "(inside the object at " + hex(slotAt(base, color, index) + g.redLeft()) + ")";
        }
        return g.onSlab() && obj >= base + g.slabBytes() - HEADER ? "(in the header of the slab at " + hex(base) + ")"
                : "(in the slack of the slab at " + hex(base) + ")";
    }

    // ================================================================== slab layer (slab lock held unless said)

    /** Allocates one object from the slab layer (growing the cache when no slab has a free object), or 0. */
    long allocFromSlabs(int site) {
        synchronized (slabLock) {
            long h = heads[PARTIAL] != 0 ? heads[PARTIAL] : heads[EMPTY];
            if (h != 0) {
                return take(h, site);
            }
        }
        long fresh = createSlab();
        if (fresh == 0) {
            return 0;
        }
        org.jalloc.core.events.SlowPathEvent.emit("slab", org.jalloc.core.events.SlowPathEvent.SLAB_CREATED, name, mem.get(LONG, fresh + H_BASE), g.slabBytes());
        synchronized (slabLock) {
            push(fresh, EMPTY);
            slabsCreated++;
            if (constructor != null) {
                constructorCalls += g.capacity();
            }
            return take(fresh, site);
        }
    }

    /** Frees the validated live object {@code obj} to its slab's free list (debug checks first). */
    void freeToSlabs(long h, long obj, int site) {
        List<Long> victims = new ArrayList<>(1);
        synchronized (slabLock) {
            if (g.debug() != 0) {
                debugFree(h, obj, site);
            }
            putBack(h, obj - g.redLeft());
            slabFrees++;
            trimEmpties(emptyLimit, victims);
        }
        destroyAll(victims);
    }

    /** Pops the first free slot of slab {@code h} for the caller (debug checks first); returns the object. */
    private long take(long h, int site) {
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        long slot;
        if (g.onSlab()) {
            slot = mem.get(LONG, h + H_FREE);
            long index = indexOf(base, color, slot);
            if (index < 0 || !isFreeSlot(h, slot, index)) {
                throw brokenFreeList(h, base, slot);
            }
            if (g.debug() != 0) {
                debugAlloc(slot);
            }
            mem.set(LONG, h + H_FREE, mem.get(LONG, slot + g.linkOffset()));
            states.set(slot, SLOT_LIVE);
        } else {
            long index = mem.get(LONG, h + H_FREE);
            if (index < 0 || index >= g.capacity() || mem.get(INT, bufctl(h, index)) < BUFCTL_END) {
                throw brokenFreeList(h, base, index);
            }
            slot = slotAt(base, color, index);
            if (g.debug() != 0) {
                debugAlloc(slot);
            }
            mem.set(LONG, h + H_FREE, (long) mem.get(INT, bufctl(h, index)));
            mem.set(INT, bufctl(h, index), BUFCTL_LIVE);
        }
        int inuse = mem.get(INT, h + H_INUSE) + 1;
        mem.set(INT, h + H_INUSE, inuse);
        activeObjects++;
        slabAllocs++;
        if (inuse == 1) {
            move(h, EMPTY, inuse == g.capacity() ? FULL : PARTIAL);
        } else if (inuse == g.capacity()) {
            move(h, PARTIAL, FULL);
        }
        long obj = slot + g.redLeft();
        if (g.debug() != 0) {
            debugAllocated(slot, site);
        }
        return obj;
    }

    private HeapCorruptionException brokenFreeList(long h, long base, long what) {
        return new SlabCorruptionException(name + ": the free list of the slab at " + hex(base) + " is broken: its head " + hex(what)
                + " is not a free slot of the slab (a write into a freed object?)", SlabCorruptionException.Kind.SLAB_METADATA, name, what);
    }

    /** Puts {@code slot} (not the caller's any more) on its slab's free list and moves the slab as its count says. */
    private void putBack(long h, long slot) {
        if (g.onSlab()) {
            mem.set(LONG, slot + g.linkOffset(), mem.get(LONG, h + H_FREE));
            mem.set(LONG, slot + g.markerOffset(), slot ^ FREE_TAG);
            states.set(slot, SLOT_FREE);
            mem.set(LONG, h + H_FREE, slot);
        } else {
            long index = indexOf(mem.get(LONG, h + H_BASE), mem.get(INT, h + H_COLOR), slot);
            mem.set(INT, bufctl(h, index), (int) mem.get(LONG, h + H_FREE));
            mem.set(LONG, h + H_FREE, index);
        }
        int inuse = mem.get(INT, h + H_INUSE) - 1;
        mem.set(INT, h + H_INUSE, inuse);
        activeObjects--;
        if (inuse == g.capacity() - 1) {
            move(h, FULL, inuse == 0 ? EMPTY : PARTIAL);
        } else if (inuse == 0) {
            move(h, PARTIAL, EMPTY);
        }
    }

    private void push(long h, int list) {
        long first = heads[list];
        mem.set(LONG, h + H_NEXT, first);
        mem.set(LONG, h + H_PREV, 0L);
        if (first != 0) {
            mem.set(LONG, first + H_PREV, h);
        }
        heads[list] = h;
        counts[list]++;
    }

    private void unlink(long h, int list) {
        long next = mem.get(LONG, h + H_NEXT);
        long prev = mem.get(LONG, h + H_PREV);
        if (prev == 0) {
            if (heads[list] != h) {
                throw new SlabCorruptionException(name + ": the slab with header " + hex(h) + " is not on the " + LIST_NAMES[list]
                        + " list its count says (broken list links or in-use count)", SlabCorruptionException.Kind.SLAB_METADATA, name, h);
            }
            heads[list] = next;
        } else {
            mem.set(LONG, prev + H_NEXT, next);
        }
        if (next != 0) {
            mem.set(LONG, next + H_PREV, prev);
        }
        counts[list]--;
    }

    private void move(long h, int from, int to) {
        unlink(h, from);
        push(h, to);
    }

    /** Unlinks empty slabs beyond {@code keep} (the most recently emptied first, as SLUB discards) into {@code victims}. */
    private void trimEmpties(int keep, List<Long> victims) {
        while (counts[EMPTY] > keep) {
            long h = heads[EMPTY];
            unlink(h, EMPTY);
            slabsDestroyed++;
            if (destructor != null) {
                destructorCalls += g.capacity();
            }
            victims.add(h);
        }
    }

    private void destroyAll(List<Long> victims) {
        for (long h : victims) {
            destroySlab(h);
        }
    }

    /** Makes a new slab (no lock held): pages, header, free list, color, debug areas, constructed objects, page map. */
    private long createSlab() {
        long base = owner.allocSlabPages(g.order());
        if (base == 0) {
            return 0;
        }
        long h;
        if (g.onSlab()) {
            h = base + g.slabBytes() - HEADER;
        } else {
            h = owner.allocDescriptor(g.descriptorBytes());
            if (h == 0) {
                owner.freeSlabPages(base, g.order());
                return 0;
            }
        }
        int color;
        synchronized (slabLock) {
            color = (int) (nextColor * g.colorUnit());
            nextColor = nextColor + 1 == g.colors() ? 0 : nextColor + 1;
        }
        mem.set(LONG, h + H_NEXT, 0L);
        mem.set(LONG, h + H_PREV, 0L);
        mem.set(LONG, h + H_BASE, base);
        mem.set(INT, h + H_INUSE, 0);
        mem.set(INT, h + H_CACHE, id);
        mem.set(INT, h + H_COLOR, color);
        mem.set(INT, h + H_COLOR + 4, 0);
        mem.set(LONG, h + H_MAGIC, base ^ SLAB_MAGIC);
        mem.set(LONG, h + 56, 0L);
        int n = g.capacity();
        for (int i = 0; i < n; i++) {
            long slot = slotAt(base, color, i);
            if (g.onSlab()) {
                mem.set(LONG, slot + g.linkOffset(), i + 1 < n ? slotAt(base, color, i + 1) : 0L);
                mem.set(LONG, slot + g.markerOffset(), slot ^ FREE_TAG);
            } else {
                mem.set(INT, bufctl(h, i), i + 1 < n ? i + 1 : BUFCTL_END);
            }
            if (g.debug() != 0) {
                initDebugAreas(slot);
            }
        }
        mem.set(LONG, h + H_FREE, g.onSlab() ? slotAt(base, color, 0) : 0L);
        if (g.onSlab()) {
            states.setBlocks(slotAt(base, color, 0), g.slot(), n, SLOT_FREE);
        }
        Consumer<MemorySegment> ctor = constructor;
        if (ctor != null) {
            int done = 0;
            try {
                for (; done < n; done++) {
                    ctor.accept(mem.asSlice(slotAt(base, color, done) + g.redLeft(), g.usable()));
                }
            } catch (RuntimeException | Error e) {
                Consumer<MemorySegment> dtor = destructor;
                for (int i = 0; i < done && dtor != null; i++) {
                    dtor.accept(mem.asSlice(slotAt(base, color, i) + g.redLeft(), g.usable()));
                }
                if (!g.onSlab()) {
                    owner.freeDescriptor(h);
                }
                owner.freeSlabPages(base, g.order());
                throw e;
            }
        }
        owner.mapSlab(base, g.order(), h);
        return h;
    }

    /** Destroys an unlinked empty slab (no lock held): destructor on every object, pages and descriptor released. */
    private void destroySlab(long h) {
        long base = mem.get(LONG, h + H_BASE);
        org.jalloc.core.events.SlowPathEvent.emit("slab", org.jalloc.core.events.SlowPathEvent.SLAB_DESTROYED, name, base, g.slabBytes());
        int color = mem.get(INT, h + H_COLOR);
        try {
            Consumer<MemorySegment> dtor = destructor;
            if (dtor != null) {
                for (int i = 0; i < g.capacity(); i++) {
                    dtor.accept(mem.asSlice(slotAt(base, color, i) + g.redLeft(), g.usable()));
                }
            }
        } finally {
            owner.unmapSlab(base, g.order());
            if (!g.onSlab()) {
                owner.freeDescriptor(h);
            }
        }
    }

    // ================================================================== debug (slab lock held)

    private void initDebugAreas(long slot) {
        if (g.redZones()) {
            fillRedZones(slot, Debug.RED_INACTIVE);
        }
        if (g.poisoned()) {
            MemorySegment.copy(nonNull(poison), 0, mem, slot + g.redLeft(), g.usable());
        }
        if (g.tracked()) {
            mem.asSlice(slot + g.trackOffset(), CacheGeometry.TRACK).fill((byte) 0);
        }
    }

    private void fillRedZones(long slot, byte value) {
        mem.asSlice(slot, g.redLeft()).fill(value);
        mem.asSlice(slot + g.objectEnd(), g.redRightEnd() - g.objectEnd()).fill(value);
    }

    /** The first byte of {@code slot}'s red zones that is not {@code expected}, as an offset from the object, or MIN_VALUE. */
    long redZoneMismatch(long slot, boolean allocated) {
        MemorySegment pattern = nonNull(allocated ? redActive : redInactive);
        long left = MemorySegment.mismatch(mem, slot, slot + g.redLeft(), pattern, 0, g.redLeft());
        if (left >= 0) {
            return left - g.redLeft();
        }
        long rightLen = g.redRightEnd() - g.objectEnd();
        long right = MemorySegment.mismatch(mem, slot + g.objectEnd(), slot + g.redRightEnd(), pattern, 0, rightLen);
        return right >= 0 ? g.objectEnd() - g.redLeft() + right : Long.MIN_VALUE;
    }

    /** The first byte of a free object's poison that changed, as an offset from the object, or -1. */
    long poisonMismatch(long slot) {
        long obj = slot + g.redLeft();
        return MemorySegment.mismatch(mem, obj, obj + g.usable(), nonNull(poison), 0, g.usable());
    }

    private static MemorySegment nonNull(@Nullable MemorySegment s) {
        if (s == null) {
            throw new IllegalStateException("debug pattern missing");
        }
        return s;
    }

    /** F and Z checks of a free, then poison, inactive red zones and the free site; throws before changing anything. */
    private void debugFree(long h, long obj, int site) {
        long slot = obj - g.redLeft();
        if (g.sanityChecks()) {
            int inuse = mem.get(INT, h + H_INUSE);
            if (inuse < 1 || inuse > g.capacity()) {
                throw new SlabCorruptionException(name + ": free(" + hex(obj) + "): the slab's in-use count is " + inuse + ", not in [1, "
                        + g.capacity() + "]", SlabCorruptionException.Kind.SLAB_METADATA, name, obj);
            }
            if (onFreeList(h, slot)) { // live in the state map (the screen passed) yet on the free list: they disagree
                throw new SlabCorruptionException(name + ": free(" + hex(obj) + "): the object is live but on its slab's free list"
                        + " (a corrupted free list or state map)" + trackText(slot), SlabCorruptionException.Kind.SLAB_METADATA, name, obj);
            }
        }
        if (g.redZones()) {
            long bad = redZoneMismatch(slot, true);
            if (bad != Long.MIN_VALUE) {
                long at = obj + bad;
                throw new SlabCorruptionException(String.format(Locale.ROOT,
                        "%s: Redzone overwritten at %s (object %s %s %d): expected %s, found %s: a buffer %s%s", name, hex(at), hex(obj),
                        bad < 0 ? "-" : "+", Math.abs(bad), Debug.hexByte(Debug.RED_ACTIVE), Debug.hexByte(mem.get(ValueLayout.JAVA_BYTE, at)),
                        bad < 0 ? "underrun" : "overrun", trackText(slot)), SlabCorruptionException.Kind.RED_ZONE, name, obj);
            }
        }
        if (g.poisoned()) {
            MemorySegment.copy(nonNull(poison), 0, mem, obj, g.usable());
        }
        if (g.redZones()) {
            fillRedZones(slot, Debug.RED_INACTIVE);
        }
        if (g.tracked()) {
            mem.set(INT, slot + g.trackOffset() + 8, site);
            mem.set(INT, slot + g.trackOffset() + 12, (int) Thread.currentThread().threadId());
        }
    }

    /** Poison and inactive red zones of the free slot about to be handed out; throws (nothing changed) when broken. */
    private void debugAlloc(long slot) {
        long obj = slot + g.redLeft();
        if (g.poisoned()) {
            long bad = poisonMismatch(slot);
            if (bad >= 0) {
                byte expected = bad == g.usable() - 1 ? Debug.POISON_END : Debug.POISON_FREE;
                throw new SlabCorruptionException(String.format(Locale.ROOT,
                        "%s: Poison overwritten at %s (object %s + %d): expected %s, found %s: a write after free%s", name, hex(obj + bad),
                        hex(obj), bad, Debug.hexByte(expected), Debug.hexByte(mem.get(ValueLayout.JAVA_BYTE, obj + bad)), trackText(slot)),
                        SlabCorruptionException.Kind.USE_AFTER_FREE, name, obj);
            }
        }
        if (g.redZones()) {
            long bad = redZoneMismatch(slot, false);
            if (bad != Long.MIN_VALUE) {
                throw new SlabCorruptionException(String.format(Locale.ROOT,
                        "%s: Redzone of a free object overwritten at %s (object %s %s %d): expected %s, found %s%s", name, hex(obj + bad),
                        hex(obj), bad < 0 ? "-" : "+", Math.abs(bad), Debug.hexByte(Debug.RED_INACTIVE),
                        Debug.hexByte(mem.get(ValueLayout.JAVA_BYTE, obj + bad)), trackText(slot)),
                        SlabCorruptionException.Kind.USE_AFTER_FREE, name, obj);
            }
        }
    }

    private void debugAllocated(long slot, int site) {
        if (g.redZones()) {
            fillRedZones(slot, Debug.RED_ACTIVE);
        }
        if (g.tracked()) {
            mem.set(INT, slot + g.trackOffset(), site);
            mem.set(INT, slot + g.trackOffset() + 4, (int) Thread.currentThread().threadId());
        }
    }

    /** True when {@code slot} is on the free list of slab {@code h} (bounded walk). */
    private boolean onFreeList(long h, long slot) {
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        long steps = 0;
        if (g.onSlab()) {
            for (long s = mem.get(LONG, h + H_FREE); s != 0 && steps++ <= g.capacity(); s = mem.get(LONG, s + g.linkOffset())) {
                if (s == slot) {
                    return true;
                }
                if (indexOf(base, color, s) < 0) {
                    throw brokenFreeList(h, base, s);
                }
            }
            return false;
        }
        long target = indexOf(base, color, slot);
        for (long i = mem.get(LONG, h + H_FREE); i >= 0 && steps++ <= g.capacity(); i = mem.get(INT, bufctl(h, i))) {
            if (i >= g.capacity()) {
                throw brokenFreeList(h, base, i);
            }
            if (i == target) {
                return true;
            }
        }
        return false;
    }

    /** "; last allocated at S by thread T, last freed at ..." (U), or "". */
    String trackText(long slot) {
        if (!g.tracked()) {
            return "";
        }
        long t = slot + g.trackOffset();
        int allocSite = mem.get(INT, t);
        int freeSite = mem.get(INT, t + 8);
        StringBuilder sb = new StringBuilder();
        if (allocSite != 0) {
            sb.append("; last allocated at ").append(owner.sites.name(allocSite)).append(" by thread ").append(mem.get(INT, t + 4));
        }
        if (freeSite != 0) {
            sb.append("; last freed at ").append(owner.sites.name(freeSite)).append(" by thread ").append(mem.get(INT, t + 12));
        }
        return sb.toString();
    }

    /** What is known about the object at {@code obj} of this cache (for {@link SlabAllocator#objectInfo}). */
    SlabObjectInfo describe(long h, long obj) {
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        long slot = obj - g.redLeft();
        long index = indexOf(base, color, slot);
        if (index < 0) {
            throw new InvalidPointerException(name + ": " + hex(obj) + " is not an object start " + whereIs(base, color, obj), obj);
        }
        String state = !isFreeSlot(h, slot, index) ? "allocated" : isCachedSlot(h, index) ? "in a magazine"
                : g.onSlab() ? "free (on its slab's free list or in a magazine)" : "free (on its slab's free list)";
        String allocSite = "";
        String freeSite = "";
        long allocThread = 0;
        long freeThread = 0;
        if (g.tracked()) {
            long t = slot + g.trackOffset();
            int a = mem.get(INT, t);
            int f = mem.get(INT, t + 8);
            allocSite = a == 0 ? "" : owner.sites.name(a);
            freeSite = f == 0 ? "" : owner.sites.name(f);
            allocThread = mem.get(INT, t + 4);
            freeThread = mem.get(INT, t + 12);
        }
        return new SlabObjectInfo(name, obj, base, (int) index, state, allocSite, allocThread, freeSite, freeThread);
    }

    // ================================================================== statistics

    /** One row of {@code /proc/slabinfo} (exact at quiescent points). */
    SlabInfoRow info() {
        long active;
        long slabs;
        long activeSlabs;
        synchronized (slabLock) {
            active = activeObjects;
            slabs = counts[EMPTY] + counts[PARTIAL] + counts[FULL];
            activeSlabs = counts[PARTIAL] + counts[FULL];
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

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    @Override
    public String toString() {
        return "cache " + name + " (" + g.usable() + "-byte objects, " + g.slot() + "-byte slots, " + g.capacity() + " per "
                + g.slabBytes() + "-byte slab, " + (g.onSlab() ? "on-slab" : "off-slab") + ", debug " + debugFlags() + ")";
    }
}
