package org.jalloc.stress.slub;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.walk.Inspection;
import org.jalloc.slab.SlubAllocator;

/**
 * A fresh SLUB allocator per JCStress state (one arena, hardened free pointers), over a pooled heap. The arbiter's
 * verdict is the full heap checker against the objects the test holds: every object live exactly when the test holds
 * it, every other one free in exactly one place (the owner's cpu free list, a remote list, a slab's free list) —
 * HEAP-1..8, BUDDY-1..5, SLUB-1..3. The constructing thread detaches, so the slab it filled is detached with the
 * free objects the test chose, and the actors start with no active slab.
 */
final class Fixture {
    private static final ConcurrentLinkedQueue<Heap> HEAPS = new ConcurrentLinkedQueue<>();
    static final long HEAP_BYTES = 2L << 20;

    final Heap heap;
    final SlubAllocator allocator;

    Fixture() {
        Heap h = HEAPS.poll();
        if (h == null) {
            h = Heap.reserve(HEAP_BYTES);
        } else {
            h.reset();
        }
        heap = h;
        allocator = (SlubAllocator) AllocatorFactory.of("slub:arenas=1,empty-slabs=2", HEAP_BYTES).create(h);
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its objects, else the violated IDs. */
    String verdict(Collection<Long> live) {
        LiveBlocks shadow = new LiveBlocks();
        for (long p : live) {
            if (p == 0) {
                return "NULL_OBJECT";
            }
            if (shadow.contains(p)) {
                return "DUPLICATE_OBJECT";
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

    /** Writes its holder's mark into a fresh object; false for a null object. */
    boolean stamp(long p, long mark) {
        if (p == 0) {
            return false;
        }
        heap.putLong(p, mark);
        return true;
    }

    boolean intact(long p, long mark) {
        return heap.getLong(p) == mark;
    }

    static long mark(int actor, int i) {
        return 0x5B0B_0000_0000_0000L | ((long) actor << 16) | i;
    }

    void recycle() {
        HEAPS.add(heap);
    }
}
