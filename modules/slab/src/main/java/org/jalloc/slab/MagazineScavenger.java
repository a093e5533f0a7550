package org.jalloc.slab;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.percpu.PerThreadOptions;
import org.jalloc.core.percpu.Scavenger;
import org.jalloc.core.percpu.ThreadRegistry;

/**
 * The per-thread side and the scavenging of a {@link SlabAllocator}: every platform thread's magazines (core's
 * {@link ThreadRegistry}: hint, thread-local, attach order, dead-owner sweep), and what gives cached memory back —
 * detach, the scavenger, shrink and the reclaim of a full heap.
 *
 * <h2>Lock order</h2>
 * A thread's magazine lock ({@link ThreadMagazines}), then a cache's depot monitor, then its slab lock, then the page
 * lock; the thread registry's own lock is held alone. A flush takes a thread's magazines out under that thread's lock
 * and returns their rounds after releasing it.
 *
 * <h2>Nouns</h2>
 * <b>per-thread record</b>: a thread's {@link ThreadMagazines} (loaded and previous magazine per cache id).
 * <b>dead owner</b>: a platform thread that ended with magazines (Java has no thread-exit hook). <b>operation-count
 * clock</b>: the {@link Scavenger}'s count of operations off the magazine fast path.
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>Every {@value SlabAllocator#SCAVENGE_EVERY} operations that leave the magazine fast path (depot exchanges,
 *       counted per thread and added {@value #EXCHANGE_BATCH} at a time; slab layer, counted at once), the
 *       scavenger runs (at most one at a time): it flushes the magazines of platform threads that have ended
 *       and reaps every depot's unused working set. {@link #scavenge()} runs it now; an optional daemon thread
 *       runs it on a timer.</li>
 *   <li>detach: the calling thread's magazines of every cache go back to the slabs (the magazines to the depots,
 *       empty) and its record is forgotten.</li>
 *   <li>shrink: every thread's magazines and every depot flushed, then every empty slab destroyed, off-slab caches
 *       first (their descriptors live in on-slab caches).</li>
 *   <li>reclaim (the heap is full): this thread's magazines, the dead threads', every depot, then every empty slab,
 *       off-slab caches first; the caller retries once.</li>
 * </ol>
 */
final class MagazineScavenger {
    /** The caches whose magazines it flushes. */
    private final CacheRegistry caches;
    /** The allocator's name, for messages. */
    private final String name;
    /** Set by {@link #close()}: no thread gets magazines any more. */
    private volatile boolean closed;
    /** Every platform thread's magazines (core's per-thread registry: hint, thread-local, dead-owner sweep). */
    private final Magazines registry = new Magazines();
    /** The scavenger: every {@link SlabAllocator#SCAVENGE_EVERY}th operation off the magazine fast path, or its daemon. */
    private final Scavenger scavenger = new Scavenger(SlabAllocator.SCAVENGE_EVERY);

    final AtomicLong reclaims = new AtomicLong();
    final AtomicLong scavenges = new AtomicLong();
    final AtomicLong deadThreadsReclaimed = new AtomicLong();
    final AtomicLong threadsDetached = new AtomicLong();

    MagazineScavenger(CacheRegistry caches, String name) {
        this.caches = caches;
        this.name = name;
    }

    /** Starts the optional scavenger daemon. */
    void start(PerThreadOptions perThread) {
        perThread.start(scavenger, "jalloc-slab-scavenger", this::scavenge);
    }

    void close() {
        closed = true;
        scavenger.close();
        registry.close();
    }

    // ================================================================== magazines of threads

    /** The calling platform thread's magazines (created on first use), or null on a virtual thread. */
    @Nullable ThreadMagazines currentMagazines() {
        return registry.current();
    }

    /** The calling thread's magazines if it has any. */
    @Nullable ThreadMagazines existingMagazines() {
        return registry.existing();
    }

    /** The magazines of platform threads: core's per-thread registry (hint, thread-local, attach order, dead sweep). */
    private final class Magazines extends ThreadRegistry<ThreadMagazines> {
        Magazines() {
            super(ThreadMagazines[]::new);
        }

        @Override
        protected Thread ownerOf(ThreadMagazines record) {
            return record.owner;
        }

        @Override
        protected ThreadMagazines newRecord(@Nullable Thread owner, int id) {
            if (closed) {
                throw new IllegalStateException(name + " is closed");
            }
            if (owner == null) {
                throw new NullPointerException("owner");
            }
            return new ThreadMagazines(owner, id);
        }

        @Override
        protected void attached(ThreadMagazines record) {
            sweepDeadThreads();
        }
    }

    /** The registered threads' magazines now (for the walk and statistics). */
    List<ThreadMagazines> threadSnapshot() {
        return registry.snapshot();
    }

    /** See {@link SlabAllocator#detach()}. */
    void detach() {
        ThreadMagazines t = registry.detachCurrent();
        if (t == null) {
            return;
        }
        flushThread(t);
        threadsDetached.incrementAndGet();
    }

    /** Returns every round of {@code t}'s magazines to the slabs (the magazines go to the depots, empty). */
    private void flushThread(ThreadMagazines t) {
        for (SlabCache c : caches.table()) {
            if (c != null) {
                flush(t, c);
            }
        }
    }

    /** Flushes every thread's magazines of {@code cache} (each under that thread's lock). */
    void purgeThreadMagazines(SlabCache cache) {
        for (ThreadMagazines t : threadSnapshot()) {
            flush(t, cache);
        }
    }

    /** Takes {@code t}'s magazines of {@code cache} under its lock, then returns their rounds (the magazines to the depot). */
    private static void flush(ThreadMagazines t, SlabCache cache) {
        List<Magazine> mags;
        t.lock();
        try {
            mags = cache.takeMagazines(t);
        } finally {
            t.unlock();
        }
        if (!mags.isEmpty()) {
            cache.flushMagazines(mags, true);
        }
    }

    /** Flushes and forgets the magazines of platform threads that have ended. */
    private void sweepDeadThreads() {
        for (ThreadMagazines t : registry.removeDead()) {
            flushThread(t);
            deadThreadsReclaimed.incrementAndGet();
        }
    }

    /** Rounds in every thread's magazines, per cache id (quiescent use). */
    long[] roundsInMagazines() {
        long[] n = new long[caches.table().length];
        for (ThreadMagazines t : threadSnapshot()) {
            for (int id = 0; id < n.length; id++) {
                Magazine l = t.loaded(id);
                Magazine p = t.previous(id);
                n[id] += (l != null ? l.count : 0) + (p != null ? p.count : 0);
            }
        }
        return n;
    }

    // ================================================================== scavenging

    /** The pass the clock triggers, made on first use (one object, not a lambda per tick; a racing second one is harmless). */
    private java.util.function.@Nullable LongConsumer pass;

    private java.util.function.LongConsumer pass() {
        java.util.function.LongConsumer p = pass;
        if (p == null) {
            p = now -> scavengeLocked();
            pass = p;
        }
        return p;
    }

    /**
     * Depot exchanges a thread makes before they advance the clock, all at once: the clock is one counter shared by
     * every thread, and with two threads exchanging magazines (a producer and a consumer) one increment per exchange
     * moved its cache line between them every 15 blocks or so (branch pc44: a quarter of the producer/consumer
     * profile's allocator samples). A power of two dividing {@link SlabAllocator#SCAVENGE_EVERY}.
     */
    static final int EXCHANGE_BATCH = 16;

    /**
     * Counts an operation off the magazine fast path that reached the slab layer (a new thread's first operations,
     * an empty depot, no magazines); every {@link SlabAllocator#SCAVENGE_EVERY}th runs the scavenger. No lock held.
     */
    void tick() {
        scavenger.countAndTick(pass());
    }

    /**
     * Counts a depot exchange of {@code t}'s (called by its owner, no lock held): kept in {@code t} and added to the
     * clock {@link #EXCHANGE_BATCH} at a time. Slab-layer operations ({@link #tick()}) are counted at once, so a thread
     * that makes few operations (a short-lived one, whose first ones all reach the slab layer) still moves the clock.
     */
    void tickExchange(ThreadMagazines t) {
        if (++t.exchanges >= EXCHANGE_BATCH) {
            t.exchanges = 0;
            scavenger.tick(scavenger.count(EXCHANGE_BATCH), pass());
        }
    }

    /** See {@link SlabAllocator#scavenge()}. */
    void scavenge() {
        scavenger.run(this::scavengeLocked);
    }

    private void scavengeLocked() {
        scavenges.incrementAndGet();
        sweepDeadThreads();
        for (SlabCache c : caches.table()) {
            if (c != null && c.magazineSize > 0) {
                c.reapWorkingSet();
            }
        }
    }

    /** See {@link SlabAllocator#shrink()}. */
    long shrink() {
        long bytes = 0;
        for (SlabCache c : caches.reclaimOrder()) {
            purgeThreadMagazines(c);
            c.purgeDepot();
        }
        for (SlabCache c : caches.reclaimOrder()) {
            bytes += c.slabs.destroyEmpties(0);
        }
        return bytes;
    }

    /** The heap is full: give back everything this thread and the depots hold, then every empty slab. */
    void reclaim() {
        reclaims.incrementAndGet();
        ThreadMagazines own = registry.existing();
        if (own != null) {
            flushThread(own);
        }
        sweepDeadThreads();
        for (SlabCache c : caches.reclaimOrder()) {
            c.purgeDepot();
        }
        for (SlabCache c : caches.reclaimOrder()) {
            c.slabs.destroyEmpties(0);
        }
    }
}
