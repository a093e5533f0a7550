package org.jalloc.core.debug;

import java.util.concurrent.atomic.AtomicInteger;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The ring of the last {@link DebugAllocator#RECENT_FREES} frees of F alone ({@link TaggedSanity}'s layer and the heap
 * engines that check F themselves, {@code org.jalloc.core.spi.EngineShadow}): user address at {@code 2i}, usable size
 * at {@code 2i + 1}. A free costs two array stores; the
 * ring is searched only on the slow path, to name a double free.
 */
public final class RecentFrees {
    private static final int RING = DebugAllocator.RECENT_FREES;

    private final long[] recent = new long[2 * RING];
    private int next; // single owner
    private final @Nullable AtomicInteger sharedNext; // concurrent engine

    public RecentFrees(boolean concurrent) {
        this.sharedNext = concurrent ? new AtomicInteger() : null;
    }

    /** Notes the free of {@code user} ({@code usable} bytes). */
    public void add(long user, long usable) {
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
