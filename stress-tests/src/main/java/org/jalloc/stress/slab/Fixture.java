package org.jalloc.stress.slab;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongUnaryOperator;

import org.jalloc.core.walk.Inspection;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.jalloc.slab.SlabAllocator;
import org.jalloc.slab.SlabCache;

/**
 * A fresh slab allocator per JCStress state, over a pooled heap (JCStress makes states by the million, so heaps are
 * reserved once and reset when the arbiter gives them back), with one object cache of 64-byte objects besides the
 * kmalloc caches. The arbiter's verdict comes from the full heap checker against the objects the test holds: every
 * object live exactly when the test holds it, every other one free in exactly one place (a slab's free list, one
 * magazine, or the depot) — HEAP-1..8, BUDDY-1..5, SLAB-1..7. JCStress pools its actor threads, so the constructing
 * thread detaches (flushes its magazines) and the actors start with none.
 */
final class Fixture {
    private static final ConcurrentLinkedQueue<Heap> HEAPS = new ConcurrentLinkedQueue<>();
    static final long HEAP_BYTES = 4L << 20;

    final Heap heap;
    final SlabAllocator allocator;
    final SlabCache cache;

    Fixture(int magazineSize) {
        this(magazineSize, 0);
    }

    /** With {@code resizeAfter > 0}, that many contended depot entries step the test cache's magazine size up. */
    Fixture(int magazineSize, int resizeAfter) {
        Heap h = HEAPS.poll();
        if (h == null) {
            h = Heap.reserve(HEAP_BYTES);
        } else {
            h.reset();
        }
        heap = h;
        allocator = (SlabAllocator) AllocatorFactory.of("slab", HEAP_BYTES).create(h);
        cache = allocator.newCache("stress", 64).magazineSize(magazineSize).magazineResizeAfter(resizeAfter).build();
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its cache objects, else the first violations. */
    String verdictForCache(Collection<Long> live) {
        return verdict(live, p -> cache.usableSize());
    }

    /** "OK" when the heap is well formed with exactly {@code live} as its kmalloc objects, else the first violations. */
    String verdictForKmalloc(Collection<Long> live) {
        return verdict(live, allocator::usableSize);
    }

    private String verdict(Collection<Long> live, LongUnaryOperator usable) {
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
        List<Violation> v = new HeapChecker().check(Inspection.of(allocator).heapWalk(), shadow, usable);
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

    /**
     * Writes its holder's mark into a fresh object (objects are reused after a free, so "handed to two threads" means
     * held by both at once: the later holder's mark overwrites the earlier one's). False for a null object.
     */
    boolean stamp(long p, long mark) {
        if (p == 0) {
            return false;
        }
        heap.putLong(p, mark);
        return true;
    }

    /** True when the object still carries its holder's mark (check it before freeing and at the end). */
    boolean intact(long p, long mark) {
        return heap.getLong(p) == mark;
    }

    /** A holder's mark: actor and object number. */
    static long mark(int actor, int i) {
        return 0x5AB0_0000_0000_0000L | ((long) actor << 16) | i;
    }

    /** Gives the heap back for the next state (the allocator is dropped: it has no scavenger thread). */
    void recycle() {
        HEAPS.add(heap);
    }
}
