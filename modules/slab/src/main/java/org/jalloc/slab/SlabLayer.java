package org.jalloc.slab;

import static org.jalloc.slab.AddressScreen.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.FreeListCorruptionException;
import org.jalloc.core.memory.GranuleMap;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.Inspection;

/**
 * The slab layer of one {@link SlabCache} (Bonwick 1994): the cache's slabs on three lists, each slab a buddy block
 * cut into slots after a color offset, with its free list and its header; the state map that says which slots are the
 * caller's; the O(1) misuse screen. The magazine layer in front of it is {@link SlabCache}; the debug areas (red
 * zones, poison, tracking) are {@link Debug}'s.
 *
 * <h2>Lock order</h2>
 * The slab lock ({@link #slabLock}) guards the lists, the headers, the free lists and the counters below. It is taken
 * after a thread's magazine lock and a depot monitor (never while holding it does this layer take either), and before
 * the page lock ({@link SlabAllocator#allocSlabPages}: slabs are made and destroyed with no lock held). An off-slab
 * cache's slab lock comes before the slab lock of the kmalloc cache holding its descriptors.
 *
 * <h2>Nouns</h2>
 * <b>slot</b>: an object with its debug areas and out-of-object links ({@link CacheGeometry}). <b>slab</b>: a buddy
 * block of {@code g.pages()} pages cut into {@code g.capacity()} slots, after a color offset. <b>slab header</b>: 64
 * bytes describing a slab, at the end of the slab (small objects) or in a descriptor object outside it (large
 * objects, with the bufctl array). <b>free list</b>: a slab's free slots.
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
 *   link word, secure=off: next free slot (0: none)    secure=on: next ^ key ^ swab(address of the link word)
 * </pre>
 * With {@code secure=on} (the allocator's {@link org.jalloc.core.spi.SecureLinks}, one key per heap) every link is
 * stored encoded and every pop decodes it and checks it before the list head moves ({@link #nextFree}): a write after
 * free into the link word is refused there, nothing changed. Off, a link access costs one branch on a final field.
 * Off-slab slabs keep no link in their objects: their free list is the bufctl array in the descriptor.
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
 *   <li>SEC-1 ({@code secure=on}): every on-slab link decodes to 0 or a free slot of the same slab
 *       ({@link #checkedNext}); the walk reads links decoded but unchecked, so a bad one is a SLAB-1 violation.</li>
 * </ul>
 * (SLAB-4 and SLAB-5 are {@link Debug}'s, SLAB-7 {@link SlabCache}'s; {@link SlabWalk} checks them all.)
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>alloc: the first partial slab, else the first empty one, else a new slab (buddy pages, a color, every
 *       object constructed once), popping its free list; the slab moves to the list its count says.</li>
 *   <li>free (screened): debug checks first (F here, Z/P/U in {@link Debug}), set the marker and the state, push on
 *       the slab's free list and move the slab to the list its count says; an empty slab beyond the cache's
 *       empty-slab limit is destroyed (destructor on every object, pages back to buddy).</li>
 *   <li>screen ({@link #check}): the cache id in the header, the slot arithmetic (Lemire's divisor), the state map
 *       (or bufctl): a wrong cache, an interior or padding address, a free object each throw, nothing changed.</li>
 * </ol>
 */
final class SlabLayer {
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

    private final SlabAllocator owner;
    final int id;
    private final String name;
    final CacheGeometry g;
    final @Nullable Consumer<MemorySegment> constructor;
    private final @Nullable Consumer<MemorySegment> destructor;
    final int emptyLimit;
    private final MemorySegment mem;
    /** The slab layer's state map: SLOT_LIVE or SLOT_FREE for every slot start of an on-slab slab. */
    private final GranuleMap states;
    /** The free slots' links, encoded with {@code secure=on} (the allocator's, one key per heap; SEC-1). */
    private final SecureLinks links;
    /** Lemire's divisor for slot indexes: {@code off / slot = unsignedMultiplyHigh(off, divisor)} for off &lt; 2^32. */
    private final long divisor;
    private final Debug.Sites sites;
    /** The cache's debug areas (a cache without debug flags never calls it). */
    final Debug debug;

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

    SlabLayer(SlabAllocator owner, int id, String name, CacheGeometry g, @Nullable Consumer<MemorySegment> constructor,
              @Nullable Consumer<MemorySegment> destructor, int emptyLimit) {
        this.owner = owner;
        this.id = id;
        this.name = name;
        this.g = g;
        this.constructor = constructor;
        this.destructor = destructor;
        this.emptyLimit = emptyLimit;
        this.mem = Inspection.of(owner).heap().memory();
        this.states = owner.states;
        this.links = owner.links;
        this.divisor = Long.divideUnsigned(-1L, g.slot()) + 1;
        this.sites = owner.sites;
        this.debug = new Debug(name, g, mem, owner.sites);
    }

    /**
     * Returns the rounds of {@code mags} to their slabs (their counts set to 0) and destroys the empty slabs beyond
     * the limit; the magazines themselves are the caller's.
     */
    void returnRounds(List<Magazine> mags) {
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

    /** Destroys empty slabs beyond {@code keep}; returns the bytes of pages returned. */
    long destroyEmpties(int keep) {
        List<Long> victims = new ArrayList<>();
        synchronized (slabLock) {
            trimEmpties(keep, victims);
        }
        destroyAll(victims);
        return victims.size() * g.slabBytes();
    }

    // ================================================================== object state (state map / marker / bufctl)
    private long slotAt(long base, int color, long index) {
        return base + color + index * g.slot();
    }

    long bufctl(long h, long index) {
        return h + HEADER + 4 * index;
    }

    /**
     * The live object whose slot holds {@code address} in the slab at header {@code h} (kmalloc under {@code debug=F}
     * alone: a payload past its head), or -1 when {@code address} is in no slot or its slot is free or a round.
     */
    long liveObjectAt(long h, long address) {
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        long off = address - base - color;
        if (off < 0 || off >= g.avail()) {
            return -1;
        }
        long index = Math.unsignedMultiplyHigh(off, divisor);
        if (index >= g.capacity()) {
            return -1;
        }
        long slot = slotAt(base, color, index);
        return isFreeSlot(h, slot, index) ? -1 : slot + g.redLeft();
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

    void markCached(long h, long obj) {
        long slot = obj - g.redLeft();
        if (g.onSlab()) {
            mem.set(LONG, slot + g.markerOffset(), slot ^ FREE_TAG);
            states.set(slot, SLOT_FREE);
        } else {
            long index = indexOf(mem.get(LONG, h + H_BASE), mem.get(INT, h + H_COLOR), slot);
            mem.set(INT, bufctl(h, index), BUFCTL_CACHED);
        }
    }

    void markLive(long obj) {
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
    long headerOf(long obj) {
        return owner.pageMap.get(obj >>> SlabPageEntry.PAGE_SHIFT);
    }

    // ================================================================== misuse screen
    /** Screens {@code obj} in the slab at header {@code h} (already validated as a header): returns {@code h} or throws. */
    long check(long h, long obj, String op) {
        int cacheId = mem.get(INT, h + H_CACHE);
        if (cacheId != id) {
            String other = owner.registry.nameOf(cacheId);
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
                    + (isCachedSlot(h, index) ? " (a round in a magazine)" : "") + " (double free?)" + debug.trackText(slot), obj);
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
                sanityCheckFree(h, obj); // F
                debug.debugFree(obj, site); // Z, P, U
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
            long next = nextFree(h, base, color, slot); // checked before anything changes (secure=on)
            if (g.debug() != 0) {
                debug.debugAlloc(slot);
            }
            mem.set(LONG, h + H_FREE, next);
            states.set(slot, SLOT_LIVE);
        } else {
            long index = mem.get(LONG, h + H_FREE);
            if (index < 0 || index >= g.capacity() || mem.get(INT, bufctl(h, index)) < BUFCTL_END) {
                throw brokenFreeList(h, base, index);
            }
            slot = slotAt(base, color, index);
            if (g.debug() != 0) {
                debug.debugAlloc(slot);
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
            debug.debugAllocated(slot, site);
        }
        return obj;
    }

    HeapCorruptionException brokenFreeList(long h, long base, long what) {
        return new SlabCorruptionException(name + ": the free list of the slab at " + hex(base) + " is broken: its head " + hex(what)
                + " is not a free slot of the slab (a write into a freed object?)", SlabCorruptionException.Kind.SLAB_METADATA, name, what);
    }

    // ================================================================== free slots' links (secure=on|off, SEC-1)
    /**
     * The link of the free on-slab slot {@code slot} of the slab at header {@code h}: the next free slot, or 0. With
     * {@code secure=on} it is decoded and checked before anyone follows it ({@link #checkedNext}); off, the word is
     * the link (one branch on a final field).
     */
    long nextFree(long h, long base, int color, long slot) {
        long word = slot + g.linkOffset();
        long stored = mem.get(LONG, word);
        return links.on() ? checkedNext(h, base, color, slot, word, stored) : stored;
    }

    /**
     * SEC-1 for a slab: the word stored at {@code word} in the free slot {@code slot} decodes to 0 or to a free slot
     * of the same slab, else a stray write changed it and it is not followed.
     *
     * @throws FreeListCorruptionException naming the cache, the object, the word found and what it decodes to
     */
    @Enforces("SEC-1")
    private long checkedNext(long h, long base, int color, long slot, long word, long stored) {
        long next = links.decodeUnchecked(word, stored);
        if (next != 0) {
            long index = indexOf(base, color, next);
            if (index < 0 || !isFreeSlot(h, next, index)) {
                throw links.corrupted(slot + g.redLeft(), word, stored, next, "not a free slot of its " + name + " slab at " + hex(base)
                        + " (nor 0), in the heap");
            }
        }
        return next;
    }

    /** The link of the free on-slab slot {@code slot}, decoded but unchecked: the checker's walks ({@link SlabWalk}). */
    long nextFreeUnchecked(long slot) {
        return links.loadUnchecked(slot + g.linkOffset());
    }

    /** Stores {@code next} as the link of the free on-slab slot {@code slot} (encoded with {@code secure=on}). */
    private void setNext(long slot, long next) {
        long word = slot + g.linkOffset();
        mem.set(LONG, word, links.encode(word, next));
    }

    /** Puts {@code slot} (not the caller's any more) on its slab's free list and moves the slab as its count says. */
    private void putBack(long h, long slot) {
        if (g.onSlab()) {
            setNext(slot, mem.get(LONG, h + H_FREE));
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
        // off-slab: the descriptor first, so a pop of the kmalloc cache that refuses a corrupted link (secure=on)
        // throws before this slab's pages are taken
        long descriptor = g.onSlab() ? 0 : owner.allocDescriptor(g.descriptorBytes());
        if (!g.onSlab() && descriptor == 0) {
            return 0;
        }
        long base = owner.allocSlabPages(g.order());
        if (base == 0) {
            if (!g.onSlab()) {
                owner.freeDescriptor(descriptor);
            }
            return 0;
        }
        long h = g.onSlab() ? base + g.slabBytes() - HEADER : descriptor;
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
                setNext(slot, i + 1 < n ? slotAt(base, color, i + 1) : 0L);
                mem.set(LONG, slot + g.markerOffset(), slot ^ FREE_TAG);
            } else {
                mem.set(INT, bufctl(h, i), i + 1 < n ? i + 1 : BUFCTL_END);
            }
            if (g.debug() != 0) {
                debug.initDebugAreas(slot);
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

    /** F: the slab header is intact and the live object is not on its slab's free list; throws before changing anything. */
    private void sanityCheckFree(long h, long obj) {
        long slot = obj - g.redLeft();
        if (g.sanityChecks()) {
            int inuse = mem.get(INT, h + H_INUSE);
            if (inuse < 1 || inuse > g.capacity()) {
                throw new SlabCorruptionException(name + ": free(" + hex(obj) + "): the slab's in-use count is " + inuse + ", not in [1, "
                        + g.capacity() + "]", SlabCorruptionException.Kind.SLAB_METADATA, name, obj);
            }
            if (onFreeList(h, slot)) { // live in the state map (the screen passed) yet on the free list: they disagree
                throw new SlabCorruptionException(name + ": free(" + hex(obj) + "): the object is live but on its slab's free list"
                        + " (a corrupted free list or state map)" + debug.trackText(slot), SlabCorruptionException.Kind.SLAB_METADATA, name, obj);
            }
        }
    }

    /** True when {@code slot} is on the free list of slab {@code h} (bounded walk). */
    private boolean onFreeList(long h, long slot) {
        long base = mem.get(LONG, h + H_BASE);
        int color = mem.get(INT, h + H_COLOR);
        long steps = 0;
        if (g.onSlab()) {
            for (long s = mem.get(LONG, h + H_FREE); s != 0 && steps++ <= g.capacity(); s = nextFree(h, base, color, s)) {
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
            allocSite = a == 0 ? "" : sites.name(a);
            freeSite = f == 0 ? "" : sites.name(f);
            allocThread = mem.get(INT, t + 4);
            freeThread = mem.get(INT, t + 12);
        }
        return new SlabObjectInfo(name, obj, base, (int) index, state, allocSite, allocThread, freeSite, freeThread);
    }

}
