package org.jalloc.slab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The per-thread machinery the slab family shares (slab's magazines, slub's active slabs): a record per platform
 * thread, found through a {@link ThreadLocal}, registered in attach order so other threads can reach it (shrink,
 * the walk, statistics); the dead-owner sweep (Java has no thread-exit hook: a record whose thread has ended is
 * removed and handed back to be flushed; {@link Thread#isAlive()} returning false orders everything the dead thread
 * wrote before it, JLS 17.4.4); and the scavenger's trigger, every {@code every}-th operation off the fast path,
 * run by whoever counts it, at most one at a time.
 *
 * <p>Virtual threads get no record (they would multiply them without bound); callers use their locked paths.
 *
 * @param <T> the per-thread record
 */
final class ThreadRegistry<T extends ThreadRegistry.PerThread> {
    /** What a per-thread record carries for the registry. */
    abstract static class PerThread {
        /** The platform thread the record belongs to. */
        final Thread owner;
        /** A number for messages and list names, unique within the allocator. */
        final int id;
        /** Set once flushed for good (detach, dead owner): the owner then attaches afresh. */
        volatile boolean retired;

        PerThread(Thread owner, int id) {
            this.owner = owner;
            this.id = id;
        }

        boolean ownerDead() {
            return !owner.isAlive();
        }
    }

    private final ThreadLocal<@Nullable T> local = new ThreadLocal<>();
    /** Every record, in attach order; guarded by itself. */
    private final List<T> threads = new ArrayList<>();
    private int nextId;
    private final AtomicLong slowOps = new AtomicLong();
    private final ReentrantLock scavengeLock = new ReentrantLock();

    /** The calling thread's record, if it has one. */
    @Nullable T existing() {
        return local.get();
    }

    /** Registers a new record for {@code t} (the calling thread), made by {@code make(thread, id)}. */
    T attach(Thread t, BiFunction<Thread, Integer, T> make) {
        T m;
        synchronized (threads) {
            m = make.apply(t, nextId++);
            threads.add(m);
        }
        local.set(m);
        return m;
    }

    /** The registered records now. */
    List<T> snapshot() {
        synchronized (threads) {
            return new ArrayList<>(threads);
        }
    }

    /** Forgets the calling thread's record and returns it (retired), or null if it had none. */
    @Nullable T detachCurrent() {
        T t = local.get();
        if (t == null) {
            return null;
        }
        local.remove();
        synchronized (threads) {
            threads.remove(t);
        }
        t.retired = true;
        return t;
    }

    /** Removes the records of platform threads that have ended and returns them (retired), to be flushed. */
    List<T> removeDead() {
        List<T> dead = new ArrayList<>();
        synchronized (threads) {
            for (int i = threads.size() - 1; i >= 0; i--) {
                T t = threads.get(i);
                if (t.ownerDead()) {
                    threads.remove(i);
                    t.retired = true;
                    dead.add(t);
                }
            }
        }
        return dead;
    }

    /** Forgets the calling thread's record locally (closing). */
    void forgetCurrent() {
        local.remove();
    }

    /** Counts an operation off the fast path; every {@code every}-th runs {@code scavenger} unless one runs already. */
    void tick(int every, Runnable scavenger) {
        if (slowOps.incrementAndGet() % every == 0 && scavengeLock.tryLock()) {
            try {
                scavenger.run();
            } finally {
                scavengeLock.unlock();
            }
        }
    }

    /** Runs {@code scavenger} now, after any running one. */
    void scavenge(Runnable scavenger) {
        scavengeLock.lock();
        try {
            scavenger.run();
        } finally {
            scavengeLock.unlock();
        }
    }
}
