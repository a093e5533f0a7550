package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.COUNT;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.percpu.Scavenger;
import org.jalloc.threadcache.ThreadCacheAllocator.Clock;

/**
 * The maintenance tier of a {@link ThreadCacheAllocator}: the clock that drives decay, the maintenance pass (reclaim
 * dead threads' caches, drain every remote stack, decay dirty pages), and the recovery when the heap is full.
 *
 * <p>Lock order: the maintenance lock (core's {@link Scavenger}: at most one pass at a time), then a striped cache's
 * try-lock (never waits), then a central list
 * (one at a time, draining its remote stack, or a dead cache's flush), then the page heap (decay), then the heap's
 * own monitor (madvise); the cache registry's monitor is a leaf. Nothing takes a central list's monitor while holding
 * the page heap's.
 *
 * <pre>
 *  clock OPS:  every cache event adds 256 ops, every LARGE malloc/free 1     (reproducible: fuzzing, replay)
 *  clock TIME: milliseconds since construction                            (production)
 *      |  once per epoch = max(1, decay / 20) ticks, whichever thread's event crosses it (Scavenger.tick)
 *      v
 *  pass(now):  sweep dead caches -> flush idle striped caches -> drain all remote stacks -> pageHeap.decay(now)
 * </pre>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>tick (after a cache event's GC): advance the clock; once per epoch one thread runs a pass.</li>
 *   <li>pass(now): reclaim the caches of ended threads; flush the virtual threads' striped caches that made no operation
 *       since the previous pass ({@link StripedCaches}: try-claimed, a busy one skipped); drain every central list's remote stack; decay (the page
 *       heap's jemalloc-style smootherstep limit on dirty pages, TC-6).</li>
 *   <li>Heap full (recover): flush the caller's cache, reclaim dead caches, drain remote stacks; the caller retries
 *       once, then returns 0.</li>
 *   <li>scavenge(): a pass now at the clock's current reading (any thread, or the optional daemon), flushing every
 *       striped cache not held at that moment, idle or not;
 *       releaseFreeMemory(): a pass, then purge every free page.</li>
 * </ol>
 */
final class Maintenance implements LongConsumer {
    final Clock clock;
    final long decayTicks;
    private final long timeOrigin = System.nanoTime();
    private final Scavenger scavenger;
    private final PageHeap pageHeap;
    private final CentralList[][] central;
    private final ThreadCaches caches;
    private final StripedCaches stripes;

    // statistics: passes under the maintenance lock; the others atomic
    long maintenanceRuns;
    final AtomicLong oomRecoveries = new AtomicLong();

    Maintenance(Clock clock, long decayTicks, PageHeap pageHeap, CentralList[][] central, ThreadCaches caches, StripedCaches stripes) {
        this.stripes = stripes;
        this.clock = clock;
        this.decayTicks = decayTicks;
        this.pageHeap = pageHeap;
        this.central = central;
        this.caches = caches;
        this.scavenger = new Scavenger(decayTicks > 0 ? Math.max(1, decayTicks / PageHeap.DECAY_STEPS)
                : clock == Clock.OPS ? 16 * ThreadCache.EVENT_INTERVAL : 100);
    }

    /** Core's scavenger: the lock and the trigger (the optional daemon runs on it). */
    Scavenger scavenger() {
        return scavenger;
    }

    /** The clock side of a cache event. */
    void tick() {
        scavenger.tick(clock == Clock.OPS ? scavenger.count(ThreadCache.EVENT_INTERVAL) : millis(), this); // this, not a method reference: no allocation per event
    }

    /** A LARGE malloc or free: one op on the operation clock. */
    void largeOp() {
        if (clock == Clock.OPS) {
            scavenger.countAndTick(this);
        }
    }

    private long millis() {
        return (System.nanoTime() - timeOrigin) / 1_000_000;
    }

    /** The clock's current value (ops or ms). */
    long now() {
        return clock == Clock.OPS ? scavenger.ops() : millis();
    }

    /** The pass {@link Scavenger} runs under its lock when the clock says so. */
    @Override
    public void accept(long now) {
        passLocked(now, false);
    }

    /** A maintenance pass at clock reading {@code now}; the maintenance lock held (by {@link Scavenger}). */
    private void passLocked(long now, boolean allStripes) {
        maintenanceRuns++;
        caches.sweepDead();
        stripes.flush(allStripes);
        drainAllRemote();
        pageHeap.decay(now);
    }

    private void drainAllRemote() {
        for (CentralList[] lists : central) {
            for (int cls = 1; cls < COUNT; cls++) {
                if (lists[cls].hasRemote()) {
                    lists[cls].drainRemoteLocked();
                }
            }
        }
    }

    /** The heap is full: give back what caches and remote stacks hold (the caller retries once). */
    void recover(@Nullable ThreadCache c) {
        oomRecoveries.incrementAndGet();
        if (c != null && !c.isDetached()) {
            caches.flushAll(c);
        }
        caches.sweepDead();
        drainAllRemote();
    }

    /** A pass now, at the clock's current reading, flushing every striped cache not held at this moment. */
    void scavenge() {
        scavenger.run(() -> passLocked(now(), true));
    }

    /** A pass, then every free page back to the OS. */
    void releaseFreeMemory() {
        scavenge();
        pageHeap.purgeTo(0);
    }

    void close() {
        scavenger.close();
    }
}
