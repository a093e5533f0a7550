package org.jalloc.core.percpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The per-thread records of one allocator, written once for the slab family (slab's magazines, slub's active slabs)
 * and thread-cache (its caches): the implicit lookup, the registry in attach order, and the dead-owner sweep.
 *
 * <h2>Lock order</h2>
 * The registry's monitor is a leaf: nothing else is taken while it is held ({@link #newRecord} runs under it and
 * must take no lock). Records come out of {@link #removeDead()} and {@link #detachCurrent()} already unregistered,
 * and are flushed by the caller after the monitor is released.
 *
 * <h2>Layout</h2>
 * <pre>
 *   hint:    [ r | r | . | ... | r ]   HINT_SLOTS = 256 slots, slot = threadId &amp; 255, plain loads and stores
 *   local:   ThreadLocal: the calling platform thread's implicit record
 *   records: [ r0, r1, ... ]          every registered record (implicit and explicit), in attach order; its monitor
 * </pre>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A record is in {@code records} from {@link #register}/{@link #current()} until {@link #remove},
 *       {@link #detachCurrent()} or {@link #removeDead()} returns it; each of those returns a record at most once.</li>
 *   <li>{@code local} of thread t is t's implicit record, or empty; an implicit record's owner is t.</li>
 *   <li>A hint slot is trusted only when {@code ownerOf(hint[slot]) == currentThread}: only a record's owner stores
 *       it into a slot, so a record found that way is the caller's own implicit record. A stale, foreign or torn-away
 *       slot costs one ThreadLocal lookup, never a wrong record. {@code ownerOf} must read a final field, so a record
 *       published through the racy slot is seen with its owner set (JLS 17.5).</li>
 *   <li>Virtual threads get no record of their own accord (they would multiply records without bound):
 *       {@link #current()} and {@link #existing()} return null on them. An allocator may register one for a
 *       virtual thread it chose ({@link #register} with the thread as owner, then {@link #remember} on that thread):
 *       the hint finds it from then on, a miss costs the allocator's own fallback, and {@link #removeDead()}
 *       reclaims it when the thread ends, as a platform thread's.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>current(): r = hint[slot(t)]; owner(r) == t: r. Else (virtual: null) r = local; none: attach a new record
 *       (registered under the monitor, set in {@code local}, {@link #attached} called); store r in the slot.</li>
 *   <li>detachCurrent(): take local's record, clear local and its hint slot (so no later lookup finds it: the
 *       detach bug of issue 15), unregister it, return it to be flushed.</li>
 *   <li>removeDead(): under the monitor, unregister every record whose owner is a thread that has ended;
 *       clear their hint slots; return them to be flushed. Java has no thread-exit hook, so this sweep is how an
 *       ended thread's record is reclaimed. It is safe to read the dead owner's record: the final action of a thread
 *       synchronizes-with any action of another thread that detects it has terminated, which
 *       {@link Thread#isAlive()} returning false does (JLS 17.4.4), so every write the owner made to its record
 *       (plain, unlocked: the fast paths) happens-before the sweeper's reads, and the owner makes no more.</li>
 * </ol>
 *
 * @param <T> the per-thread record
 */
public abstract class ThreadRegistry<T extends Object> {
    /** Slots of the lookup hint (a power of two). */
    public static final int HINT_SLOTS = 256;

    private final ThreadLocal<@Nullable T> local = new ThreadLocal<>();
    /** The implicit record last looked up by a thread whose id maps to the slot; racy by design (see the header). */
    private final @Nullable T[] hint;
    /** Every record, in attach order; guarded by itself. */
    private final List<T> records = new ArrayList<>();
    private int nextId;

    /**
     * A registry with no record; {@code newArray} makes the hint an array of the record type (e.g.
     * {@code ThreadCache[]::new}), so a fast path reading {@link #hints()} needs no type check per lookup.
     */
    protected ThreadRegistry(IntFunction<@Nullable T[]> newArray) {
        this.hint = newArray.apply(HINT_SLOTS);
    }

    /** The thread {@code record} belongs to, or null for one no thread owns (an explicit handle); a final field. */
    protected abstract @Nullable Thread ownerOf(T record);

    /**
     * A new record for {@code owner} (null: an explicit handle), numbered {@code id} (0, 1, 2, ... in attach order).
     * Called under the registry's monitor: it may throw (nothing is registered then) and must take no lock.
     */
    protected abstract T newRecord(@Nullable Thread owner, int id);

    /** Called on the attaching thread after a new implicit record was registered, no lock held (e.g. a sweep). */
    protected void attached(T record) {}

    /**
     * The lookup hint itself, for an allocator that inlines the first step of {@link #current()} into its fast path
     * (one load less than through the registry): read it only, trusting a slot only when its record's owner is the
     * calling thread, as {@link #current()} does; only the registry stores into it.
     */
    public final @Nullable T[] hints() {
        return hint;
    }

    /** The hint slot of thread {@code t}. */
    public static int hintSlot(Thread t) {
        return (int) t.threadId() & (HINT_SLOTS - 1);
    }

    /** The calling platform thread's implicit record, attached on first use; null on a virtual thread. */
    public final @Nullable T current() {
        return find(true);
    }

    /** The calling platform thread's implicit record if it has one (none is attached); null on a virtual thread. */
    public final @Nullable T existing() {
        return find(false);
    }

    /** The hint when it names the caller's own record, else {@link #lookUp}: small, so the JIT inlines it. */
    private @Nullable T find(boolean attach) {
        Thread t = Thread.currentThread();
        int slot = hintSlot(t);
        @Nullable T r = hint[slot];
        return r != null && ownerOf(r) == t ? r : lookUp(t, slot, attach);
    }

    private @Nullable T lookUp(Thread t, int slot, boolean attach) {
        if (t.isVirtual()) {
            return null;
        }
        T r = local.get();
        if (r == null) {
            if (!attach) {
                return null;
            }
            r = register(t);
            local.set(r);
            attached(r);
        }
        hint[slot] = r;
        return r;
    }

    /** Registers a new record for {@code owner} that no thread-local points at (an explicit handle when null). */
    public final T register(@Nullable Thread owner) {
        synchronized (records) {
            T r = newRecord(owner, nextId);
            nextId++;
            records.add(r);
            return r;
        }
    }

    /**
     * Stores {@code record}, which the calling thread owns, in the thread's hint slot: how an allocator makes a record
     * it registered for a virtual thread ({@link #register} with that thread as owner) the one the hint finds. The
     * thread-local never holds such a record: a lookup that misses the hint still answers null on a virtual thread.
     */
    public final void remember(T record) {
        Thread t = Thread.currentThread();
        if (ownerOf(record) != t) {
            throw new IllegalArgumentException("remember: " + record + " is not the calling thread's record");
        }
        hint[hintSlot(t)] = record;
    }

    /** The calling thread's implicit record from its thread-local alone (no hint), or null. */
    public final @Nullable T own() {
        return local.get();
    }

    /**
     * Forgets the calling thread's implicit record {@code record} (its thread-local and its hint slot) and unregisters
     * it; returns it, or null if the thread has none.
     */
    public final @Nullable T detachCurrent() {
        T r = local.get();
        if (r == null) {
            return null;
        }
        forget(r);
        remove(r);
        return r;
    }

    /**
     * Forgets {@code record} as the calling thread's implicit record: clears the thread-local if it holds
     * {@code record}, and the hint slot, so no later lookup on this thread finds it again. It stays registered.
     */
    public final void forget(T record) {
        if (local.get() == record) {
            local.remove();
        }
        dropHint(record);
    }

    /** Unregisters {@code record} and clears its hint slot; false if it was not registered. */
    public final boolean remove(T record) {
        boolean had;
        synchronized (records) {
            had = records.remove(record);
        }
        dropHint(record);
        return had;
    }

    /**
     * Unregisters the records of threads (platform, or virtual with a record) that have ended and returns them (newest first) to be flushed by the
     * caller; clears their hint slots so neither they nor their threads stay reachable.
     */
    public final List<T> removeDead() {
        List<T> dead = new ArrayList<>();
        synchronized (records) {
            for (int i = records.size() - 1; i >= 0; i--) {
                T r = records.get(i);
                Thread owner = ownerOf(r);
                if (owner != null && !owner.isAlive()) {
                    records.remove(i);
                    dead.add(r);
                }
            }
        }
        for (T r : dead) {
            dropHint(r);
        }
        return dead;
    }

    /**
     * Clears {@code record}'s hint slot if it still holds it. A racing store of another thread's record into the slot
     * may be lost: that thread only misses once.
     */
    private void dropHint(T record) {
        Thread owner = ownerOf(record);
        if (owner != null) {
            int slot = hintSlot(owner);
            if (hint[slot] == record) {
                hint[slot] = null;
            }
        }
    }

    /** The registered records now, in attach order. */
    public final List<T> snapshot() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }

    /** Records registered now. */
    public final int size() {
        synchronized (records) {
            return records.size();
        }
    }

    /** Closing: forgets the calling thread's record locally and clears every hint slot. */
    public final void close() {
        local.remove();
        Arrays.fill(hint, null);
    }
}
