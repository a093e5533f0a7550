package org.jalloc.stress.threadcache;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.stress.support.PooledHeapFixture;
import org.jalloc.threadcache.ThreadCache;
import org.jalloc.threadcache.ThreadCacheAllocator;

/**
 * A fresh thread-cache allocator per JCStress state, over a pooled heap ({@link PooledHeapFixture}: JCStress makes
 * states by the million, so heaps are reserved once and reset when the arbiter gives them back). The arbiter's verdict
 * comes from the full heap checker against the blocks the test holds: each block in exactly one place (live, one
 * thread cache, one central list or remote stack, or a free span) — HEAP-1..8, TC-1..7.
 */
final class Fixture extends PooledHeapFixture {
    private static final ConcurrentLinkedQueue<Heap> HEAPS = new ConcurrentLinkedQueue<>();
    static final long HEAP_BYTES = 8L << 20;

    final ThreadCacheAllocator allocator;

    Fixture(int arenas) {
        this("arenas=" + arenas);
    }

    /** An allocator made from {@code thread-cache:clock=ops,<options>}. */
    Fixture(String options) {
        super(HEAPS, HEAP_BYTES);
        allocator = (ThreadCacheAllocator) AllocatorFactory.of("thread-cache:clock=ops," + options, HEAP_BYTES).create(heap);
    }

    ThreadCache cache() {
        return allocator.newCache();
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its live blocks, else the first violations. */
    String verdict(Collection<Long> live) {
        return verdict(allocator, live, allocator::usableSize, "BLOCK");
    }
}
