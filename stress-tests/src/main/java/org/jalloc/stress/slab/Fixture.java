package org.jalloc.stress.slab;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.slab.SlabAllocator;
import org.jalloc.slab.SlabCache;
import org.jalloc.stress.support.PooledHeapFixture;

/**
 * A fresh slab allocator per JCStress state, over a pooled heap ({@link PooledHeapFixture}), with one object cache of
 * 64-byte objects besides the kmalloc caches. The arbiter's verdict comes from the full heap checker against the objects the test holds: every
 * object live exactly when the test holds it, every other one free in exactly one place (a slab's free list, one
 * magazine, or the depot) — HEAP-1..8, BUDDY-1..5, SLAB-1..7. JCStress pools its actor threads, so the constructing
 * thread detaches (flushes its magazines) and the actors start with none.
 */
final class Fixture extends PooledHeapFixture {
    private static final ConcurrentLinkedQueue<Heap> HEAPS = new ConcurrentLinkedQueue<>();
    static final long HEAP_BYTES = 4L << 20;

    final SlabAllocator allocator;
    final SlabCache cache;

    Fixture(int magazineSize) {
        this(magazineSize, 0);
    }

    /** With {@code resizeAfter > 0}, that many contended depot entries step the test cache's magazine size up. */
    Fixture(int magazineSize, int resizeAfter) {
        this("slab", magazineSize, resizeAfter);
    }

    /** Over {@code spec}, whose allocator is the engine itself ({@code slab:debug=F} included: F alone is slab's own). */
    Fixture(String spec, int magazineSize, int resizeAfter) {
        super(HEAPS, HEAP_BYTES);
        allocator = (SlabAllocator) AllocatorFactory.of(spec, HEAP_BYTES).create(heap);
        cache = allocator.newCache("stress", 64).magazineSize(magazineSize).magazineResizeAfter(resizeAfter).build();
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its cache objects, else the first violations. */
    String verdictForCache(Collection<Long> live) {
        return verdict(allocator, live, p -> cache.usableSize());
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its kmalloc objects, else the first violations. */
    String verdictForKmalloc(Collection<Long> live) {
        return verdict(allocator, live, allocator::usableSize);
    }

    /** A holder's mark: actor and object number. */
    static long mark(int actor, int i) {
        return 0x5AB0_0000_0000_0000L | ((long) actor << 16) | i;
    }
}
