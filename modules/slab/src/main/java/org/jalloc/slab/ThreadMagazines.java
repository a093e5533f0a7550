package org.jalloc.slab;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One platform thread's magazines in one {@link SlabAllocator}: per cache (indexed by cache id) a loaded and a
 * previous magazine (Bonwick &amp; Adams' per-CPU cache, here per thread). Invariant of the pair: the previous
 * magazine is always full or empty (SLAB-7).
 *
 * <p>The owner thread is the only one that allocates and frees through it; {@link SlabCache#shrink()}, the
 * scavenger (for dead owners) and the checker reach in from other threads. The records are found and registered
 * through core's per-thread registry ({@link org.jalloc.core.percpu.ThreadRegistry}). So, as Solaris' {@code cc_lock}, a lock
 * guards it: one compare-and-set to take (uncontended on the fast path) and a release store to drop.
 */
final class ThreadMagazines {
    private static final VarHandle LOCK;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(ThreadMagazines.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through LOCK
    private volatile int lock;

    @Nullable Magazine[] loaded = new Magazine[0];
    @Nullable Magazine[] previous = new Magazine[0];
    /** Set by a magazine operation that went to the depot; the owner reads and clears it after unlocking. */
    boolean slowPath;
    /** Depot exchanges not yet added to the scavenger's clock (the owner's alone, read and written without the lock). */
    int exchanges;

    /** The platform thread the magazines belong to. */
    final Thread owner;
    /** A number for messages and list names, unique within the allocator. */
    final int id;

    ThreadMagazines(Thread owner, int id) {
        this.owner = owner;
        this.id = id;
    }

    void lock() {
        if (!LOCK.compareAndSet(this, 0, 1)) {
            contended();
        }
    }

    private void contended() {
        int spins = 0;
        while (!LOCK.compareAndSet(this, 0, 1)) {
            if (++spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    void unlock() {
        LOCK.setRelease(this, 0);
    }

    @Nullable Magazine loaded(int cache) {
        return cache < loaded.length ? loaded[cache] : null;
    }

    @Nullable Magazine previous(int cache) {
        return cache < previous.length ? previous[cache] : null;
    }

    /** Sets the pair of cache {@code cache} (lock held). */
    void set(int cache, @Nullable Magazine newLoaded, @Nullable Magazine newPrevious) {
        if (cache >= loaded.length) {
            int n = Math.max(cache + 1, loaded.length * 2);
            loaded = Arrays.copyOf(loaded, n);
            previous = Arrays.copyOf(previous, n);
        }
        loaded[cache] = newLoaded;
        previous[cache] = newPrevious;
    }

    @Override
    public String toString() {
        return "magazines of thread " + owner.getName() + " (#" + id + ")";
    }
}
