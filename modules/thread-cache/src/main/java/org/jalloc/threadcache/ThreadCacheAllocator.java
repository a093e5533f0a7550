package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.BATCH;
import static org.jalloc.threadcache.SizeClasses.COUNT;
import static org.jalloc.threadcache.SizeClasses.MAX_CACHED;
import static org.jalloc.threadcache.SizeClasses.MAX_SMALL;
import static org.jalloc.threadcache.SizeClasses.PAGE;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;
import static org.jalloc.threadcache.SizeClasses.SIZE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.EngineSanity;
import org.jalloc.core.spi.FreeChecksOnRequest;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.GranuleMap;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.percpu.PerThreadOptions;
import org.jalloc.core.percpu.Scavenger;
import org.jalloc.core.percpu.ThreadRegistry;
import org.jalloc.core.walk.HeapWalk;

/**
 * A tcmalloc/jemalloc-class concurrent allocator: size classes, per-thread caches, central free lists per size
 * class in N arenas, and a page heap of spans with a radix-tree page map (core's
 * {@link org.jalloc.core.pagemap.RadixPageMap}).
 *
 * <h2>Lock order</h2>
 * striped cache (a try-lock, virtual threads only), maintenance lock (core's {@link Scavenger}, {@link Maintenance}),
 * central list (one at a time), page heap, the heap's own monitor; the cache registry's monitor is a leaf
 * ({@link ThreadCaches}). Nothing takes a central list's monitor while holding the page heap's. The maintenance pass
 * try-claims striped caches while holding the maintenance lock: never waiting, so it cannot close a cycle. The
 * platform threads' fast paths take no lock and execute no atomic instruction; a virtual thread's executes one CAS
 * and one release store (its stripe's claim).
 *
 * <h2>Tiers</h2>
 * This class is the engine: size classes, the malloc and free paths through a cache's lists, the O(1) misuse screen,
 * LARGE spans, and the public surface. The per-thread cache tier (registry, overflow, flush, detach, dead-owner
 * reclaim, TC-5) is {@link ThreadCaches}; the maintenance tier (clock, passes, decay trigger, full-heap recovery) is
 * {@link Maintenance}; the central lists (TC-7) are {@link CentralList}; the page heap and page map (TC-1, TC-6) are
 * {@link PageHeap}; the checker's walk is {@link ThreadCacheWalk}.
 *
 * <h2>Nouns</h2>
 * <b>page</b>: 4 KiB. <b>span</b>: a run of pages ({@link Span}): FREE (page heap), SMALL (cut into blocks of one
 * size class, owned by one arena) or LARGE (one block). <b>size class</b>: one of 96 block sizes, 16 B .. 256 KiB
 * ({@link SizeClasses}). <b>block</b>: a SMALL span's unit; no header, payload = block. <b>thread cache</b>
 * ({@link ThreadCache}): per-thread LIFO lists of free blocks per class. <b>central list</b> ({@link CentralList}):
 * per arena and class, the spans with free blocks plus a remote stack. <b>arena</b>: one set of central lists;
 * caches are assigned to arenas round-robin. <b>page heap</b> ({@link PageHeap}): free spans, the page map, decay.
 * <b>state map</b> ({@link GranuleMap}): one byte per 16 bytes of heap, outside it: LIVE or FREE for every block
 * start of a SMALL span, the allocator's own word on whether a block is free.
 *
 * <h2>Layout</h2>
 * <pre>
 *  heap.start                                                                       brk
 *  | SMALL span class 3 (48 B)         | LARGE span     | FREE span     | SMALL span ...  |
 *  | blk | blk | blk | ... | blk |tail | one block      | (page heap)   |                 |
 *  +-----+-----+-----+-----+-----+----+----------------+---------------+-----------------+
 *    page map: page -> span descriptor (Java), for every page of every span
 *    flat page info (heaps up to 4 GiB): page -> class | page in span << 8 | arena << 16 (SMALL spans; else 0):
 *      free's screen reads one int, no descriptor
 *
 *  a free block (in a thread cache, a central span list or a remote stack):       state map: FREE
 *  +-----------------------+-------------------------------+------------------------+
 *  | next (8 B, heap addr; | free marker = address ^ TAG   | stale payload ...      |
 *  |  secure=on: encoded)  |                               |                        |
 *  +-----------------------+-------------------------------+------------------------+
 *   0                       8                              16                  size
 *  a live block: every byte is the caller's (the marker may be left in it, or stored by the caller)   state map: LIVE
 *  the marker is a canary for the checker (a write after free clears it); whether a block is free is the state map's
 *  byte at address / 16, which only the allocator writes.
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * The engine's: TC-2..4 (TC-1 and TC-6 are {@link PageHeap}'s, TC-5 {@link ThreadCaches}', TC-7
 * {@link CentralList}'s).
 * <ul>
 *   <li>TC-2: a SMALL span of class c has {@code pages = PAGES[c]}, {@code 1 <= c <= 96}, its arena exists; a LARGE
 *       span has class 0.</li>
 *   <li>TC-3 (conservation): for each SMALL span, {@code BLOCKS[c] = allocated + freeCount},
 *       {@code freeCount = |span free list|}, {@code allocated = live + in thread caches + on remote stacks > 0} (live:
 *       LIVE in the state map): every block is in exactly one place (HEAP-3 and HEAP-5 check the places block by
 *       block).</li>
 *   <li>TC-4: every entry of a class-c list (thread cache, span free list, remote stack of arena a) is a block start
 *       of a SMALL span of class c (of arena a), carries the free marker and is FREE in the state map.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n <= 256 KiB): c = class(n); pop the cache's list c (state LIVE; count the op); empty: refill
 *       {@code fill[c]} blocks (slow start: 1, then one more per refill up to a batch) from the arena's central list c (which takes its remote stack,
 *       hands its first blocks straight to the cache and returns the rest to their spans, then pops span free lists,
 *       then cuts a new span from the page heap). Larger n: a LARGE span of ceil(n / 4 KiB) pages.</li>
 *   <li>free(p): page map -> span; SMALL: O(1) screen, write link and marker, state FREE, push on the <i>freeing</i> thread's
 *       list c; a list longer than {@code MAX_CACHED[c]} or a cache over its byte limit returns a batch: blocks of
 *       the cache's own arena under that central list's lock, blocks of other arenas' spans as one chain per arena
 *       pushed on that arena's remote stack with a CAS. A span whose last block returns goes back to the page heap.
 *       The byte limit is the cache's share of the overall budget ({@link ThreadCaches#rebalance}).
 *       LARGE: the span goes back to the page heap (merged with free neighbours).</li>
 *   <li>Every 256 ops per cache (a cache event): {@link ThreadCaches} returns half the low-water mark of one list
 *       (jemalloc's tcache GC), then {@link Maintenance} advances the clock; once per decay epoch one thread runs a
 *       maintenance pass: reclaim caches of dead threads, drain every remote stack, decay dirty pages (madvise).</li>
 *   <li>Heap full: {@link Maintenance} flushes the caller's cache, reclaims dead caches, drains remote stacks; retry
 *       once; then 0.</li>
 *   <li>After a refill, once the heap has grown by {@value ThreadCaches#SWEEP_GROWTH_PAGES} pages since the last such
 *       sweep, the caches of ended threads are reclaimed ({@link ThreadCaches#sweepIfGrown}), so their blocks are
 *       reused before the heap grows further.</li>
 *   <li>alignedAlloc(a <= 4 KiB): the first class >= max(n, a) whose size is a multiple of a (blocks of it are
 *       a-aligned since spans are page aligned); larger a: a LARGE span at an a-aligned page.</li>
 * </ol>
 *
 * <h2>Cross-thread frees: why the freeing thread's cache</h2>
 * A block freed by another thread goes into <i>that</i> thread's cache, as in tcmalloc and jemalloc: the remote
 * free costs exactly what a local free costs (no atomics, no lock). It travels back to its arena when the freeing
 * cache overflows: under the lock if both are in the same arena, else as a whole chain with one CAS on the owning
 * list's remote stack (mimalloc's idea moved from the span to the central list: mimalloc's per-span remote lists
 * need thread-owned spans, while here spans belong to arenas). A consumer that only frees therefore returns its
 * blocks a batch at a time, and the producer finds them at its next refill.
 *
 * <h2>Concurrency contract</h2>
 * <table class="striped">
 *   <caption>Who owns what</caption>
 *   <tr><th>structure</th><th>owner</th><th>off-heap links</th></tr>
 *   <tr><td>thread cache lists, counts, bytes</td><td>the owner thread (implicit), the handle's current user
 *       (explicit) or the holder of the stripe's try-lock (striped); a dead owner's cache passes to the thread whose sweep unregisters it (Thread.isAlive() false
 *       happens-after the thread's last action, JLS 17.4.4: core's {@link ThreadRegistry})</td><td>plain get/set</td></tr>
 *   <tr><td>span free lists, central spans list, counters</td><td>the central list's monitor</td><td>plain get/set
 *       under the monitor</td></tr>
 *   <tr><td>remote stack head (side segment)</td><td>any thread pushes; the central list's monitor holder takes
 *       all</td><td>{@code compareAndSet} (release) to push after plain link writes; {@code getAndSet(0)} (acquire)
 *       to take; then plain reads; {@code getAcquire} to peek</td></tr>
 *   <tr><td>page heap free lists, LRU, released bitmap, page map writes, span shape fields</td><td>the page heap's
 *       monitor</td><td>none (no links in the heap)</td></tr>
 *   <tr><td>page map reads, span class/arena/start of a live block</td><td>any thread, no lock</td><td>plain: written
 *       before the block was handed out, unchanged while it is live</td></tr>
 *   <tr><td>state map byte of a block</td><td>whoever holds the block: the cache popping or pushing it, the central
 *       list's monitor holder cutting its span</td><td>plain byte get/set (a byte store never touches its neighbours);
 *       ordered by the block's own hand-over</td></tr>
 *   <tr><td>cache lookup hint (core's {@link ThreadRegistry}: thread id mod 256 to the implicit cache last
 *       used)</td><td>any
 *       thread, racy by design: a slot is used only when the cache's final {@code owner} is the calling thread, so a
 *       stale or overwritten slot costs one ThreadLocal lookup, never a wrong cache</td><td>—</td></tr>
 *   <tr><td>cache registry (core's {@link ThreadRegistry})</td><td>its monitor, a leaf: nothing is taken while it is
 *       held; dead and detached caches are flushed after it is released</td><td>—</td></tr>
 * </table>
 * The checker ({@link #heapWalk()}) and {@link #stats()} read every cache and list without
 * locks: they are exact only at quiescent points (all threads parked at a barrier, or a single thread).
 *
 * <h2>Misuse detected in O(1)</h2>
 * Addresses that are not 16-aligned or lie outside the heap; addresses whose page has no span, lies in a free span
 * (a freed LARGE block: {@link DoubleFreeException} when it was the span's start), inside a LARGE block, inside a
 * SMALL block or its span's tail; a SMALL block FREE in the state map ({@link DoubleFreeException}, also for
 * realloc, tryExpand and usableSize of a freed block). Exact: a live block is never taken for a freed one, whatever
 * its bytes hold (the marker included). A detached or foreign cache handle is {@link CacheMisuseException}. Nothing
 * is changed before a misuse is thrown.
 *
 * <h2>Virtual threads: striped caches</h2>
 * A virtual thread has no cache of its own (millions of them would strand memory in caches without bound). Its
 * malloc and free claim one of N <b>striped caches</b> ({@link StripedCaches}; N a power of two, by default the
 * next at or above 2 x {@code availableProcessors()}, at most 64) with a try-lock for the length of the call — the
 * nearest Java analogue of tcmalloc's per-CPU caches, since Java does not say which carrier runs a virtual thread:
 * <pre>
 *  virtual thread v -> s = mix(threadId) &amp; (N - 1) -> CAS lock[s] 0 -> 1 ? pop/push in stripe s's cache, lock[s] = 0
 *                                                   : try s + 1 .. s + 3;  all held: the arena path (central list lock)
 * </pre>
 * The CAS (acquire) and the release store order one holder's plain writes to the cache before the next holder's
 * reads; with N at least the scheduler's carriers, a stripe is busy only when two running virtual threads hash to it
 * (or a holder's carrier is descheduled mid-call). A stripe's cache is an ordinary {@link ThreadCache} registered
 * without an owner thread: the checker's walk and the statistics see its blocks as cached (TC-3, TC-5, HEAP-3),
 * overflow, events and flushes treat it as any cache, and each maintenance pass flushes the stripes idle since the
 * previous one, so virtual threads that stop allocating leave nothing cached beyond one epoch.
 *
 * <p>Thread safety: {@link ThreadSafety#CONCURRENT}.
 */
public final class ThreadCacheAllocator extends AbstractAllocator implements FreeChecksOnRequest {
    /** The free marker is {@code address ^ FREE_TAG} at {@code address + 8} of every free block. */
    static final long FREE_TAG = 0x6a61_6c6c_6f63_2d74L;
    /** The state-map byte of a block start of a SMALL span: handed out. */
    static final byte LIVE = 0;
    /** The state-map byte of a block start of a SMALL span: in a thread cache, a span free list or a remote stack. */
    static final byte FREE = 1;
    /** The smallest per-thread cache limit (tcmalloc's: two of the largest blocks). */
    public static final long MIN_CACHE_BYTES = 2 * MAX_SMALL;
    /** The default overall thread-cache budget, in per-thread limits, when the limit is set: two caches get their whole limit, more share. */
    public static final int DEFAULT_BUDGET_CACHES = 2;
    /**
     * The default per-thread limit (tcmalloc's {@code kMaxThreadCacheSize}): what a lone thread may cache; with the
     * default budget of the same size, two threads get 2 MiB each and more share, as before (branch mx45).
     */
    public static final long DEFAULT_CACHE_BYTES = 4L << 20;
    /** The default overall budget when neither it nor the per-thread limit is set. */
    public static final long DEFAULT_BUDGET = 4L << 20;

    /** What drives decay and maintenance. */
    public enum Clock {
        /** Milliseconds of {@link System#nanoTime()}: production. */
        TIME,
        /** Allocator operations: fuzzing and replay, so single-threaded runs reproduce byte for byte. */
        OPS
    }

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED; // no alignment check in the fast paths: every block is 16-aligned

    final PageHeap pageHeap;
    final CentralList[][] central;
    final int arenas;
    private final MemorySegment mem;
    /** One byte per 16-byte granule, outside the heap: LIVE or FREE for every block start of a SMALL span. */
    final GranuleMap states;
    private final long heapStart;
    /** The per-thread cache tier: registry, batches, detach, dead-owner reclaim. */
    final ThreadCaches caches;
    /** The implicit lookup (the caches' registry), kept here so the fast path reaches it in one load. */
    private final ThreadCaches.Registry registry;
    /** The registry's lookup hint, kept here so the fast path reaches a slot in one load less. */
    private final @Nullable ThreadCache[] hints;
    /** The caches' allocator token, kept here for the handle check inlined into the fast path. */
    private final Object token;
    /** Free-block links (secure=on: encoded and checked at every pop); the key copied for the fast path's one test. */
    final Links links;
    private final long linkKey;
    /** The page heap's first page (a final copy for the free path; the flat page info is read from the page heap). */
    private final long firstPage;
    /** {@code min(MAX_SMALL, capacity)}: the handle's malloc screens a size against it with one unsigned compare. */
    private final long smallLimit;
    /** The maintenance tier: clock, passes, decay trigger, full-heap recovery. */
    final Maintenance maintenance;
    /** Virtual threads' cached path: a few shared caches claimed with a try-lock per call. */
    final StripedCaches stripes;
    private final PerThreadOptions perThread;
    final AtomicLong uncachedOps = new AtomicLong();
    /**
     * {@code debug=F} alone done by this engine ({@link FreeChecks}; null: off): set once by {@link #checkFreesItself},
     * before the allocator is handed out; the one test the Allocator face's allocate and free add.
     */
    private @Nullable FreeChecks checks;
    /** The checker's walk, made on first use (it needs this allocator fully built). */
    private @MonotonicNonNull ThreadCacheWalk walk;
    /** Slots of the cache-lookup hint. */
    static final int RECENT_SLOTS = ThreadRegistry.HINT_SLOTS;

    private ThreadCacheAllocator(Builder b, Heap heap) {
        super(b.name, heap);
        this.arenas = b.arenas;
        this.mem = heap.memory();
        this.heapStart = heap.start();
        this.states = new GranuleMap(heap);
        this.pageHeap = new PageHeap(heap, b.decay, states);
        this.firstPage = pageHeap.firstPage;
        this.smallLimit = Math.min(MAX_SMALL, capacity);
        this.perThread = b.perThread;
        this.links = new Links(b.secure, b.name, pageHeap, states);
        this.linkKey = links.key;
        MemorySegment remoteHeads = Arena.ofAuto().allocate((long) arenas * COUNT * 8, 8);
        this.central = new CentralList[arenas][COUNT];
        for (int a = 0; a < arenas; a++) {
            for (int c = 1; c < COUNT; c++) {
                central[a][c] = new CentralList(pageHeap, mem, states, links, a, c, remoteHeads);
            }
        }
        this.token = new Object();
        this.caches = new ThreadCaches(b.name, central, pageHeap, mem, links, b.cacheBytes,
                b.budget > 0 ? b.budget : b.cacheBytesSet ? DEFAULT_BUDGET_CACHES * b.cacheBytes : DEFAULT_BUDGET, token);
        this.registry = caches.registry;
        this.hints = registry.hints();
        this.stripes = new StripedCaches(caches, b.stripes);
        this.maintenance = new Maintenance(b.clock, b.decay, pageHeap, central, caches, stripes);
    }

    /** Production defaults: {@code availableProcessors()} arenas, the time clock, 10 s decay, 4 MiB per thread cache within a 4 MiB budget. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ThreadCacheAllocator}; every setting has a production default. */
    public static final class Builder {
        private int arenas = Runtime.getRuntime().availableProcessors();
        private Clock clock = Clock.TIME;
        private long decay = 10_000;
        private long cacheBytes = DEFAULT_CACHE_BYTES;
        private boolean cacheBytesSet;
        private long budget;
        private final PerThreadOptions perThread = new PerThreadOptions();
        private String name = "thread-cache";
        private boolean secure;
        private int stripes = StripedCaches.defaultCount(Runtime.getRuntime().availableProcessors());

        private Builder() {}

        /**
         * Striped caches for virtual threads (default: the next power of two at or above twice
         * {@code availableProcessors()}, at most 64; rounded up to a power of two; 0: none, so virtual threads take the
         * arena path under its lock). Each holds at most the thread-cache limit; an idle one is flushed by the next
         * maintenance pass.
         */
        public Builder virtualThreadStripes(int n) {
            if (n < 0 || n > StripedCaches.MAX) {
                throw new IllegalArgumentException("virtual-thread stripes must be in [0, " + StripedCaches.MAX + "], got " + n);
            }
            this.stripes = n;
            return this;
        }

        /** Number of arenas (default {@code availableProcessors()}). */
        public Builder arenas(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("arenas must be in [1, 1024], got " + n);
            }
            this.arenas = n;
            return this;
        }

        /** The clock driving decay (default {@link Clock#TIME}). */
        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** Decay time in clock ticks (ms or ops; default 10,000): 0 returns free pages to the OS at once. */
        public Builder decay(long ticks) {
            if (ticks < 0) {
                throw new IllegalArgumentException("decay must not be negative, got " + ticks);
            }
            this.decay = ticks;
            return this;
        }

        /**
         * Per-thread cache limit in bytes (default {@link #DEFAULT_CACHE_BYTES}, 4 MiB, at least
         * {@link #MIN_CACHE_BYTES}); setting it makes the default budget twice this limit.
         */
        public Builder threadCacheBytes(long bytes) {
            if (bytes < MIN_CACHE_BYTES) {
                throw new IllegalArgumentException("thread cache limit must be at least " + MIN_CACHE_BYTES + ", got " + bytes);
            }
            this.cacheBytes = bytes;
            this.cacheBytesSet = true;
            return this;
        }

        /**
         * The overall thread-cache budget (tcmalloc's overall thread cache size; default {@link #DEFAULT_BUDGET}, 4 MiB,
         * or {@value #DEFAULT_BUDGET_CACHES} × the per-thread limit when {@link #threadCacheBytes} is set): divided equally among the registered caches (threads' caches,
         * handles, virtual threads' stripes), each share between {@link SizeClasses#MAX_SMALL} (256 KiB) and the
         * per-thread limit; re-divided whenever a cache is registered, detached or reclaimed, so with many threads
         * each caches less and what threads free returns to the spans and the page heap sooner.
         */
        public Builder threadCacheBudget(long bytes) {
            if (bytes < MIN_CACHE_BYTES) {
                throw new IllegalArgumentException("thread cache budget must be at least " + MIN_CACHE_BYTES + ", got " + bytes);
            }
            this.budget = bytes;
            return this;
        }

        /** Runs {@link #scavenge()} on a daemon thread every {@code period} (default: no background thread). */
        public Builder backgroundScavenger(Duration period) {
            perThread.backgroundScavenger(period);
            return this;
        }

        /**
         * {@code secure=on}: links in free blocks stored XOR-ed with a per-heap random key and the block's byte-swapped
         * address, and checked at every pop, so a write into a freed block is caught at the next allocation that would
         * follow its link (default off).
         */
        public Builder secure(boolean on) {
            this.secure = on;
            return this;
        }

        /** The name {@link #name()} reports. */
        public Builder name(String n) {
            this.name = n;
            return this;
        }

        /** A new allocator over {@code heap} (empty: {@code brk == start}), which it owns from now on. */
        ThreadCacheAllocator build(Heap heap) {
            ThreadCacheAllocator a = new ThreadCacheAllocator(this, heap);
            a.perThread.start(a.maintenance.scavenger(), "jalloc-thread-cache-scavenger", a::scavenge); // after construction
            return a;
        }

        /** A new allocator over a new heap of {@code heapBytes}. */
        public ThreadCacheAllocator build(long heapBytes) {
            return PerThreadOptions.buildOnNewHeap(heapBytes, this::build);
        }
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.CONCURRENT;
    }

    /** Number of arenas. */
    public int arenas() {
        return arenas;
    }

    // ================================================================== caches

    /** The calling platform thread's implicit cache (created on first use), or null on a virtual thread. */
    private @Nullable ThreadCache currentCache() {
        Thread t = Thread.currentThread();
        // the registry's first step (ThreadRegistry's header: a slot is trusted only when its owner is the caller)
        ThreadCache c = hints[ThreadRegistry.hintSlot(t)];
        return c != null && c.owner == t ? c : registry.current();
    }

    /**
     * A new explicit cache handle, assigned to an arena round-robin. Pass it to {@link #malloc(ThreadCache, long)},
     * {@link #free(ThreadCache, long)}, {@link #realloc(ThreadCache, long, long)}; one thread at a time may use it;
     * {@link #detach(ThreadCache)} it when done (an abandoned handle keeps up to its limit cached until
     * {@link #close()}).
     */
    public ThreadCache newCache() {
        refuseHandlesUnderF();
        return caches.newHandle();
    }

    /**
     * This allocator seen through explicit cache handles, one per calling thread, as an {@link ExplicitCacheAllocator}
     * (what {@code thread-cache:cache=explicit} is): same engine, same heap; closing the view detaches its handles and
     * leaves this allocator open.
     */
    public ExplicitCacheAllocator explicitView() {
        refuseHandlesUnderF();
        return new ExplicitCacheAllocator(this, null, name() + " (explicit caches)", false);
    }

    /**
     * The explicit cache {@code handle} as an {@link Allocator} (single owner: one thread at a time, as the handle):
     * the whole malloc family through the handle, with every argument check and edge case of {@link Allocator}.
     * Closing the view detaches the handle and leaves this allocator open.
     *
     * @throws CacheMisuseException for a detached or foreign handle, or an implicit cache
     */
    public ExplicitCacheAllocator allocator(ThreadCache handle) {
        refuseHandlesUnderF();
        requireUsable(handle);
        if (handle.owner != null) {
            throw new CacheMisuseException(name() + ": " + handle + " is a thread's implicit cache, not an explicit handle");
        }
        return new ExplicitCacheAllocator(this, handle, name() + " (" + handle + ")", false);
    }

    /**
     * Returns the calling thread's implicit cache to the central lists and forgets it (the next call on this thread
     * starts a new one). Threads that end without calling this are reclaimed by the scavenger.
     */
    public void detach() {
        caches.detachOwn();
    }

    /**
     * Returns an explicit cache (or the calling thread's own implicit cache) to the central lists; the handle
     * cannot be used afterwards.
     *
     * @throws CacheMisuseException for a detached or foreign cache, or another thread's implicit cache
     */
    public void detach(ThreadCache cache) {
        caches.detach(cache);
    }

    /**
     * Returns every block the cache holds to the central lists now (jemalloc's {@code tcache.flush}); the cache stays
     * usable. An implicit cache may be flushed only by its own thread.
     */
    public void flushCache(ThreadCache cache) {
        caches.flushCache(cache);
    }

    /** The handle calls' usability test, inlined: one compare ({@link ThreadCache#usable} is the token until detached). */
    void requireUsable(ThreadCache cache) {
        if (cache.usable != token) {
            throw caches.unusable(cache); // the message is built off the fast path
        }
    }

    // ================================================================== explicit-cache API

    /**
     * {@code malloc} through an explicit cache: no thread-local lookup. The hot path keeps its three checks inline
     * (the benchmarks' explicit-handle figures); every other call of a handle, and every edge case, is
     * {@link #allocator(ThreadCache)}'s, which are {@link AbstractAllocator}'s.
     */
    public long malloc(ThreadCache cache, long size) {
        requireUsable(cache);
        if (Long.compareUnsigned(size, smallLimit) <= 0) { // 0 <= size <= MAX_SMALL and <= capacity: one test for three
            return allocateClass(cache, SizeClasses.classOf(size));
        }
        return mallocOther(cache, size);
    }

    /** The handle's malloc of a negative, LARGE or over-capacity size (off the inlined path). */
    private long mallocOther(ThreadCache cache, long size) {
        if (size < 0) {
            throw new InvalidSizeException("malloc(" + size + "): negative size");
        }
        return size > capacity ? 0 : allocateFrom(cache, size);
    }

    /** {@code free} into an explicit cache (any block of this allocator, whoever allocated it). */
    public void free(ThreadCache cache, long address) {
        requireUsable(cache);
        if (address != 0) {
            freeTo(cache, address);
        }
    }

    /** {@code realloc} through an explicit cache, with {@link #realloc(long, long)}'s edge cases. */
    public long realloc(ThreadCache cache, long address, long size) {
        return view(cache).realloc(address, size);
    }

    /** A transient view of {@code cache} for one call (the JIT scalar-replaces it). */
    private ExplicitCacheAllocator view(ThreadCache cache) {
        requireUsable(cache);
        return new ExplicitCacheAllocator(this, cache, name(), false);
    }

    // ================================================================== engine: allocation

    @Override
    protected long allocate(long size) {
        FreeChecks f = checks;
        if (f != null) {
            return allocateChecked(f, size);
        }
        ThreadCache c = currentCache();
        return c != null ? allocateFrom(c, size) : allocateVirtual(size);
    }

    /** The engine's malloc through the calling thread's cache (or a virtual thread's path), size already checked. */
    private long allocateRaw(long size) {
        ThreadCache c = currentCache();
        return c != null ? allocateFrom(c, size) : allocateVirtual(size);
    }

    /** A virtual thread's malloc: through a striped cache claimed for this call, else the arena path. */
    private long allocateVirtual(long size) {
        ThreadCache own = caches.virtualCache(); // a busy virtual thread's own cache
        if (own != null) {
            return allocateFrom(own, size);
        }
        ThreadCache s = stripes.claim();
        if (s == null) {
            return allocateUncached(size, 0);
        }
        try {
            return allocateFrom(s, size);
        } finally {
            stripes.release(s);
        }
    }

    /** The engine's malloc through cache {@code c} (its user's thread), size already checked. */
    long allocateFrom(ThreadCache c, long size) {
        return size <= MAX_SMALL ? allocateClass(c, SizeClasses.classOf(size)) : allocateLarge(c, size, 1);
    }

    /** The fast path: pop the cache's list (head, count and low-water mark in one stride of {@code lists}). */
    private long allocateClass(ThreadCache c, int cls) {
        long[] l = c.lists;
        int i = cls * ThreadCache.STRIDE;
        long b = l[i + ThreadCache.HEAD];
        if (b == 0) {
            return refill(c, cls);
        }
        l[i + ThreadCache.HEAD] = next(b, cls);
        long n = --l[i + ThreadCache.COUNT];
        if (n < l[i + ThreadCache.LOW]) {
            l[i + ThreadCache.LOW] = n;
        }
        c.bytes -= SIZE[cls];
        states.set(b, LIVE);
        if (--c.ticks <= 0) {
            event(c);
        }
        return b;
    }

    private long refill(ThreadCache c, int cls) {
        c.refills++;
        CentralList list = central[c.arena][cls];
        int want = c.fill(cls); // slow start: 1, 2, 3, ... up to BATCH[cls]
        if (list.removeRange(c, want) == 0) {
            maintenance.recover(c);
            if (list.removeRange(c, want) == 0) {
                return 0;
            }
        }
        if (want < BATCH[cls]) {
            c.fill(cls, want + 1);
        }
        long b = c.head(cls);
        c.head(cls, next(b, cls));
        int n = c.count(cls) - 1;
        c.count(cls, n);
        c.lowWater(cls, Math.min(c.lowWater(cls), n));
        c.bytes -= SIZE[cls];
        states.set(b, LIVE);
        caches.refreshShare(c);
        caches.sweepIfGrown(pageHeap.grownPages);
        if (--c.ticks <= 0) {
            event(c);
        }
        return b;
    }

    /**
     * The link of the cache-list block {@code b} of class {@code cls}, decoded and checked when secure (before the head
     * moves). secure=off pays one test of a final field: the decoding is out of line.
     */
    private long next(long b, int cls) {
        long stored = mem.get(LONG, b);
        return linkKey == 0 ? stored : links.checkedLink(b, stored, cls);
    }

    /**
     * A virtual thread whose probed stripes were all held (and {@code preferredClass} > 0 for an aligned request): the
     * arena's central list directly.
     */
    private long allocateUncached(long size, int preferredClass) {
        uncachedOps.incrementAndGet();
        if (preferredClass == 0 && size > MAX_SMALL) {
            return allocateLarge(null, size, 1);
        }
        int cls = preferredClass > 0 ? preferredClass : SizeClasses.classOf(size);
        CentralList list = central[(int) Math.floorMod(Thread.currentThread().threadId(), (long) arenas)][cls];
        long b = list.removeOne();
        if (b == 0) {
            maintenance.recover(null);
            b = list.removeOne();
            if (b == 0) {
                return 0;
            }
        }
        states.set(b, LIVE);
        return b;
    }

    private long allocateLarge(@Nullable ThreadCache c, long size, long alignPages) {
        long pages = Math.max(1, (size + PAGE - 1) >>> PAGE_SHIFT);
        Span s = pageHeap.allocate(pages, alignPages, Span.LARGE, 0, 0);
        if (s == null) {
            maintenance.recover(c);
            s = pageHeap.allocate(pages, alignPages, Span.LARGE, 0, 0);
            if (s == null) {
                return 0;
            }
        }
        maintenance.largeOp();
        return s.start;
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        FreeChecks f = checks;
        if (f != null) {
            long need = Math.max(size, MIN_ALIGNMENT) + alignment;
            long b = need > capacity ? 0 : allocateAlignedRaw(alignment, need);
            return b == 0 ? 0 : f.handOut(b, alignment, blockBytes(b));
        }
        return allocateAlignedRaw(alignment, size);
    }

    private long allocateAlignedRaw(long alignment, long size) {
        ThreadCache c = currentCache();
        if (c != null) {
            return allocateAlignedFrom(c, alignment, size);
        }
        ThreadCache s = stripes.claim(); // a virtual thread
        try {
            return allocateAlignedFrom(s, alignment, size);
        } finally {
            if (s != null) {
                stripes.release(s);
            }
        }
    }

    /** The engine's aligned allocation through cache {@code c} (null: uncached), arguments already checked. */
    long allocateAlignedFrom(@Nullable ThreadCache c, long alignment, long size) {
        if (alignment <= PAGE) {
            long need = Math.max(size, alignment);
            if (need <= MAX_SMALL) {
                int cls = SizeClasses.classOf(need);
                while (cls < COUNT && SIZE[cls] % alignment != 0) {
                    cls++;
                }
                if (cls < COUNT) {
                    return c != null ? allocateClass(c, cls) : allocateUncached(SIZE[cls], cls);
                }
            }
            return allocateLarge(c, size, 1);
        }
        return allocateLarge(c, size, alignment >>> PAGE_SHIFT);
    }

    // ================================================================== engine: freeing

    @Override
    protected void deallocate(long address) {
        FreeChecks f = checks;
        if (f != null) {
            deallocateChecked(f, address);
            return;
        }
        ThreadCache c = currentCache();
        if (c != null) {
            freeTo(c, address);
        } else {
            freeVirtual(address);
        }
    }

    /** The engine's free of block {@code address} through the calling thread's cache (or a virtual thread's path). */
    private void deallocateRaw(long address) {
        ThreadCache c = currentCache();
        if (c != null) {
            freeTo(c, address);
        } else {
            freeVirtual(address);
        }
    }

    /** A virtual thread's free: into a striped cache claimed for this call, else the arena path. */
    private void freeVirtual(long address) {
        ThreadCache own = caches.virtualCache();
        if (own != null) {
            freeTo(own, address);
            return;
        }
        ThreadCache s = stripes.claim();
        if (s == null) {
            freeUncached(address);
            return;
        }
        try {
            freeTo(s, address);
        } finally {
            stripes.release(s);
        }
    }

    /**
     * The fast path: push on the freeing thread's list. The screen is one load of the flat page info (class, page in
     * span) and the block-start test (sizes are multiples of 16, so a block offset is 16-aligned too); anything else
     * (a LARGE block, a heap above the flat map's limit, misuse) takes {@link #freeSlow}.
     */
    void freeTo(ThreadCache c, long p) {
        long i = (p >>> PAGE_SHIFT) - firstPage;
        int[] info = pageHeap.info;
        int w = Long.compareUnsigned(i, info.length) < 0 ? info[(int) i] : 0; // one test for both ends
        int cls = w & 0xFF;
        if (cls == 0 || !SizeClasses.isBlockOffset(cls, (long) (w & 0xFF00) << (PAGE_SHIFT - 8) | (p & (PAGE - 1)))) {
            freeSlow(c, p);
            return;
        }
        if (states.exchange(p, FREE) != LIVE) { // it was FREE, and stays so: nothing changed
            throw refusal(p, pageHeap.map.get(p >>> PAGE_SHIFT));
        }
        push(c, p, cls);
    }

    /** free through the page map: LARGE blocks, heaps without the flat page info, and every misuse. */
    private void freeSlow(ThreadCache c, long p) {
        Span s = blockSpan(p);
        if (s.state != Span.SMALL) {
            freeLarge(s);
            return;
        }
        if (states.exchange(p, FREE) != LIVE) {
            throw refusal(p, s);
        }
        push(c, p, s.sizeClass);
    }

    private void push(ThreadCache c, long p, int cls) {
        long[] l = c.lists;
        int i = cls * ThreadCache.STRIDE;
        long head = l[i + ThreadCache.HEAD];
        mem.set(LONG, p, linkKey == 0 ? head : links.encode(p, head));
        mem.set(LONG, p + 8, p ^ FREE_TAG);
        l[i + ThreadCache.HEAD] = p;
        long n = ++l[i + ThreadCache.COUNT];
        long bytes = c.bytes += SIZE[cls];
        if (n > MAX_CACHED[cls] || bytes > c.limitBytes) {
            caches.overflow(c, cls);
        }
        if (--c.ticks <= 0) {
            event(c);
        }
    }

    private void freeUncached(long p) {
        uncachedOps.incrementAndGet();
        Span s = blockSpan(p);
        if (s.state != Span.SMALL) {
            freeLarge(s);
            return;
        }
        if (states.exchange(p, FREE) != LIVE) {
            throw refusal(p, s);
        }
        mem.set(LONG, p + 8, p ^ FREE_TAG);
        central[s.arena][s.sizeClass].insertOne(p);
    }

    private void freeLarge(Span s) {
        pageHeap.free(s);
        maintenance.largeOp();
    }

    /**
     * The span of the live block at {@code p}, screened in O(1); throws {@link InvalidPointerException} or
     * {@link DoubleFreeException} without changing anything.
     */
    private Span liveSpan(long p) {
        Span s = blockSpan(p);
        if (s.state == Span.SMALL && states.get(p) != LIVE) { // the state map, not the block's bytes: they are the caller's
            throw refusal(p, s);
        }
        return s;
    }

    /**
     * The span of the block that starts at {@code p} (a SMALL block, free or live, or a LARGE block), screened in O(1);
     * throws the misuse otherwise. The accepting path is kept small (the reasons for a refusal are worked out in
     * {@link #refusal}, off the fast path) so the JIT inlines it into malloc and free.
     */
    private Span blockSpan(long p) {
        // Pages below the heap's start, at or beyond the break, or of any address no span covers map to null, so the
        // page map is the bounds check; a misaligned address is no block start of any span.
        Span s = pageHeap.map.get(p >>> PAGE_SHIFT);
        if (s != null && (p & (MIN_ALIGNMENT - 1)) == 0
                && (s.state == Span.SMALL ? SizeClasses.isBlockOffset(s.sizeClass, p - s.start) : s.state == Span.LARGE && s.start == p)) {
            return s;
        }
        throw refusal(p, s);
    }

    /** Why {@code p} is no live block (its span {@code s} from the page map, or null): the misuse to throw. */
    private RuntimeException refusal(long p, @Nullable Span s) {
        if ((p & (MIN_ALIGNMENT - 1)) != 0 || p < heapStart) {
            requirePayloadAddress(p, heapStart); // throws with the precise reason
        }
        if (s == null) {
            return new InvalidPointerException(name() + ": " + hex(p) + " lies in no span (outside the heap's spans [" + hex(heapStart)
                    + ", " + hex(heap.brk()) + "))", p);
        }
        if (s.state == Span.SMALL) {
            if (!SizeClasses.isBlockOffset(s.sizeClass, p - s.start)) {
                return new InvalidPointerException(name() + ": " + hex(p) + " is not a block start in " + s, p);
            }
            return new DoubleFreeException(name() + ": block " + hex(p) + " is free (double free?)", p);
        }
        if (s.state == Span.FREE && s.start == p) {
            return new DoubleFreeException(name() + ": " + hex(p) + " starts a free span (double free?)", p);
        }
        return new InvalidPointerException(name() + ": " + hex(p) + " is not a block start (inside " + s + ")", p);
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    // ================================================================== debug=F alone (FreeChecks)

    /**
     * {@code debug=F} alone from now on, under {@code displayName} ({@link FreeChecksOnRequest}): every block gets a head
     * below its payload and every payload a mark outside the heap ({@link FreeChecks}); nothing is handed out yet.
     * Explicit handles are refused from now on (their calls bypass the Allocator face and so F's checks).
     */
    @Override
    public boolean checkFreesAlone(String displayName) {
        if (!FreeChecks.covers(heap)) {
            return false;
        }
        checks = new FreeChecks(EngineSanity.claim(this, displayName), heap);
        return true;
    }

    /** Refuses an explicit handle under F: its malloc and free would bypass the heads and marks. */
    private void refuseHandlesUnderF() {
        if (checks != null) {
            throw new CacheMisuseException(name() + ": explicit cache handles are not offered under debug=F (their calls would"
                    + " bypass F's checks); use the Allocator face, or thread-cache:cache=explicit,debug=F (the tagged-prefix layer)");
        }
    }

    /** The engine's bytes of the live block at {@code b} (its class's size, or its LARGE span's bytes). */
    private long blockBytes(long b) {
        long i = (b >>> PAGE_SHIFT) - firstPage;
        int[] info = pageHeap.info;
        int w = Long.compareUnsigned(i, info.length) < 0 ? info[(int) i] : 0;
        int cls = w & 0xFF;
        if (cls != 0) {
            return SIZE[cls];
        }
        Span s = pageHeap.map.get(b >>> PAGE_SHIFT);
        if (s == null) {
            throw new IllegalStateException(name() + ": no span holds the live block " + hex(b)); // TC-1 broken
        }
        return s.state == Span.SMALL ? SIZE[s.sizeClass] : s.bytes();
    }

    /** F's malloc: the engine's block for the payload and its head, the head written, the payload marked. */
    private long allocateChecked(FreeChecks f, long size) {
        long need = Math.max(size, MIN_ALIGNMENT) + FreeChecks.HEAD;
        long b = need > capacity ? 0 : allocateRaw(need);
        return b == 0 ? 0 : f.handOut(b, FreeChecks.HEAD, blockBytes(b));
    }

    /** The mark of the live payload {@code u}, or the misuse {@code u} is. */
    private static int liveMark(FreeChecks f, String op, long u) {
        int m = f.mark(u);
        if (m == 0) {
            throw f.misuse(op, u);
        }
        return m;
    }

    /** The word below the live payload {@code u} (block {@code b}) holds the usable size, else the refusal. */
    private void checkWord(FreeChecks f, String op, long u, long b, long usable) {
        long word = heap.getLong(u - 8);
        if (word != usable) {
            throw f.wordRefused(op, u, b, usable, word);
        }
    }

    /** F's free: the mark taken (one exchange), the head's word checked, the views closed, the engine's free. */
    private void deallocateChecked(FreeChecks f, long u) {
        int m = f.claim(u);
        if (m == 0) {
            throw f.misuse("free", u);
        }
        long front = FreeChecks.front(m);
        long b = u - front;
        long usable = blockBytes(b) - front;
        long word = heap.getLong(u - 8);
        if (word != usable) {
            f.restore(u, m);
            throw f.wordRefused("free", u, b, usable, word); // nothing freed
        }
        f.freeing(u, usable, FreeChecks.scoped(m)); // views dead and the ring told before the block can be handed out again
        deallocateRaw(b);
    }

    /** F's in-place resize ({@code op}: realloc or tryExpand): the head checked before any change, its word rewritten after. */
    private boolean resizeChecked(FreeChecks f, String op, long u, long size) {
        long front = FreeChecks.front(liveMark(f, op, u));
        long b = u - front;
        checkWord(f, op, u, b, blockBytes(b) - front);
        long need = Math.max(size, MIN_ALIGNMENT) + front;
        if (size > capacity || need > capacity || !resizeRaw(b, need)) {
            return false;
        }
        heap.putLong(u - 8, blockBytes(b) - front);
        return true;
    }

    /** F's view of the live payload {@code u} that dies at its free ({@code segment}, {@code asSegmentAllocator}: core's). */
    @Override
    public MemorySegment viewUntilFree(String op, long u, long length) {
        FreeChecks f = requireChecks();
        return f.view(op, u, length < 0 ? usableChecked(f, op, u) : length);
    }

    /** F's in-place resize of the live payload {@code u} ({@code realloc}, {@code tryExpand}: core's), refusals named {@code op}. */
    @Override
    public boolean resizeChecked(String op, long u, long size) {
        return resizeChecked(requireChecks(), op, u, size);
    }

    private FreeChecks requireChecks() {
        FreeChecks f = checks;
        if (f == null) {
            throw new IllegalStateException(name() + " does not check debug=F alone itself");
        }
        return f;
    }

    /** F: the usable size of the live payload {@code u}, or the misuse it is (named {@code op}). */
    private long usableChecked(FreeChecks f, String op, long u) {
        long front = FreeChecks.front(liveMark(f, op, u));
        return blockBytes(u - front) - front;
    }

    /** The caller's payload of the live block at {@code b} ({@code bytes} long), for the walk: past its head under F. */
    long payloadOf(long b, long bytes) {
        FreeChecks f = checks;
        return f == null ? b : f.payloadOf(b, bytes);
    }

    // ================================================================== events, maintenance

    /** A cache event: the cache tier's incremental GC of one list, then the maintenance tier's clock. */
    private void event(ThreadCache c) {
        caches.collect(c);
        maintenance.tick();
    }

    /** The clock's current value (ops or ms). */
    public long clockNow() {
        return maintenance.now();
    }

    /**
     * The scavenger, callable from any thread (and run by the optional background thread): reclaims the caches of
     * ended threads, drains every remote stack, and applies decay at the clock's current time.
     */
    public void scavenge() {
        maintenance.scavenge();
    }

    /**
     * {@code malloc_trim}: flushes the calling thread's own cache to the central lists (other threads' caches are
     * theirs to flush), then {@link #releaseFreeMemory()}: every span left empty goes back to the page heap and every
     * free page to the OS.
     *
     * @return the bytes released by this call
     */
    @Override
    public long trim() {
        long before = heap.releasedBytes();
        ThreadCache own = caches.own();
        if (own != null && !own.isDetached()) {
            caches.flushAll(own);
        }
        releaseFreeMemory();
        long released = heap.releasedBytes() - before;
        org.jalloc.core.events.TrimEvent e = new org.jalloc.core.events.TrimEvent();
        if (e.shouldCommit()) {
            e.allocator = name();
            e.releasedBytes = released;
            e.commit();
        }
        return released;
    }

    /** Returns every free page to the OS now (like {@code malloc_trim(0)}); returns the bytes released so far in all. */
    public long releaseFreeMemory() {
        maintenance.releaseFreeMemory();
        return heap.releasedBytes();
    }

    // ================================================================== resizing, usable size

    @Override
    protected boolean resize(long address, long size) {
        FreeChecks f = checks;
        return f != null ? resizeChecked(f, "realloc/tryExpand", address, size) : resizeRaw(address, size);
    }

    private boolean resizeRaw(long address, long size) {
        Span s = liveSpan(address);
        if (s.state == Span.SMALL) {
            return size <= SIZE[s.sizeClass];
        }
        long pages = Math.max(1, (size + PAGE - 1) >>> PAGE_SHIFT);
        if (pages < s.pages) {
            pageHeap.shrink(s, pages);
            return true;
        }
        return pages == s.pages || pageHeap.grow(s, pages);
    }

    @Override
    protected long usable(long address) {
        FreeChecks f = checks;
        if (f != null) {
            return usableChecked(f, "usableSize", address);
        }
        Span s = liveSpan(address);
        return s.state == Span.SMALL ? SIZE[s.sizeClass] : s.bytes();
    }

    @Override
    protected HeapWalk walk() {
        ThreadCacheWalk w = walk;
        if (w == null) { // a racy first use builds two equal walks: harmless, they hold no state of their own
            w = new ThreadCacheWalk(this);
            walk = w;
        }
        return w;
    }

    /** The caches registered now (quiescent use: checker, stats). */
    List<ThreadCache> cacheSnapshot() {
        return caches.snapshot();
    }

    // ================================================================== statistics

    @Override
    protected List<AllocatorMetric> metrics() {
        return Stats.metrics(this);
    }

    @Override
    public void close() {
        maintenance.close();
        caches.close();
        super.close();
    }
}
