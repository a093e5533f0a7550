package org.jalloc.slab;

import static org.jalloc.slab.AddressScreen.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.FreeListCorruptionException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.events.SlowPathEvent;
import org.jalloc.core.events.TrimEvent;
import org.jalloc.core.memory.GranuleMap;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.EngineSanity;
import org.jalloc.core.spi.FreeChecksOnRequest;
import org.jalloc.core.pagemap.RadixPageMap;
import org.jalloc.core.percpu.Scavenger;
import org.jalloc.core.percpu.ThreadRegistry;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.HeapWalk;

/**
 * SLUB (Christoph Lameter, Linux 2.6.22, the default since 2.6.23; {@code mm/slub.c}) over the buddy system: kmalloc
 * caches whose slabs have no header and no queues — a free object carries the free pointer, a slab's metadata lives
 * in a page descriptor table, each thread allocates from its own active slab without locks or atomics, and frees
 * into another thread's slab go on that slab's lock-free remote list. The {@code slub} allocator of {@code ./jalloc}.
 *
 * <h2>Nouns</h2>
 * <b>cache</b>: objects of one size (kmalloc-16 ... kmalloc-8k, and 96, 192 unless merged), slabs of one order.
 * <b>slab</b>: a buddy block of {@code 2^order} pages cut into {@code objects} objects from its first byte, no header.
 * <b>free pointer</b>: the next free object's address, stored inside a free object at {@code offset} (the middle of
 * the object, word aligned, as Linux since 5.7), optionally <b>hardened</b>: stored as
 * {@code next ^ random ^ reverseBytes(slot)} with a per-cache random value ({@code CONFIG_SLAB_FREELIST_HARDENED}).
 * <b>page descriptor</b>: per slab (indexed by its first frame, in chunks of 512 frames made on first use, outside the
 * heap): {@code freelist}, {@code inuse}, {@code cache}, {@code owner}, {@code arena}, partial-list links and the
 * {@code remote} word. <b>active slab</b>: the slab a thread allocates from (Linux's per-CPU slab, "frozen"); its
 * free objects are the thread's <b>cpu free list</b>. <b>remote list</b>: objects other threads freed into an active
 * slab, a lock-free stack in the {@code remote} word. <b>detached slab</b>: no owner; {@code remote = DETACHED};
 * on its arena's <b>partial list</b> when it has free objects. <b>arena</b>: a set of partial lists under one lock
 * (Linux's per-node {@code kmem_cache_node}); a thread uses arena {@code id mod arenas}.
 *
 * <h2>Layout</h2>
 * <pre>
 *  slab (2^order pages, no header)                                 descriptor (outside the heap)
 *  | obj 0 | obj 1 (free: fp at offset) | obj 2 | ... | obj n-1 | slack |   freelist, inuse, cache, owner,
 *                 fp = encode(slot, next free)                             arena, next/prev, remote
 *  remote word:  0 | address of the last remotely freed object (a stack through the free pointers) | DETACHED (1)
 *  state map (GranuleMap): LIVE or FREE per object start (exact double frees, never the object's bytes)
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>SLUB-1: every object of a slab is in exactly one place — allocated, the owner's cpu free list, the slab's
 *       remote list, or the slab's own free list — the state map says FREE exactly for the listed ones, and
 *       {@code inuse = objects − |freelist|} for a detached slab, {@code inuse = objects ∧ freelist = ∅} for an
 *       active one. Every free pointer decodes to an object start of its slab or 0.</li>
 *   <li>SLUB-2: the page descriptors agree with the walk: every slab is an allocated buddy block of its cache's order
 *       whose pages the page map names; every allocated buddy block is a slab or a large block; free pages are
 *       named by nothing.</li>
 *   <li>SLUB-3: ownership and lists: an active slab is the active slab of exactly its owner thread and its remote
 *       word is not DETACHED; a detached slab's is; a detached slab is on its arena's partial list exactly when
 *       it has free objects; the lists are circular, doubly linked and counted; at most {@code empty-slabs} empty
 *       slabs per cache and arena.</li>
 *   <li>SLUB-4 (only with {@code debug=F} alone): every live block {@code b} carries its head,
 *       {@code mem[b] = front = 2^j ≥ 16}, {@code b ≡ 0 mod front}, {@code mem[b + front − 8] = size(b) − front} (SCOPED aside).</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>alloc, fast path (no lock, no atomic): pop the thread's cpu free list, mark the object LIVE.</li>
 *   <li>alloc, slow path: take the active slab's whole remote list ({@code getAndSet(remote, 0)}) as the new cpu
 *       free list; if it was empty the active slab is full: deactivate it. Then activate the first slab of the
 *       arena's partial list (under the arena lock: its free list becomes the cpu free list, {@code inuse =
 *       objects}, {@code remote = 0}), else a new slab from buddy, else another arena's partial slab, else reclaim
 *       (dead threads' slabs, every empty slab) and retry once; then 0.</li>
 *   <li>free(p): screen p in O(1) (page map, slot arithmetic, state map), mark it FREE. If p's slab is the calling
 *       thread's active slab: push on the cpu free list (no lock, no atomic). Else, while the remote word is not
 *       DETACHED: write p's free pointer to the word's value and CAS the word to p (one CAS). A DETACHED slab takes
 *       the arena lock: push on the slab's free list, {@code inuse--}, full → partial list, empty beyond the limit
 *       → back to buddy.</li>
 *   <li>deactivate (under the arena lock): {@code getAndSet(remote, DETACHED)} — from here on, freers take the lock —
 *       then the cpu free list and the taken remote list become the slab's free list, {@code inuse} is what they
 *       leave, and the slab goes where its count says (no list, partial, or buddy). A thread's slabs are
 *       deactivated on {@link #detach()}, by the dead-owner sweep, and by {@link #shrink()} for the caller.</li>
 * </ol>
 *
 * <h2>debug=F alone (the engine's own, no layer: {@link #checkFreesAlone})</h2>
 * <pre>
 *  block b (an object or a large block)     u = b + front (16, or the alignment), handed to the caller
 *  | front | ... | usable (| SCOPED, | FREED) | payload: usable = size(b) − front bytes ... |
 *   mem[b]        mem[u − 8]
 * </pre>
 * malloc asks for {@code front + max(n, 16)} bytes and writes the two words. free(u): u is 16-aligned in the heap,
 * its page a slab's (slot {@code k = (u − e) / size}, {@code b = e + k·size}, the state map LIVE at b) or a large
 * block's, and {@code mem[b] = u − b} — exact, from metadata outside the heap and the block's own front word, below
 * the payload — else the ring of recent frees names a double free, or it is an invalid pointer; then the size word
 * must read {@code size(b) − front} (a word of no size of this heap — a 1-byte underrun — is an invalid pointer,
 * another size the comparison's corruption report) and is claimed by one CAS to {@code | FREED}: of two racing frees
 * one passes; then the views' arena closed if SCOPED and the ring told, then the engine's free (so a racing free
 * that finds the block free finds it in the ring: a double free, not an invalid pointer). Reports and ring: core's
 * {@code EngineSanity}; the head's steps: {@link FreeHeads}, shared with slab's kmalloc face.
 *
 * <h2>Misuse detected in O(1), nothing changed</h2>
 * Not 16-aligned, outside the heap, on a page of no slab, not an object start (interior, slack), inside a large
 * block ({@link InvalidPointerException}); an object that is free (the state map) or a large block freed twice
 * ({@link DoubleFreeException}).
 *
 * <h2>Concurrency</h2>
 * Lock order: an arena's lock, then the page lock (buddy and the page map). The remote word is the only shared word
 * a free touches without a lock; the handoff is modelled in {@code spec/models/slub.als}. Threads, the dead-owner
 * sweep are core's {@link ThreadRegistry}, the scavenger trigger core's {@link Scavenger}; virtual threads get no
 * active slab (they allocate and free under the arena lock). The walk, {@link #stats()} and {@link #slabinfo()}
 * read without locks: exact at quiescent points.
 */
public final class SlubAllocator extends AbstractAllocator implements FreeChecksOnRequest {
    static final long PAGE_SIZE = SlabAllocator.PAGE_SIZE;
    static final int PAGE_SHIFT = 12;
    /** Linux's {@code PAGE_ALLOC_COSTLY_ORDER}: slabs of at most 8 pages. */
    static final int MAX_SLAB_ORDER = 3;
    static final long DETACHED = 1;
    static final byte LIVE = 0;
    static final byte FREE = 1;
    static final int CHUNK_BITS = 9;
    static final int CHUNK = 1 << CHUNK_BITS;
    static final int DEFAULT_EMPTY_SLABS = 2;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final VarHandle REMOTE = MethodHandles.arrayElementVarHandle(long[].class);
    /** Under {@code debug=F}: the head before each payload, at least one granule (the front word and the size word). */
    static final long HEAD = FreeHeads.HEAD;
    /** The head's size word flags under {@code debug=F}: the block has views; the block is being freed or was freed. */
    static final long SCOPED = FreeHeads.SCOPED;
    static final long FREED = FreeHeads.FREED;

    /** A kmalloc cache: geometry and the hardening value; its slabs are in the descriptor table. */
    static final class Cache {
        final int index;
        final String name;
        final long size;
        final int order;
        final int objects;
        final long offset;
        final long random;
        final long slabBytes;

        Cache(int index, long size, boolean hardened, SplittableRandom rnd) {
            this.index = index;
            this.name = SlabAllocator.kmallocName(size);
            this.size = size;
            this.order = orderFor(size);
            this.slabBytes = PAGE_SIZE << order;
            this.objects = (int) (slabBytes / size);
            this.offset = (size / 2) & -8L;
            this.random = hardened ? rnd.nextLong() | 1 : 0;
        }

        /** Linux's calculate_order on 2 CPUs: the smallest order with at least 12 objects (fewer if 8 pages hold fewer) and at most 1/16 waste. */
        static int orderFor(long size) {
            long want = Math.min(12, (PAGE_SIZE << MAX_SLAB_ORDER) / size);
            for (int k = 0; k < MAX_SLAB_ORDER; k++) {
                long bytes = PAGE_SIZE << k;
                if (bytes / size >= want && (bytes % size) * 16 <= bytes) {
                    return k;
                }
            }
            return MAX_SLAB_ORDER;
        }
    }

    /** The page descriptors of 512 frames (only first frames of slabs are used). Never moved once made. */
    static final class Chunk {
        final long[] freelist = new long[CHUNK];
        final long[] remote = new long[CHUNK];
        final int[] inuse = new int[CHUNK];
        final int[] cache = new int[CHUNK];
        final int[] owner = new int[CHUNK];
        final byte[] arena = new byte[CHUNK];
        final long[] next = new long[CHUNK];
        final long[] prev = new long[CHUNK];
    }

    /** An arena: per cache, a circular list of detached slabs with free objects (partial first, empty at the tail). */
    static final class Arena {
        final long[] head;
        final int[] count;
        final int[] empties;

        Arena(int caches) {
            head = new long[caches];
            count = new int[caches];
            empties = new int[caches];
        }
    }

    /** A platform thread's active slabs: per cache, the slab and its cpu free list. Touched only by its owner. */
    static final class CpuSlabs {
        /** The platform thread the record belongs to. */
        final Thread owner;
        /** A number for slab ownership and list names, unique within the allocator. */
        final int id;
        final long[] active;
        final long[] freelist;
        final int arena;

        CpuSlabs(Thread owner, int id, int caches, int arenas) {
            this.owner = owner;
            this.id = id;
            this.active = new long[caches];
            this.freelist = new long[caches];
            this.arena = id % arenas;
        }
    }

    final BuddyPages pages;
    final RadixPageMap.Words pageMap;
    final GranuleMap states;
    final Object pageLock = new Object();
    private final MemorySegment mem;
    /** debug=F alone's head below each payload (its steps: {@link FreeHeads}). */
    private final FreeHeads heads;
    private final long firstAddress;
    final Cache[] caches;
    /** Cache by kmalloc class index (merged classes share a cache). */
    private final Cache[] byClass;
    final Arena[] arenas;
    final int emptyLimit;
    final boolean hardened;
    final boolean merge;
    final @Nullable Chunk[] chunks;
    final Threads registry = new Threads();
    /** Triggers {@link #scavenge()}'s pass every {@link SlabAllocator#SCAVENGE_EVERY}th operation off the fast path. */
    private final Scavenger scavenger = new Scavenger(SlabAllocator.SCAVENGE_EVERY);

    /** The active-slab records of platform threads (core's per-thread registry: hint, thread-local, dead sweep). */
    final class Threads extends ThreadRegistry<CpuSlabs> {
        Threads() {
            super(CpuSlabs[]::new);
        }

        @Override
        protected Thread ownerOf(CpuSlabs record) {
            return record.owner;
        }

        @Override
        protected CpuSlabs newRecord(@Nullable Thread owner, int id) {
            if (owner == null) {
                throw new NullPointerException("owner");
            }
            return new CpuSlabs(owner, id, caches.length, arenas.length);
        }
    }
    private @MonotonicNonNull SlubWalk walk;
    /** {@code debug=F} alone done by this engine (null: off): set once by {@link #checkFreesAlone}, before any block. */
    private @Nullable EngineSanity checks;

    // statistics (under the page lock)
    private long slabsCreated;
    private long slabsDestroyed;
    /** kmalloc's large blocks and their counters (under the page lock). */
    private final LargeBlocks large;
    private long reclaims;

    private SlubAllocator(String name, Heap heap, int arenaCount, int emptyLimit, boolean hardened, boolean merge) {
        super(name, heap);
        this.pages = new BuddyPages(heap, PAGE_SIZE, SlabAllocator.pageOrder(0, heap));
        this.pageMap = SlabPageEntry.newMap(heap);
        this.large = new LargeBlocks(pages, pageMap);
        this.states = new GranuleMap(heap);
        this.mem = heap.memory();
        this.heads = new FreeHeads(mem, false, name, pageMap, pageLock);
        this.firstAddress = pages.firstAddress();
        this.emptyLimit = emptyLimit;
        this.hardened = hardened;
        this.merge = merge;
        SplittableRandom rnd = new SplittableRandom(System.nanoTime() ^ 0x5EED_5106L);
        List<Cache> made = new ArrayList<>();
        this.byClass = new Cache[SlabAllocator.KMALLOC_SIZES.length];
        for (int i = 0; i < byClass.length; i++) {
            long size = SlabAllocator.KMALLOC_SIZES[i];
            if (merge && (size == 96 || size == 192)) {
                continue;
            }
            Cache c = new Cache(made.size(), size, hardened, rnd);
            made.add(c);
            byClass[i] = c;
        }
        for (int i = byClass.length - 1; i >= 0; i--) {
            if (byClass[i] == null) {
                byClass[i] = byClass[i + 1]; // merged into the next class up
            }
        }
        this.caches = made.toArray(new Cache[0]);
        this.arenas = new Arena[arenaCount];
        for (int a = 0; a < arenaCount; a++) {
            arenas[a] = new Arena(caches.length);
        }
        this.chunks = new Chunk[(int) ((heap.limit() >>> PAGE_SHIFT >>> CHUNK_BITS) + 1)];
    }

    /**
     * A SLUB allocator over {@code heap} (empty), which it owns from now on.
     *
     * @param arenas     partial-list arenas (1-64); 0 takes the processor count, at most 8
     * @param emptyLimit empty slabs each cache keeps per arena before returning further ones to buddy
     * @param hardened   encode free pointers with a per-cache random value
     * @param merge      fold kmalloc-96 into kmalloc-128 and kmalloc-192 into kmalloc-256
     */
    static SlubAllocator create(String name, Heap heap, int arenas, int emptyLimit, boolean hardened, boolean merge) {
        if (arenas < 0 || arenas > 64) {
            throw new IllegalArgumentException("slub: arenas must be in [0, 64], got " + arenas);
        }
        if (emptyLimit < 0) {
            throw new IllegalArgumentException("slub: empty-slabs must not be negative, got " + emptyLimit);
        }
        int n = arenas == 0 ? Math.min(8, Runtime.getRuntime().availableProcessors()) : arenas;
        return new SlubAllocator(name, heap, n, emptyLimit, hardened, merge);
    }

    /** The default {@code slub} over a new heap of {@code heapBytes}. */
    public static SlubAllocator create(long heapBytes) {
        return create(heapBytes, 0, DEFAULT_EMPTY_SLABS, true, false);
    }

    /**
     * {@code slub} with its options over a new heap of {@code heapBytes}, named as its spec would be
     * ({@code slub:arenas=2,merge=on} for the options that differ from the defaults).
     *
     * @param arenas     partial-list arenas, 0 to 64 (0: the processor count, at most 8)
     * @param emptySlabs empty slabs each cache keeps per arena
     * @param hardened   obfuscate the free pointers stored in free objects
     * @param merge      fold kmalloc-96 into kmalloc-128 and kmalloc-192 into kmalloc-256
     */
    public static SlubAllocator create(long heapBytes, int arenas, int emptySlabs, boolean hardened, boolean merge) {
        List<String> differ = new ArrayList<>();
        if (arenas != 0) {
            differ.add("arenas=" + arenas);
        }
        if (emptySlabs != DEFAULT_EMPTY_SLABS) {
            differ.add("empty-slabs=" + emptySlabs);
        }
        if (!hardened) {
            differ.add("hardened=off");
        }
        if (merge) {
            differ.add("merge=on");
        }
        Heap heap = Heap.reserve(heapBytes);
        try {
            return create(differ.isEmpty() ? "slub" : "slub:" + String.join(",", differ), heap, arenas, emptySlabs, hardened, merge);
        } catch (RuntimeException e) {
            heap.close();
            throw e;
        }
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.CONCURRENT;
    }

    // ================================================================== descriptors

    @Nullable Chunk chunkOf(long base) {
        int c = (int) (base >>> PAGE_SHIFT >>> CHUNK_BITS);
        return c >= 0 && c < chunks.length ? chunks[c] : null;
    }

    Chunk chunk(long base) {
        Chunk ch = chunkOf(base);
        if (ch == null) {
            throw new HeapCorruptionException(name() + ": no page descriptor for the slab at " + hex(base), base);
        }
        return ch;
    }

    static int slot(long base) {
        return (int) ((base >>> PAGE_SHIFT) & (CHUNK - 1));
    }

    /** The cache of the slab at {@code base}, or null when its descriptor names none. */
    @Nullable Cache cacheOf(long base) {
        Chunk ch = chunkOf(base);
        if (ch == null) {
            return null;
        }
        int id = ch.cache[slot(base)];
        return id >= 0 && id < caches.length ? caches[id] : null;
    }

    long encode(Cache c, long object, long next) {
        return c.random == 0 ? next : next ^ c.random ^ Long.reverseBytes(object + c.offset);
    }

    /** The free pointer stored in the free object {@code object}, decoded. */
    long nextFree(Cache c, long object) {
        return encode(c, object, mem.get(LONG, object + c.offset));
    }

    /**
     * The free pointer of the free object {@code object}, decoded and, when hardened ({@code secure=on}), checked
     * before it is followed (SEC-1): 0 or an object start of the same slab, else a stray write changed it.
     */
    @Enforces("SEC-1")
    long nextFreeChecked(Cache c, long object) {
        long stored = mem.get(LONG, object + c.offset);
        long next = encode(c, object, stored);
        if (c.random != 0 && next != 0) {
            long base = object & -c.slabBytes;
            long off = next - base;
            if (off < 0 || off >= c.slabBytes || off % c.size != 0 || off / c.size >= c.objects) {
                throw new FreeListCorruptionException(name() + ": the free pointer of free object 0x"
                        + Long.toHexString(object) + " of " + c.name + " (word at 0x" + Long.toHexString(object + c.offset)
                        + ") is corrupted: found 0x" + Long.toHexString(stored) + ", which decodes to 0x" + Long.toHexString(next)
                        + ", not an object of its slab [0x" + Long.toHexString(base) + ", 0x" + Long.toHexString(base + c.slabBytes)
                        + "); a write after free into 0x" + Long.toHexString(object) + "? (secure=on, hardened: the pointer is not followed)",
                        object, object + c.offset, stored, next);
            }
        }
        return next;
    }

    private void setNext(Cache c, long object, long next) {
        mem.set(LONG, object + c.offset, encode(c, object, next));
    }

    // ================================================================== threads

    private @Nullable CpuSlabs cpu() {
        return registry.current();
    }

    /** Deactivates the calling thread's active slabs and forgets its record (the next operation attaches afresh). */
    public void detach() {
        CpuSlabs t = registry.detachCurrent();
        if (t != null) {
            flush(t);
        }
    }

    private void flush(CpuSlabs t) {
        for (Cache c : caches) {
            deactivate(t, c);
        }
    }

    private void sweepDeadThreads() {
        for (CpuSlabs t : registry.removeDead()) {
            flush(t);
        }
    }

    /** Deactivates the slabs of platform threads that have ended. */
    public void scavenge() {
        scavenger.run(this::sweepDeadThreads);
    }

    /**
     * Deactivates the calling thread's active slabs and those of ended threads, then returns every empty slab to buddy.
     *
     * @return bytes of slab pages returned
     */
    public long shrink() {
        sweepDeadThreads();
        CpuSlabs own = registry.existing();
        if (own != null) {
            flush(own);
        }
        long bytes = 0;
        for (int a = 0; a < arenas.length; a++) {
            bytes += destroyEmpties(a);
        }
        return bytes;
    }

    /**
     * {@code malloc_trim}: {@link #shrink()} (the caller's active slabs and those of ended threads deactivated, every
     * empty slab back to buddy), then the whole pages inside buddy's free blocks go back to the OS. Pages of slabs are
     * never released (a free object holds its free pointer), only pages no slab owns; other threads' active slabs stay.
     *
     * @return the bytes released by this call
     */
    @Override
    public long trim() {
        return TrimEvent.timed(name(), () -> {
            shrink();
            synchronized (pageLock) {
                return releaseFreePages(pages.heapWalk(), heap);
            }
        });
    }

    private long destroyEmpties(int a) {
        long bytes = 0;
        Arena ar = arenas[a];
        synchronized (ar) {
            for (Cache c : caches) {
                long s = ar.head[c.index];
                for (int i = 0, n = ar.count[c.index]; i < n && s != 0; i++) {
                    Chunk ch = chunk(s);
                    long nx = ch.next[slot(s)];
                    if (ch.inuse[slot(s)] == 0) {
                        unlinkPartial(ar, c, s);
                        ar.empties[c.index]--;
                        destroy(c, s);
                        bytes += c.slabBytes;
                    }
                    s = nx;
                }
            }
        }
        return bytes;
    }

    // ================================================================== partial lists (arena lock held)

    private void addPartial(Arena ar, Cache c, long s, boolean atTail) {
        Chunk ch = chunk(s);
        int i = slot(s);
        long h = ar.head[c.index];
        if (h == 0) {
            ch.next[i] = s;
            ch.prev[i] = s;
            ar.head[c.index] = s;
        } else {
            Chunk hc = chunk(h);
            long t = hc.prev[slot(h)];
            Chunk tc = chunk(t);
            ch.next[i] = h;
            ch.prev[i] = t;
            tc.next[slot(t)] = s;
            hc.prev[slot(h)] = s;
            if (!atTail) {
                ar.head[c.index] = s;
            }
        }
        ar.count[c.index]++;
    }

    private void unlinkPartial(Arena ar, Cache c, long s) {
        Chunk ch = chunk(s);
        int i = slot(s);
        long n = ch.next[i];
        long p = ch.prev[i];
        if (n == s) {
            ar.head[c.index] = 0;
        } else {
            chunk(p).next[slot(p)] = n;
            chunk(n).prev[slot(n)] = p;
            if (ar.head[c.index] == s) {
                ar.head[c.index] = n;
            }
        }
        ch.next[i] = 0;
        ch.prev[i] = 0;
        ar.count[c.index]--;
    }

    /** A detached slab gained a free object or was deactivated: file it by its count (arena lock held). */
    private void fileDetached(Arena ar, Cache c, long s, boolean listed) {
        int inuse = chunk(s).inuse[slot(s)];
        if (inuse == c.objects) {
            if (listed) {
                unlinkPartial(ar, c, s);
            }
            return;
        }
        if (inuse == 0) {
            if (ar.empties[c.index] >= emptyLimit) {
                if (listed) {
                    unlinkPartial(ar, c, s);
                }
                destroy(c, s);
                return;
            }
            ar.empties[c.index]++;
            if (listed) {
                unlinkPartial(ar, c, s);
            }
            addPartial(ar, c, s, true);
            return;
        }
        if (!listed) {
            addPartial(ar, c, s, false);
        }
    }

    // ================================================================== slabs

    /** A new slab of {@code c} from buddy, its objects chained as a free list; 0 when the heap is full. */
    private long newSlab(Cache c, int arena, int owner) {
        long base;
        synchronized (pageLock) {
            base = pages.allocPages(c.order);
            if (base == 0) {
                return 0;
            }
            int ci = (int) (base >>> PAGE_SHIFT >>> CHUNK_BITS);
            if (chunks[ci] == null) {
                chunks[ci] = new Chunk();
            }
        }
        for (int k = 0; k < c.objects; k++) {
            long o = base + k * c.size;
            setNext(c, o, k + 1 < c.objects ? o + c.size : 0);
        }
        states.setBlocks(base, c.size, c.objects, FREE);
        Chunk ch = chunk(base);
        int i = slot(base);
        ch.cache[i] = c.index;
        ch.arena[i] = (byte) arena;
        ch.owner[i] = owner;
        ch.next[i] = 0;
        ch.prev[i] = 0;
        synchronized (pageLock) {
            pageMap.setRange(base >>> SlabPageEntry.PAGE_SHIFT, 1L << c.order, base, base);
            slabsCreated++;
        }
        SlowPathEvent.emit(name(), SlowPathEvent.SLAB_CREATED, c.name, base, c.slabBytes);
        return base;
    }

    /** Returns a detached empty slab to buddy (arena lock held). */
    private void destroy(Cache c, long s) {
        Chunk ch = chunk(s);
        int i = slot(s);
        ch.freelist[i] = 0;
        ch.owner[i] = -1;
        ch.cache[i] = -1;
        REMOTE.setRelease(ch.remote, i, 0L);
        synchronized (pageLock) {
            pageMap.setRange(s >>> SlabPageEntry.PAGE_SHIFT, 1L << c.order, 0, 0);
            pages.freePages(s, c.order);
            slabsDestroyed++;
        }
        SlowPathEvent.emit(name(), SlowPathEvent.SLAB_DESTROYED, c.name, s, c.slabBytes);
    }

    /** Makes a detached slab from {@code ar}'s partial list the active slab of {@code t}; false when there is none. */
    private boolean activatePartial(CpuSlabs t, Cache c, Arena ar) {
        synchronized (ar) {
            long s = ar.head[c.index];
            if (s == 0) {
                return false;
            }
            unlinkPartial(ar, c, s);
            Chunk ch = chunk(s);
            int i = slot(s);
            if (ch.inuse[i] == 0) {
                ar.empties[c.index]--;
            }
            t.freelist[c.index] = ch.freelist[i];
            ch.freelist[i] = 0;
            ch.inuse[i] = c.objects;
            ch.owner[i] = t.id;
            t.active[c.index] = s;
            REMOTE.setRelease(ch.remote, i, 0L);
            return true;
        }
    }

    private boolean activateNew(CpuSlabs t, Cache c) {
        long s = newSlab(c, t.arena, t.id);
        if (s == 0) {
            return false;
        }
        Chunk ch = chunk(s);
        int i = slot(s);
        ch.freelist[i] = 0;
        ch.inuse[i] = c.objects;
        REMOTE.setRelease(ch.remote, i, 0L);
        t.active[c.index] = s;
        t.freelist[c.index] = s;
        return true;
    }

    /** Gives {@code t}'s active slab of {@code c} back: its cpu free list and remote list become the slab's. */
    private void deactivate(CpuSlabs t, Cache c) {
        long s = t.active[c.index];
        if (s == 0) {
            return;
        }
        Chunk ch = chunk(s);
        int i = slot(s);
        Arena ar = arenas[ch.arena[i]];
        synchronized (ar) {
            long r = (long) REMOTE.getAndSet(ch.remote, i, DETACHED);
            long local = t.freelist[c.index];
            int n = 0;
            long tail = 0;
            for (long x = local; x != 0 && n <= c.objects; x = nextFree(c, x)) {
                tail = x;
                n++;
            }
            for (long x = r; x != 0 && n <= c.objects; x = nextFree(c, x)) {
                n++;
            }
            long head = local;
            if (tail != 0) {
                setNext(c, tail, r);
            } else {
                head = r;
            }
            ch.freelist[i] = head;
            ch.inuse[i] = c.objects - n;
            ch.owner[i] = -1;
            t.active[c.index] = 0;
            t.freelist[c.index] = 0;
            fileDetached(ar, c, s, false);
        }
    }

    // ================================================================== alloc

    private long alloc(Cache c) {
        CpuSlabs t = cpu();
        if (t == null) {
            return allocLocked(c, arenas[(int) (Thread.currentThread().threadId() % arenas.length)]);
        }
        long obj = t.freelist[c.index];
        if (obj != 0) {
            t.freelist[c.index] = nextFreeChecked(c, obj);
            states.set(obj, LIVE);
            return obj;
        }
        return allocSlow(t, c);
    }

    private long allocSlow(CpuSlabs t, Cache c) {
        scavenger.countAndTick(now -> sweepDeadThreads());
        long s = t.active[c.index];
        if (s != 0) {
            Chunk ch = chunk(s);
            long r = (long) REMOTE.getAndSet(ch.remote, slot(s), 0L);
            if (r != 0) {
                t.freelist[c.index] = r;
                return pop(t, c);
            }
            deactivate(t, c);
        }
        if (activatePartial(t, c, arenas[t.arena]) || activateNew(t, c)) {
            return pop(t, c);
        }
        for (Arena ar : arenas) {
            if (activatePartial(t, c, ar)) {
                return pop(t, c);
            }
        }
        reclaim();
        return activatePartial(t, c, arenas[t.arena]) || activateNew(t, c) ? pop(t, c) : 0;
    }

    private long pop(CpuSlabs t, Cache c) {
        long obj = t.freelist[c.index];
        t.freelist[c.index] = nextFreeChecked(c, obj);
        states.set(obj, LIVE);
        return obj;
    }

    /** Allocation without an active slab (virtual threads): from a detached slab under the arena lock. */
    private long allocLocked(Cache c, Arena ar) {
        for (int attempt = 0; attempt < 2; attempt++) {
            synchronized (ar) {
                long s = ar.head[c.index];
                if (s == 0) {
                    s = newSlab(c, indexOf(ar), -1);
                    if (s != 0) {
                        Chunk ch = chunk(s);
                        int i = slot(s);
                        ch.freelist[i] = s;
                        ch.inuse[i] = 0;
                        REMOTE.setRelease(ch.remote, i, DETACHED);
                        ar.empties[c.index]++;
                        addPartial(ar, c, s, false);
                    }
                }
                if (s != 0) {
                    Chunk ch = chunk(s);
                    int i = slot(s);
                    long obj = ch.freelist[i];
                    ch.freelist[i] = nextFreeChecked(c, obj);
                    if (ch.inuse[i]++ == 0) {
                        ar.empties[c.index]--;
                    }
                    if (ch.inuse[i] == c.objects) {
                        unlinkPartial(ar, c, s);
                    }
                    states.set(obj, LIVE);
                    return obj;
                }
            }
            reclaim();
        }
        return 0;
    }

    private int indexOf(Arena ar) {
        for (int a = 0; a < arenas.length; a++) {
            if (arenas[a] == ar) {
                return a;
            }
        }
        throw new IllegalStateException("not an arena of " + name());
    }

    /** The heap is full: deactivate the caller's and dead threads' slabs, return every empty slab. */
    private void reclaim() {
        synchronized (pageLock) {
            reclaims++;
        }
        shrink();
    }

    @Override
    protected long allocate(long size) {
        if (checks != null) {
            return allocateChecked(HEAD, size);
        }
        if (size <= SlabAllocator.KMALLOC_MAX) {
            return alloc(byClass[SlabAllocator.classIndex(size)]);
        }
        int order = pages.orderFor(size);
        return order < 0 ? 0 : allocLarge(order);
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        if (checks != null) {
            return allocateChecked(alignment, size);
        }
        long need = Math.max(size, alignment);
        if (need <= SlabAllocator.KMALLOC_MAX) {
            for (int i = SlabAllocator.classIndex(need); i < byClass.length; i++) {
                if (Long.lowestOneBit(byClass[i].size) >= alignment) {
                    return alloc(byClass[i]);
                }
            }
        }
        int order = pages.orderFor(size);
        int alignOrder = pages.orderFor(alignment);
        return order < 0 || alignOrder < 0 ? 0 : allocLarge(Math.max(order, alignOrder));
    }

    private long allocLarge(int order) {
        for (int attempt = 0; attempt < 2; attempt++) {
            synchronized (pageLock) {
                long a = large.alloc(order);
                if (a != 0) {
                    return a;
                }
            }
            if (attempt == 0) {
                reclaim();
            }
        }
        return 0;
    }

    // ================================================================== free

    /** The slab base (&gt; 0) or large entry (&lt; 0) of {@code address}, screened; throws the misuse otherwise. */
    private long lookup(long address, String op) {
        AddressScreen.requireAlignedInHeap(name(), op, address, firstAddress, heap.brk(), "object");
        long e = pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
        boolean pageStart = (address & (PAGE_SIZE - 1)) == 0;
        if (e > 0) {
            Cache c = cacheOf(e);
            if (c == null) {
                throw new HeapCorruptionException(name() + ": the page map names a slab at " + hex(e) + " whose descriptor names no cache", address);
            }
            long off = address - e;
            if (off % c.size != 0 || off / c.size >= c.objects) {
                throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): not an object start of " + c.name, address);
            }
            if (states.get(address) == FREE) {
                throw new DoubleFreeException(name() + ": " + op + "(" + hex(address) + "): a free object of " + c.name + " (double free?)", address);
            }
            return e;
        }
        int k = SlabPageEntry.largeOrder(e);
        if (k >= 0 && pageStart) {
            return e;
        }
        if (e == SlabPageEntry.FREED_LARGE && pageStart) {
            throw new DoubleFreeException(name() + ": " + op + "(" + hex(address) + "): a large block freed already (double free?)", address);
        }
        if (k >= 0 || e == SlabPageEntry.LARGE_TAIL) {
            throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): inside a large block, not at its start", address);
        }
        throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): on a page of no slab and no large block", address);
    }

    @Override
    protected void deallocate(long address) {
        EngineSanity f = checks;
        if (f != null) {
            freeChecked(f, address);
            return;
        }
        long e = lookup(address, "free");
        if (e < 0) {
            freeLarge(address, SlabPageEntry.largeOrder(e));
            return;
        }
        release(caches[chunk(e).cache[slot(e)]], e, address);
    }

    /** Frees the live object {@code address} of the slab {@code e} of {@code c}, screened. */
    private void release(Cache c, long e, long address) {
        states.set(address, FREE);
        CpuSlabs t = registry.existing();
        if (t != null && t.active[c.index] == e) {
            setNext(c, address, t.freelist[c.index]);
            t.freelist[c.index] = address;
            return;
        }
        Chunk ch = chunk(e);
        int i = slot(e);
        for (;;) {
            long r = (long) REMOTE.getVolatile(ch.remote, i);
            if (r == DETACHED) {
                if (freeLocked(c, e, address)) {
                    return;
                }
                continue;
            }
            setNext(c, address, r);
            if (REMOTE.compareAndSet(ch.remote, i, r, address)) {
                return;
            }
        }
    }

    /** Frees into a detached slab under its arena's lock; false when the slab was activated meanwhile. */
    private boolean freeLocked(Cache c, long s, long object) {
        Chunk ch = chunk(s);
        int i = slot(s);
        Arena ar = arenas[ch.arena[i]];
        synchronized (ar) {
            if ((long) REMOTE.getVolatile(ch.remote, i) != DETACHED) {
                return false;
            }
            setNext(c, object, ch.freelist[i]);
            ch.freelist[i] = object;
            boolean wasFull = ch.inuse[i] == c.objects;
            ch.inuse[i]--;
            if (ch.inuse[i] == 0 && !wasFull) {
                fileDetached(ar, c, s, true);
            } else if (wasFull) {
                fileDetached(ar, c, s, false);
            }
            return true;
        }
    }

    private void freeLarge(long a, int order) {
        synchronized (pageLock) {
            large.free(name(), a, order);
        }
    }

    @Override
    protected long usable(long address) {
        EngineSanity f = checks;
        if (f != null) {
            return heads.usable(f, "usableSize", address);
        }
        long e = lookup(address, "usableSize");
        return e > 0 ? caches[chunk(e).cache[slot(e)]].size : PAGE_SIZE << SlabPageEntry.largeOrder(e);
    }

    @Override
    protected boolean resize(long address, long size) {
        EngineSanity f = checks;
        if (f != null) {
            return size <= heads.usable(f, "realloc/tryExpand", address);
        }
        long e = lookup(address, "realloc/tryExpand");
        if (e > 0) {
            return size <= caches[chunk(e).cache[slot(e)]].size;
        }
        int need = pages.orderFor(size);
        return need >= 0 && need <= SlabPageEntry.largeOrder(e);
    }

    // ================================================================== debug=F alone, done here (EngineSanity)

    /**
     * {@code slub:debug=F}: from now on every block carries a 16-byte head (or one of its alignment) and every free is
     * checked here, in the engine's own free (docs/slub.md, "debug=F"). Only before the first block.
     */
    @Override
    public boolean checkFreesAlone(String displayName) {
        synchronized (pageLock) {
            if (checks != null || slabsCreated != 0 || large.allocs != 0) {
                return false;
            }
            EngineSanity f = EngineSanity.claim(this, displayName);
            checks = f;
            heads.checkWith(f, this::blockOf, this::blockBytes);
            return true;
        }
    }

    /**
     * F's allocation: a block of {@code front + max(size, 16)} bytes aligned to {@code front} (16, or an alignment); its
     * first word holds {@code front}, the word below the payload {@code u = block + front} its usable size.
     */
    private long allocateChecked(long front, long size) {
        long need = front + Math.max(size, HEAD);
        long b;
        long bytes;
        Cache c = null;
        if (need <= SlabAllocator.KMALLOC_MAX) {
            int i = SlabAllocator.classIndex(need);
            c = byClass[i];
            while (front > HEAD && c != null && Long.lowestOneBit(c.size) < front) {
                c = ++i < byClass.length ? byClass[i] : null;
            }
        }
        if (c != null) {
            b = alloc(c);
            bytes = c.size;
        } else {
            int order = pages.orderFor(need);
            int alignOrder = pages.orderFor(front);
            if (order < 0 || alignOrder < 0) {
                return 0;
            }
            order = Math.max(order, alignOrder);
            b = allocLarge(order);
            bytes = PAGE_SIZE << order;
        }
        if (b == 0) {
            return 0;
        }
        return heads.write(b, front, bytes);
    }

    /** F's free: the exact screen (page map, slot, state map, the block's front), the head's size, an atomic claim. */
    private void freeChecked(EngineSanity f, long u) {
        long e = pageOf(f, "free", u);
        if (e <= 0) {
            long b = largeBlockOf(f, "free", u, e);
            int order = SlabPageEntry.largeOrder(pageMap.get(b >>> SlabPageEntry.PAGE_SHIFT));
            long under = (PAGE_SIZE << order) - (u - b);
            long w = heads.claim(f, "free", u, under, e);
            f.freed(u, under, (w & SCOPED) != 0); // in the ring before the block is free: a racing free that finds it free finds it there
            freeLarge(b, order);
            return;
        }
        Cache c = cacheOf(f, "free", u, e);
        long b = objectOf(f, "free", u, e, c);
        long under = c.size - (u - b);
        long w = heads.claim(f, "free", u, under, e);
        f.freed(u, under, (w & SCOPED) != 0); // views closed and the ring told before the object is free (as above)
        release(c, e, b);
    }

    /**
     * F: the cache of the slab {@code e} that {@code u}'s page names, or the misuse: a slab whose descriptor names no
     * cache is one a racing free of {@code u} just emptied and gave back (it told the ring first: a double free).
     */
    private Cache cacheOf(EngineSanity f, String op, long u, long e) {
        Cache c = cacheOf(e);
        if (c == null) {
            throw f.misuse(op, u);
        }
        return c;
    }

    private Cache cacheAt(long e, long address) {
        Cache c = cacheOf(e);
        if (c == null) {
            throw new HeapCorruptionException(name() + ": the page map names a slab at " + hex(e) + " whose descriptor names no cache", address);
        }
        return c;
    }

    /** F: the block whose live payload is {@code u}, or the misuse ({@code u} is no payload a malloc returned). */
    private long blockOf(EngineSanity f, String op, long u) {
        long e = pageOf(f, op, u);
        return e <= 0 ? largeBlockOf(f, op, u, e) : objectOf(f, op, u, e, cacheOf(f, op, u, e));
    }

    /** F's screen, first step: the page map's entry of {@code u}'s page, or the misuse ({@code u} is no 16-aligned address of the heap). */
    private long pageOf(EngineSanity f, String op, long u) {
        if ((u & (HEAD - 1)) != 0 || u < firstAddress || u >= heap.brk()) {
            throw f.misuse(op, u);
        }
        return pageMap.get(u >>> SlabPageEntry.PAGE_SHIFT);
    }

    /** F: the live object of {@code c} in slab {@code e} whose payload is {@code u} (its front word says so), or the misuse. */
    private long objectOf(EngineSanity f, String op, long u, long e, Cache c) {
        long k = (u - e) / c.size;
        long b = e + k * c.size;
        if (k >= c.objects || states.get(b) == FREE || mem.get(LONG, b) != u - b) {
            throw f.misuse(op, u);
        }
        return b;
    }

    /** F: the large block whose payload is {@code u} ({@code e}: the page map's entry of {@code u}'s page), or the misuse. */
    private long largeBlockOf(EngineSanity f, String op, long u, long e) {
        return heads.largeBlockOf(f, op, u, e, pageMap, firstAddress);
    }

    /** The bytes of the live block at {@code b} (an object of its cache, or a large block). */
    private long blockBytes(long b) {
        long e = pageMap.get(b >>> SlabPageEntry.PAGE_SHIFT);
        return e > 0 ? cacheAt(e, b).size : PAGE_SIZE << SlabPageEntry.largeOrder(e);
    }


    /** F's view of the live payload {@code u} that dies at its free ({@code segment}, {@code asSegmentAllocator}: core's; {@link FreeHeads}). */
    @Override
    public MemorySegment viewUntilFree(String op, long u, long length) {
        return heads.viewUntilFree(op, u, length);
    }

    /** F's in-place resize of the live payload {@code u} ({@code realloc}, {@code tryExpand}: core's; {@link FreeHeads}). */
    @Override
    public boolean resizeChecked(String op, long u, long size) {
        return heads.resizeChecked(op, u, size);
    }

    /** The head's steps under F alone (the walk's SLAB-8/SLUB-4 check and the payload's offset: {@link FreeHeads}). */
    FreeHeads heads() {
        return heads;
    }

    /** Whether {@code debug=F} alone is this engine's own (every block carries a head). */
    boolean checksFrees() {
        return checks != null;
    }

    // ================================================================== walk, statistics

    @Override
    protected HeapWalk walk() {
        SlubWalk w = walk;
        if (w == null) {
            w = new SlubWalk(this, heap);
            walk = w;
        }
        return w;
    }

    long firstAddress() {
        return firstAddress;
    }

    /** The cache serving {@code n}-byte kmalloc requests (merged classes share one), or null above 8 KiB. */
    @Nullable Cache cacheFor(long n) {
        return n <= SlabAllocator.KMALLOC_MAX ? byClass[SlabAllocator.classIndex(n)] : null;
    }

    /** One slabinfo row's numbers per cache: active objects, objects, active slabs, slabs (quiescent). */
    long[][] cacheCounts() {
        long[][] n = new long[caches.length][4];
        synchronized (pageLock) {
            pages.walkBlocks((address, size, free) -> {
                long e = free ? 0 : pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
                Cache c = e == address ? cacheOf(address) : null;
                if (c != null) {
                    long live = 0;
                    for (int k = 0; k < c.objects; k++) {
                        if (states.get(address + k * c.size) == LIVE) {
                            live++;
                        }
                    }
                    long[] r = n[c.index];
                    r[0] += live;
                    r[1] += c.objects;
                    r[2] += live > 0 ? 1 : 0;
                    r[3]++;
                }
                return true;
            });
        }
        return n;
    }

    /**
     * The caches in Linux's {@code /proc/slabinfo} layout (version 2.1), newest first, as SLUB prints it: the
     * tunables and {@code sharedavail} are 0 (SLUB has no queues to tune); active objects are the allocated ones.
     */
    public String slabinfo() {
        StringBuilder sb = new StringBuilder("slabinfo - version: 2.1\n");
        sb.append("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount>"
                + " <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
        long[][] n = cacheCounts();
        for (int i = caches.length - 1; i >= 0; i--) {
            Cache c = caches[i];
            sb.append(String.format(java.util.Locale.ROOT, "%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d%n", c.name,
                    n[i][0], n[i][1], c.size, c.objects, 1 << c.order, 0, 0, 0, n[i][2], n[i][3], 0));
        }
        return sb.toString();
    }

    @Override
    protected List<AllocatorMetric> metrics() {
        long[][] n = cacheCounts();
        long active = 0;
        long objects = 0;
        long slabs = 0;
        long slabBytes = 0;
        for (int i = 0; i < caches.length; i++) {
            active += n[i][0];
            objects += n[i][1];
            slabs += n[i][3];
            slabBytes += n[i][3] * caches[i].slabBytes;
        }
        List<SlubInfoMetric.Row> rows = new ArrayList<>();
        for (int i = caches.length - 1; i >= 0; i--) {
            Cache c = caches[i];
            rows.add(new SlubInfoMetric.Row(c.name, n[i][0], n[i][1], c.size, c.objects, 1 << c.order, n[i][2], n[i][3]));
        }
        long partial = 0;
        long empty = 0;
        for (Arena ar : arenas) {
            for (Cache c : caches) {
                partial += ar.count[c.index];
                empty += ar.empties[c.index];
            }
        }
        SlubMetric slub;
        String buddyinfo;
        synchronized (pageLock) {
            slub = new SlubMetric(arenas.length, emptyLimit, hardened, merge, registry.snapshot().size(), partial, empty,
                    slabsCreated, slabsDestroyed, large.allocs - large.frees, large.liveBytes, large.allocs, reclaims);
            buddyinfo = pages.buddyinfo();
        }
        return List.of(new SlubInfoMetric(caches.length, active, objects, slabs, slabBytes, rows, slabinfo()), slub,
                new SlabPagesMetric(PAGE_SIZE, pages.maxOrder(), pages.freeBytes(), buddyinfo));
    }

    /** Bytes outside the heap: buddy's side table, the page map, the state map, descriptor chunks, caches, threads. */
    long externalBytes() {
        long chunkBytes = 0;
        for (Chunk ch : chunks) {
            if (ch != null) {
                chunkBytes += CHUNK * (8 + 8 + 4 + 4 + 4 + 1 + 8 + 8) + 8 * 64;
            }
        }
        return pages.externalMetadataBytes() + pageMap.bytes() + states.bytes() + 8L * chunks.length + chunkBytes
                + caches.length * 64L + (long) arenas.length * caches.length * 16
                + registry.size() * (64 + 16L * caches.length);
    }

    @Override
    public void close() {
        registry.close();
        scavenger.close();
        super.close();
    }

    @Override
    public String toString() {
        return name() + " (SLUB over " + pages + ", " + caches.length + " caches, " + arenas.length + " arenas)";
    }
}
