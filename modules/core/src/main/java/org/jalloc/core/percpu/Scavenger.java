package org.jalloc.core.percpu;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An allocator's scavenger: the operation-count clock that triggers it, the rule that at most one pass runs at a
 * time, and the optional background daemon. Written once for the slab family and thread-cache; the pass itself
 * (sweep dead owners, return the depot's working set, drain remote stacks, decay pages) is the allocator's.
 *
 * <h2>Lock order</h2>
 * The scavenge lock comes first: a pass takes the allocator's other locks (registry, cache, central list, page)
 * inside it, and nothing takes the scavenge lock while holding one of those.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At most one pass runs at a time: a triggered pass ({@link #tick}) only try-locks and is skipped if one runs;
 *       an explicit pass ({@link #run}) waits for the running one.</li>
 *   <li>The clock: {@code ops} counts operations off the fast path (or a multiple of them); a triggered pass runs when
 *       the clock reading {@code now >= next} and re-arms {@code next = now + interval}. In a single thread, with
 *       steps of 1, that is every {@code interval}-th operation exactly, so a run reproduces byte for byte. The
 *       reading may come from another clock (thread-cache's {@code TIME} clock passes milliseconds).</li>
 * </ul>
 *
 * <h2>One daemon per allocator, not a shared one</h2>
 * The background daemon (off by default) belongs to one allocator, is started by its builder after construction (so
 * it sees a finished allocator) and is stopped by its {@code close()}: a pass of one allocator then never waits
 * behind another allocator's pass (a pass holds that allocator's locks for as long as its depots or decay take),
 * each allocator keeps its own period, a thread dump names the allocator family whose scavenger it is, and no
 * global state outlives the allocators. Allocators with a background scavenger are few and long-lived, so one
 * thread each costs little; one shared thread would need a schedule across allocators and weak references to them.
 */
public final class Scavenger {
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong ops = new AtomicLong();
    private final long interval;
    private volatile long next;
    private volatile @Nullable Thread daemon;
    private volatile boolean closed;

    /** A scavenger triggered when the clock reaches {@code interval}, then every {@code interval} after a pass. */
    public Scavenger(long interval) {
        if (interval < 1) {
            throw new IllegalArgumentException("scavenge interval must be positive, got " + interval);
        }
        this.interval = interval;
        this.next = interval;
    }

    /** Advances the operation clock by {@code n} and returns its new reading. */
    public long count(long n) {
        return ops.addAndGet(n);
    }

    /** The operation clock's reading. */
    public long ops() {
        return ops.get();
    }

    /** Counts one operation off the fast path and runs {@code pass} when it is due (see {@link #tick}). */
    public void countAndTick(LongConsumer pass) {
        tick(ops.incrementAndGet(), pass);
    }

    /**
     * Runs {@code pass(now)} if the clock reading {@code now} reached the next pass and no pass runs; re-arms the next
     * pass at {@code now + interval} first. Called with no lock of the allocator held.
     */
    public void tick(long now, LongConsumer pass) {
        if (now >= next && lock.tryLock()) {
            try {
                next = now + interval;
                pass.accept(now);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Runs {@code pass} now, after any running pass (an explicit scavenge; the clock is not re-armed). */
    public void run(Runnable pass) {
        lock.lock();
        try {
            pass.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts the background daemon {@code threadName}, which calls {@code scavenge} every {@code period} (at least 1 ms)
     * until {@link #close()}. Call it once the allocator is fully constructed.
     */
    public void startDaemon(String threadName, Duration period, Runnable scavenge) {
        long millis = Math.max(1, period.toMillis());
        Thread t = Thread.ofPlatform().daemon().name(threadName).unstarted(() -> {
            while (!closed) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed) {
                    scavenge.run();
                }
            }
        });
        daemon = t;
        t.start();
    }

    /** Stops the daemon, if any (it ends after any pass in progress). */
    public void close() {
        closed = true;
        Thread t = daemon;
        if (t != null) {
            t.interrupt();
        }
    }
}
