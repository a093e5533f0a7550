package org.jalloc.stress.threadcache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jalloc.core.walk.Inspection;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.jalloc.threadcache.ThreadCache;
import org.jalloc.threadcache.ThreadCacheAllocator;

/**
 * A fresh thread-cache allocator per JCStress state, over a pooled heap: JCStress makes states by the million, so
 * heaps are reserved once and reset ({@link Heap#reset()}) when the arbiter gives them back. The arbiter's verdict
 * comes from the full heap checker against the blocks the test holds: each block in exactly one place (live, one
 * thread cache, one central list or remote stack, or a free span) — HEAP-1..8, TC-1..7.
 */
final class Fixture {
    private static final ConcurrentLinkedQueue<Heap> HEAPS = new ConcurrentLinkedQueue<>();
    static final long HEAP_BYTES = 8L << 20;

    final Heap heap;
    final ThreadCacheAllocator allocator;

    Fixture(int arenas) {
        Heap h = HEAPS.poll();
        if (h == null) {
            h = Heap.reserve(HEAP_BYTES);
        } else {
            h.reset();
        }
        heap = h;
        allocator = (ThreadCacheAllocator) AllocatorFactory.of("thread-cache:arenas=" + arenas + ",clock=ops", HEAP_BYTES).create(h);
    }

    ThreadCache cache() {
        return allocator.newCache();
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its live blocks, else the first violations. */
    String verdict(Collection<Long> live) {
        LiveBlocks shadow = new LiveBlocks();
        for (long p : live) {
            if (p == 0) {
                return "NULL_BLOCK";
            }
            if (shadow.contains(p)) {
                return "DUPLICATE_BLOCK";
            }
            shadow.put(p, 1, 0);
        }
        List<Violation> v = new HeapChecker().check(Inspection.of(allocator).heapWalk(), shadow, allocator::usableSize);
        if (v.isEmpty()) {
            return "OK";
        }
        List<String> ids = new ArrayList<>();
        for (Violation x : v) {
            if (!ids.contains(x.invariantId())) {
                ids.add(x.invariantId());
            }
        }
        return "VIOLATION " + String.join(",", ids);
    }

    /** Gives the heap back for the next state (the allocator is dropped; it holds no thread or native resource). */
    void recycle() {
        HEAPS.add(heap);
    }
}
