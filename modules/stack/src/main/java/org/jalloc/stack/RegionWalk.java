package org.jalloc.stack;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;

/**
 * What the block walks of {@code stack} and {@code arena} share: one heap, one free structure — the single free region
 * the bump pointer moves through (below a stack's {@code sp}, above an arena's {@code top}) — and no free block that
 * could wait to be merged. Each walk adds its records and its invariants.
 */
abstract class RegionWalk implements HeapWalk {
    private final Heap heap;
    private final String region;

    RegionWalk(Heap heap, String region) {
        this.heap = heap;
        this.region = region;
    }

    /** The free region's first byte. */
    abstract long freeStart();

    /** One past the free region's last byte; at or below {@link #freeStart()} when the region is empty (or the pointer wild). */
    abstract long freeEnd();

    @Override
    public final Heap heap() {
        return heap;
    }

    @Override
    public final void walkFreeStructures(FreeEntryVisitor visitor) {
        long from = freeStart();
        long to = freeEnd();
        if (from < to) {
            visitor.entry(0, from, to - from);
        }
    }

    @Override
    public final String describeList(int list) {
        return region;
    }

    @Override
    public final boolean coalescesImmediately() {
        return true;
    }
}
