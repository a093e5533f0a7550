package org.jalloc.core.debug;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The ring of the last {@link DebugAllocator#RECENT_FREES} frees of F alone ({@link TaggedSanity}'s layer and the heap
 * engines that check F themselves, {@code org.jalloc.core.spi.EngineShadow} and {@code EngineSanity}), searched only on
 * the slow path, to name a double free. Three modes, fixed at construction:
 *
 * <pre>
 *   single owner  recent[2i] = user, recent[2i + 1] = usable; next a plain field          (two stores per free)
 *   shared        the same pairs, i from an AtomicInteger's getAndIncrement                (one atomic, two stores)
 *   packed        recent[i] = (user − base) / 16 &lt;&lt; 32 | usable / 16, one opaque store;   (one store, no atomic)
 *                 next a plain field that racing frees may read and write at once
 * </pre>
 *
 * The packed mode is for concurrent engines whose payloads lie within {@link #PACKED_SPAN} bytes of {@code base} and
 * whose usable sizes are multiples of 16 below that span (slub's and thread-cache's own F: a class or page size less a
 * power-of-two front of at least 16). An entry is one 64-bit store, so it is whole or absent, never one free's
 * address with another's size; what a race can do is lose entries: two frees that read the same {@code next} write
 * the same slot (the later store stays), and a free whose read of {@code next} was stale writes an older slot and
 * moves {@code next} back, so later frees overwrite entries younger than the window. A lost entry turns a later double
 * free of its address into an invalid pointer (still refused, nothing changed); with one thread freeing, or frees
 * that do not overlap in time, the ring is exactly the last frees, as in the other modes.
 */
public final class RecentFrees {
    private static final int RING = DebugAllocator.RECENT_FREES;
    /** Addresses and usable sizes the packed mode holds: 2^32 granules of 16 bytes. */
    public static final long PACKED_SPAN = 1L << 36;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] recent;
    private int next; // single owner; packed: racy by design (above)
    private final @Nullable AtomicInteger sharedNext; // shared
    private final boolean packed;
    private final long base;

    public RecentFrees(boolean concurrent) {
        this.recent = new long[2 * RING];
        this.sharedNext = concurrent ? new AtomicInteger() : null;
        this.packed = false;
        this.base = 0;
    }

    private RecentFrees(long base) {
        this.recent = new long[RING];
        this.sharedNext = null;
        this.packed = true;
        this.base = base;
    }

    /**
     * The packed ring for a concurrent engine whose payloads are 16-aligned in {@code [base, base + PACKED_SPAN)} and
     * whose usable sizes are multiples of 16 below {@link #PACKED_SPAN}: no atomic per free (the class comment).
     */
    public static RecentFrees packed(long base) {
        return new RecentFrees(base);
    }

    /** Notes the free of {@code user} ({@code usable} bytes). */
    public void add(long user, long usable) {
        if (packed) {
            int i = next & (RING - 1); // masked here, so the store needs no bounds check
            next = i + 1;
            SLOT.setOpaque(recent, i, (user - base) >>> 4 << 32 | usable >>> 4);
            return;
        }
        AtomicInteger shared = sharedNext;
        int i = shared != null ? shared.getAndIncrement() & (RING - 1) : next;
        recent[2 * i] = user;
        recent[2 * i + 1] = usable;
        if (shared == null) {
            next = (i + 1) & (RING - 1);
        }
    }

    /** The usable size of {@code user}'s latest free among the ring's, or -1 when the ring holds none. */
    public long usableOf(long user) {
        if (packed) {
            long g = (user - base) >>> 4;
            if ((user & 15) != 0 || g >>> 32 != 0) {
                return -1; // never a payload of this heap, so never in the ring
            }
            int from = next;
            for (int k = 1; k <= RING; k++) {
                long v = (long) SLOT.getOpaque(recent, (from - k) & (RING - 1));
                if (v >>> 32 == g && (int) v != 0) { // an empty slot is 0; every entry's usable is at least 16
                    return (v & 0xffff_ffffL) << 4;
                }
            }
            return -1;
        }
        AtomicInteger shared = sharedNext;
        int from = shared != null ? shared.get() : next;
        for (int k = 1; k <= RING; k++) {
            int i = (from - k) & (RING - 1);
            if (recent[2 * i] == user) {
                return recent[2 * i + 1];
            }
        }
        return -1;
    }
}
