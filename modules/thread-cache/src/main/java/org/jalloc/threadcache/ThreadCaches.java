package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.BATCH;
import static org.jalloc.threadcache.SizeClasses.COUNT;
import static org.jalloc.threadcache.SizeClasses.MAX_CACHED;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;
import static org.jalloc.threadcache.SizeClasses.SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.percpu.ThreadRegistry;

/**
 * The per-thread cache tier of a {@link ThreadCacheAllocator}: the caches ({@link ThreadCache}: one per platform
 * thread, or an explicit handle), the registry that finds and reclaims them (core's {@link ThreadRegistry}), and the
 * batch moves between a cache and the central lists. The engine pops and pushes a cache's lists inline; everything
 * here is off its fast path.
 *
 * <p>Lock order: the cache registry's monitor is a leaf (nothing is taken while it is held; dead and detached caches
 * are flushed after it is released); a flush takes one central list's monitor at a time ({@code insertChain}), or
 * none ({@code pushRemote}: one CAS). A cache's lists, counts and bytes belong to its owner thread (implicit) or the
 * handle's current user (explicit); a dead owner's cache passes to the thread whose sweep unregisters it
 * ({@code Thread.isAlive()} false happens-after the thread's last action, JLS 17.4.4).
 *
 * <pre>
 *  cache (owner thread or handle)        head(c) -> b -> b -> ... -> 0      count(c)   lowWater(c)   bytes
 *      | overflow: count(c) > MAX_CACHED[c] (a batch) / bytes > limit (shrink to 3/4) / event GC / detach / dead owner
 *      v flush(c, n): the first n blocks of list c, sorted by the arena of their span (page map)
 *  own arena a:    central[a][c].insertChain(chain)        one monitor
 *  other arena b:  central[b][c].pushRemote(head, tail)    one CAS; b's owner drains it at its next refill
 * </pre>
 *
 * <h2>Invariant (spec/invariants.md)</h2>
 * <ul>
 *   <li>TC-5: a thread cache's {@code count(c) = |list c| <= MAX_CACHED[c]}, {@code 0 <= lowWater(c) <= count(c]},
 *       {@code bytes = sum count(c) * SIZE[c] <= limit}.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>overflow(c, cls): a list longer than {@code MAX_CACHED[cls]} returns {@code BATCH[cls]} blocks; a cache over
 *       its byte limit (its share of the budget) shrinks: half of every list, largest classes first, until at most
 *       3/4 of the limit.</li>
 *   <li>rebalance (after every registration, detach and reclaim): share = budget / caches registered, within
 *       [{@link #MIN_SHARE}, the configured limit], written into one shared field (O(1), whatever the number of
 *       caches); each owner copies it into its {@code limitBytes} and shrinks to it at its next overflow, refill or
 *       cache event (tcmalloc's overall thread cache size, divided evenly instead of stolen between caches). TC-5
 *       keeps the configured limit as the bound.</li>
 *   <li>virtualCache: a virtual thread that made {@value #PROMOTE_AFTER} ops through the stripes is registered as the
 *       owner of a cache of its own (at most {@code maxVirtualCaches} at once; a full quota sweeps the dead first),
 *       found through the hint, reclaimed by sweepDead when it ends.</li>
 *   <li>flush(c, cls, n): unlink the first n blocks, one chain per arena of their spans; the cache's own arena's
 *       chain goes to its central list under the lock, each other chain onto its arena's remote stack (one CAS).</li>
 *   <li>collect(c) (a cache event, every {@value ThreadCache#EVENT_INTERVAL} operations): the next non-empty list
 *       round-robin returns 3/4 of its low-water mark (jemalloc's incremental tcache GC); its mark resets.</li>
 *   <li>detach / release: flush every list, mark the cache detached, unregister it (the thread-local and the lookup
 *       hint too, so no later call finds it).</li>
 *   <li>sweepDead: the registry unregisters the caches of ended threads (clearing their hint slots) and hands each
 *       to exactly one sweeper, which flushes it. It runs on every registration, in every maintenance pass, when the
 *       heap is full, and after a refill once the heap has grown by {@value #SWEEP_GROWTH_PAGES} pages since the
 *       last such sweep (so a dead thread's cache is reused before the heap grows much further).</li>
 * </ol>
 */
final class ThreadCaches {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED; // every block is 16-aligned

    private final String name;
    private final CentralList[][] central;
    private final PageHeap pageHeap;
    private final MemorySegment mem;
    private final Links links;
    private final int arenas;
    /** Per-cache byte limit. */
    final long cacheLimit;
    /** The overall thread-cache budget (tcmalloc's overall thread cache size), divided equally among the caches. */
    final long budget;
    /** The smallest share of the budget a cache gets however many there are: one block of the largest class. */
    static final long MIN_SHARE = SizeClasses.MAX_SMALL;
    /** Every cache's share of the budget now: {@link #shareFor} of the caches registered at the last rebalance. */
    private volatile long share;
    /** Identifies this allocator's caches: a handle of another allocator carries another token. */
    final Object token;
    /**
     * Every cache not yet detached or reclaimed, in attach order, and the implicit lookup in front of them: core's
     * per-thread registry (the 256-slot hint by thread id, trusted only when the cache's final owner is the caller,
     * then the ThreadLocal; the dead-owner sweep). Hints are cleared on detach, reclaim and close.
     */
    final Registry registry = new Registry();
    private int nextArena;
    private volatile boolean closed;
    /** Ops a virtual thread makes through the striped caches before it is given a cache of its own. */
    static final int PROMOTE_AFTER = 256;
    /** Per virtual thread: its ops through the stripes, and its own cache once promoted (made on its first use). */
    private final ThreadLocal<@Nullable VirtualState> virtual = new ThreadLocal<>();
    /** Registered caches of (live or not yet reclaimed) virtual threads. */
    final AtomicInteger virtualCaches = new AtomicInteger();
    /** The most virtual threads holding a cache of their own at once (0: none is promoted). */
    int maxVirtualCaches;

    /** A virtual thread's promotion state: one object per virtual thread that reaches the striped path. */
    private static final class VirtualState {
        int ops;
        @Nullable ThreadCache cache;
    }
    /** Pages the heap may grow by between two growth-triggered sweeps of dead caches. */
    static final long SWEEP_GROWTH_PAGES = 32;
    /** The page heap's {@code grownPages} at the last growth-triggered sweep (racy: a heuristic; two sweeps are safe). */
    private long sweptAtGrowth;

    // statistics, under the statistics monitor
    private final Object statsLock = new Object();
    long deadCachesReclaimed;
    long cachesDetached;

    ThreadCaches(String name, CentralList[][] central, PageHeap pageHeap, MemorySegment mem, Links links, long cacheLimit,
                 long budget, Object token) {
        this.budget = budget;
        this.links = links;
        this.name = name;
        this.central = central;
        this.pageHeap = pageHeap;
        this.mem = mem;
        this.arenas = central.length;
        this.cacheLimit = cacheLimit;
        this.token = token;
        this.share = shareFor(1);
    }

    /** The registry over {@link ThreadCache}: round-robin arenas, a dead-owner sweep on every registration. */
    final class Registry extends ThreadRegistry<ThreadCache> {
        Registry() {
            super(ThreadCache[]::new);
        }

        @Override
        protected @Nullable Thread ownerOf(ThreadCache c) {
            return c.owner;
        }

        /** Round-robin arena; ids 0, 1, 2, ... in creation order. Under the registry's monitor. */
        @Override
        protected ThreadCache newRecord(@Nullable Thread owner, int id) {
            if (closed) {
                throw new IllegalStateException(name + " is closed");
            }
            int arena = Math.floorMod(nextArena++, arenas);
            return new ThreadCache(token, cacheLimit, arena, id, owner, arenas);
        }

        @Override
        protected void attached(ThreadCache c) {
            sweepDead();
            rebalance();
        }
    }

    // ================================================================== registration, detach, reclaim

    /** A new explicit handle. */
    ThreadCache newHandle() {
        ThreadCache c = registry.register(null);
        sweepDead();
        rebalance();
        return c;
    }

    /** The calling thread's own implicit cache, or null (none yet, or a virtual thread). */
    @Nullable ThreadCache own() {
        return registry.own();
    }

    /** Detaches the calling thread's own implicit cache (a promoted virtual thread's too), if it has one. */
    void detachOwn() {
        ThreadCache c = registry.own();
        if (c == null && Thread.currentThread().isVirtual()) {
            VirtualState v = virtual.get();
            if (v != null) {
                c = v.cache;
                v.cache = null;
            }
        }
        if (c != null && !c.isDetached()) {
            registry.forget(c);
            release(c);
        }
    }

    /**
     * The calling virtual thread's own cache, or null (use a stripe). A virtual thread is promoted after
     * {@value #PROMOTE_AFTER} ops through the stripes, while fewer than {@code maxVirtualCaches} virtual threads hold
     * one (a full quota first sweeps the ended ones; a refused thread asks again every {@value #PROMOTE_AFTER} ops).
     * The cache is an implicit one owned by the virtual thread: the hint finds it on later calls, this finds it when
     * the hint misses, and the dead-owner sweep reclaims it when the thread ends (its {@code isAlive()} false).
     */
    @Nullable ThreadCache virtualCache() {
        VirtualState v = virtual.get();
        if (v == null) {
            if (maxVirtualCaches == 0) {
                return null;
            }
            v = new VirtualState();
            virtual.set(v);
        }
        ThreadCache c = v.cache;
        if (c != null) {
            if (!c.isDetached()) {
                registry.remember(c); // the hint slot was taken by a thread with a colliding id
                return c;
            }
            v.cache = null; // detached through detach(cache): promoted anew if it stays busy
        }
        if (++v.ops % PROMOTE_AFTER != 0) {
            return null;
        }
        if (!claimVirtualQuota()) {
            sweepDead();
            if (!claimVirtualQuota()) {
                return null;
            }
        }
        try {
            c = registry.register(Thread.currentThread());
        } catch (RuntimeException | Error e) {
            virtualCaches.decrementAndGet(); // closed: nothing was registered
            throw e;
        }
        v.cache = c;
        registry.remember(c);
        sweepDead();
        rebalance();
        return c;
    }

    private boolean claimVirtualQuota() {
        for (int n = virtualCaches.get(); n < maxVirtualCaches; n = virtualCaches.get()) {
            if (virtualCaches.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** A virtual thread's cache left the registry (reclaimed or detached): its quota slot is free. */
    private void unregistered(ThreadCache c) {
        Thread owner = c.owner;
        if (owner != null && owner.isVirtual()) {
            virtualCaches.decrementAndGet();
        }
    }

    /** Detaches an explicit handle or the calling thread's own implicit cache. */
    void detach(ThreadCache cache) {
        requireUsable(cache);
        if (cache.owner != null) {
            if (cache.owner != Thread.currentThread()) {
                throw new CacheMisuseException(name + ": " + cache + " belongs to another thread; only it may detach it");
            }
            registry.forget(cache); // the thread-local and the lookup hint, as detachOwn(): no later call finds it again
        }
        release(cache);
    }

    /** jemalloc's {@code tcache.flush}: every block back, the cache stays usable; an implicit cache by its thread only. */
    void flushCache(ThreadCache cache) {
        requireUsable(cache);
        if (cache.owner != null && cache.owner != Thread.currentThread()) {
            throw new CacheMisuseException(name + ": " + cache + " belongs to another thread; only it may flush it");
        }
        flushAll(cache);
    }

    private void release(ThreadCache c) {
        flushAll(c);
        c.markDetached();
        if (registry.remove(c)) {
            unregistered(c);
        }
        synchronized (statsLock) {
            cachesDetached++;
        }
        rebalance();
    }

    void requireUsable(ThreadCache cache) {
        if (cache.usable != token) { // the allocator's token while attached: one compare for both tests
            throw unusable(cache);
        }
    }

    CacheMisuseException unusable(ThreadCache cache) {
        return new CacheMisuseException(name + ": " + cache + (cache.allocatorToken != token ? " belongs to another allocator" : " is detached"));
    }

    /**
     * Reclaims the caches of platform threads that have ended: the registry unregisters them (and clears their hint
     * slots) under its monitor, then each returns its blocks here. No lock held: the registry returns a dead cache to
     * exactly one sweeper, which owns it from then on (its thread ended, JLS 17.4.4: see {@link ThreadRegistry}).
     */
    void sweepDead() {
        List<ThreadCache> dead = registry.removeDead();
        for (ThreadCache c : dead) {
            flushAll(c);
            c.markDetached();
            unregistered(c);
        }
        if (!dead.isEmpty()) {
            synchronized (statsLock) {
                deadCachesReclaimed += dead.size();
            }
            rebalance();
        }
    }

    /** A cache's share of the budget when {@code n} caches are registered: {@code budget / n} within [MIN_SHARE, limit]. */
    long shareFor(int n) {
        return Math.min(cacheLimit, Math.max(MIN_SHARE, budget / Math.max(1, n)));
    }

    /**
     * Divides the budget anew among the registered caches (after a registration, detach or reclaim): one write, read
     * by each owner at its next overflow, refill or cache event ({@link #refreshShare}).
     */
    void rebalance() {
        share = shareFor(registry.size());
    }

    /** The share of the budget each cache gets now. */
    long share() {
        return share;
    }

    /**
     * The owner's side of a rebalance, on its slow path: adopt the current share and, if the cache holds more, shrink
     * to 3/4 of it.
     */
    void refreshShare(ThreadCache c) {
        c.limitBytes = share;
        if (c.bytes > c.limitBytes) {
            shrink(c);
        }
    }

    /**
     * The heap grew by {@link #SWEEP_GROWTH_PAGES} pages since the last such sweep ({@code grownPages} is the page
     * heap's count, read racily): reclaim ended threads' caches now, so their blocks are reused before the heap grows
     * further (rather than at the next registration or maintenance pass). Called after a refill, no lock held.
     */
    void sweepIfGrown(long grownPages) {
        if (grownPages - sweptAtGrowth >= SWEEP_GROWTH_PAGES) {
            sweptAtGrowth = grownPages;
            sweepDead();
        }
    }

    /** The caches registered now (quiescent use: checker, stats). */
    List<ThreadCache> snapshot() {
        return registry.snapshot();
    }

    int size() {
        return registry.size();
    }

    void close() {
        closed = true;
        registry.close();
    }

    // ================================================================== batches

    /** A list over its bound or a cache over its byte limit: return a batch, then shrink. */
    void overflow(ThreadCache c, int cls) {
        if (c.count(cls) > MAX_CACHED[cls]) {
            flush(c, cls, BATCH[cls]);
        }
        refreshShare(c);
    }

    /** Returns half of every list, largest classes first, until the cache holds at most 3/4 of its limit. */
    void shrink(ThreadCache c) {
        long target = c.limitBytes / 4 * 3;
        for (int cls = COUNT - 1; cls >= 1 && c.bytes > target; cls--) {
            int n = c.count(cls);
            if (n > 0) {
                flush(c, cls, n - n / 2);
            }
        }
    }

    /**
     * Returns the first {@code n} blocks of the cache's list {@code cls}: blocks of the cache's arena to its central
     * list (one lock), the others as one chain per owning arena onto that arena's remote stack (one CAS each).
     */
    void flush(ThreadCache c, int cls, int n) {
        c.flushes++;
        long b = c.head(cls);
        for (int i = 0; i < n; i++) {
            long next = links.decode(b, mem.get(LONG, b));
            int w = pageHeap.infoOf(b);
            int a;
            if (w != 0) {
                a = w >>> 16;
            } else { // no flat page info (a heap above its limit)
                Span s = pageHeap.map.get(b >>> PAGE_SHIFT);
                a = s == null ? c.arena : s.arena;
            }
            if (c.chainCount[a]++ == 0) {
                c.chainHead[a] = b;
            } else {
                mem.set(LONG, c.chainTail[a], links.encode(c.chainTail[a], b));
            }
            c.chainTail[a] = b;
            b = next;
        }
        c.head(cls, b);
        int left = c.count(cls) - n;
        c.count(cls, left);
        c.bytes -= n * SIZE[cls];
        if (c.lowWater(cls) > left) {
            c.lowWater(cls, left);
        }
        for (int a = 0; a < arenas; a++) {
            int k = c.chainCount[a];
            if (k == 0) {
                continue;
            }
            c.chainCount[a] = 0;
            if (a == c.arena) {
                central[a][cls].insertChain(c.chainHead[a], k);
            } else {
                central[a][cls].pushRemote(c.chainHead[a], c.chainTail[a]);
                central[a][cls].remotePushes++;
            }
        }
    }

    /** Returns every block of the cache; low-water marks reset. */
    void flushAll(ThreadCache c) {
        for (int cls = 1; cls < COUNT; cls++) {
            if (c.count(cls) > 0) {
                flush(c, cls, c.count(cls));
            }
            c.lowWater(cls, 0);
        }
    }

    /** The cache side of a cache event: incremental GC of the next non-empty list (3/4 of its low-water mark). */
    void collect(ThreadCache c) {
        c.ticks = ThreadCache.EVENT_INTERVAL;
        c.events++;
        int cls = c.gcCursor;
        for (int i = 1; i < COUNT && c.count(cls) == 0; i++) {
            cls = cls == COUNT - 1 ? 1 : cls + 1;
        }
        int low = c.lowWater(cls);
        if (low > 0) {
            flush(c, cls, low - low / 4);
        }
        c.lowWater(cls, c.count(cls));
        c.gcCursor = cls == COUNT - 1 ? 1 : cls + 1;
        refreshShare(c); // the budget may have been divided anew since
    }
}
