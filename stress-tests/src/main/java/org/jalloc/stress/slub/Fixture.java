package org.jalloc.stress.slub;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.slab.SlubAllocator;
import org.jalloc.stress.support.PooledHeapFixture;

/**
 * A fresh SLUB allocator per JCStress state (one arena, hardened free pointers), over a pooled heap ({@link PooledHeapFixture}). The arbiter's
 * verdict is the full heap checker against the objects the test holds: every object live exactly when the test holds
 * it, every other one free in exactly one place (the owner's cpu free list, a remote list, a slab's free list) —
 * HEAP-1..8, BUDDY-1..5, SLUB-1..3. The constructing thread detaches, so the slab it filled is detached with the
 * free objects the test chose, and the actors start with no active slab.
 */
final class Fixture extends PooledHeapFixture {
    private static final ConcurrentLinkedQueue<Heap> HEAPS = new ConcurrentLinkedQueue<>();
    static final long HEAP_BYTES = 2L << 20;

    final SlubAllocator allocator;

    Fixture() {
        this("slub:arenas=1,empty-slabs=2");
    }

    /** Over {@code spec}, whose allocator is the engine itself ({@code slub:...,debug=F} included: F alone is slub's own). */
    Fixture(String spec) {
        super(HEAPS, HEAP_BYTES);
        allocator = (SlubAllocator) AllocatorFactory.of(spec, HEAP_BYTES).create(heap);
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its objects, else the violated IDs. */
    String verdict(Collection<Long> live) {
        return verdict(allocator, live, allocator::usableSize);
    }

    static long mark(int actor, int i) {
        return 0x5B0B_0000_0000_0000L | ((long) actor << 16) | i;
    }
}
