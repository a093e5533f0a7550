package org.jalloc.threadcache;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The striped caches of a {@link ThreadCacheAllocator}: the cached fast path of virtual threads, the nearest Java
 * analogue of tcmalloc's per-CPU caches. A virtual thread starts without a cache of its own (millions of them would
 * strand memory in caches without bound); instead it claims one of a few shared caches with a try-lock for the length
 * of one call, pops or pushes there exactly as a platform thread does in its own cache, and releases it. A busy one
 * is promoted to a cache of its own ({@link ThreadCaches#virtualCache}: at most twice the stripes at once).
 *
 * <h2>Lock order</h2>
 * A stripe's claim is a try-lock that never waits, taken before anything else (a central list's monitor, the page
 * heap's, the maintenance lock, the registry's) and released after them; the maintenance pass try-claims stripes
 * under the maintenance lock, which is safe because a try-lock cannot wait for a holder. One stripe at a time.
 *
 * <h2>Layout</h2>
 * <pre>
 *  locks (ints, PAD apart = 128 B, one cache line pair each):  [ 0 | 1 | 0 | ... ]   0 free, 1 claimed
 *  caches:                                                     [ c0 | c1 | null | ... ]   N = a power of two
 *    caches[s] is a ThreadCache with stripe = s, created by the first claimer of s and registered with the cache
 *    registry as an ownerless record (so the walk, the stats and close see it as they see an explicit handle);
 *    read and written only by the holder of lock s
 *  virtual thread v:  s0 = mix(v.threadId()) &amp; (N - 1);  try s0, s0 + 1, ... (PROBES stripes, mod N)
 *                     none free: the arena path (the central list under its lock), counted as uncached
 * </pre>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At most one thread holds stripe s: lock s goes 0 -&gt; 1 only by {@code compareAndSet} (volatile: acquire) and
 *       1 -&gt; 0 only by its holder ({@code setRelease}), so every write a holder made to caches[s] and its lists
 *       happens-before the next holder's reads (the cache's lists, counts and bytes are plain fields, as an owner
 *       thread's). TC-5 holds for a stripe's cache as for any cache; its blocks are cached blocks to the checker
 *       (TC-3, HEAP-3).</li>
 *   <li>A stripe's cache is never detached or reclaimed while the allocator is open (it has no owner thread to die);
 *       an idle one is flushed by the maintenance pass instead.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>claim(): for up to PROBES stripes from s0, CAS lock 0 -&gt; 1; on success the stripe's cache (created and
 *       registered on first use); else null (the caller takes the arena path).</li>
 *   <li>release(c): lock[c.stripe] = 0 (release store).</li>
 *   <li>flush(all) (each maintenance pass): for every stripe whose cache made no operation since the previous pass
 *       (any stripe, for an explicit {@code scavenge()}) and holds blocks, try-claim it, flush every list to the
 *       central lists, release. A busy stripe is skipped.</li>
 * </ol>
 */
final class StripedCaches {
    /** Ints between two stripes' lock words: 128 bytes, so two carriers claiming neighbours share no cache line. */
    private static final int PAD = 32;
    /** The most stripes a build may ask for. */
    static final int MAX = 256;
    /** Stripes tried before the arena path. */
    private static final int PROBES = 4;

    private final ThreadCaches tier;
    private final int mask;
    private final int probes;
    private final AtomicIntegerArray locks;
    private final @Nullable ThreadCache[] caches;
    /** Per stripe: the cache's activity ({@link #activity}) at the previous maintenance pass (the pass's own). */
    private final long[] seen;

    /** {@code n} stripes (rounded up to a power of two; 0: none, every virtual thread call takes the arena path). */
    StripedCaches(ThreadCaches tier, int n) {
        this.tier = tier;
        int size = n <= 1 ? n : Integer.highestOneBit(n - 1) << 1;
        this.mask = size - 1;
        this.probes = Math.min(PROBES, size);
        this.locks = new AtomicIntegerArray(Math.max(1, size) * PAD);
        this.caches = new ThreadCache[size];
        this.seen = new long[size];
        tier.maxVirtualCaches = 2 * size; // virtual threads with a cache of their own: twice the stripes
    }

    /** The stripes' number: a power of two, or 0. */
    int count() {
        return caches.length;
    }

    /** The default for {@code availableProcessors()} CPUs: the next power of two at or above twice that, in [2, 64]. */
    static int defaultCount(int cpus) {
        int n = Math.min(64, Math.max(2, 2 * cpus));
        return Integer.highestOneBit(n - 1) << 1;
    }

    /** A stripe's cache claimed for the calling thread, or null when the probed stripes are all held (or none exist). */
    @Nullable ThreadCache claim() {
        int n = probes;
        if (n == 0) {
            return null;
        }
        long id = Thread.currentThread().threadId();
        int s = (int) (id * 0x9E3779B97F4A7C15L >>> 40);
        for (int i = 0; i < n; i++, s++) {
            int k = s & mask;
            if (locks.compareAndSet(k * PAD, 0, 1)) {
                ThreadCache c = caches[k];
                return c != null ? c : create(k);
            }
        }
        return null;
    }

    /** Releases the stripe whose cache {@code c} the calling thread claimed. */
    void release(ThreadCache c) {
        locks.setRelease(c.stripe * PAD, 0);
    }

    /** The first claim of stripe {@code k}: a new ownerless cache in the registry; lock k held. */
    private ThreadCache create(int k) {
        ThreadCache c;
        try {
            c = tier.registry.register(null);
        } catch (RuntimeException | Error e) {
            locks.setRelease(k * PAD, 0); // closed: nothing was registered
            throw e;
        }
        c.stripe = k;
        caches[k] = c;
        tier.rebalance(); // the registry's monitor is a leaf: safe under the stripe's try-lock
        return c;
    }

    /** A cache's operation count as far as the stripe needs it: changes with every malloc and free through it. */
    private static long activity(ThreadCache c) {
        return c.events * (ThreadCache.EVENT_INTERVAL + 1L) + c.ticks;
    }

    /**
     * Flushes the stripes idle since the previous pass, or every stripe when {@code all} (an explicit scavenge);
     * maintenance lock held; a held stripe is skipped.
     */
    void flush(boolean all) {
        for (int k = 0; k < caches.length; k++) {
            if (!locks.compareAndSet(k * PAD, 0, 1)) {
                continue;
            }
            try {
                ThreadCache c = caches[k];
                if (c != null && !c.isDetached()) {
                    long now = activity(c);
                    if ((all || now == seen[k]) && c.bytes > 0) {
                        tier.flushAll(c);
                        now = activity(c);
                    }
                    seen[k] = now;
                }
            } finally {
                locks.setRelease(k * PAD, 0);
            }
        }
    }
}
