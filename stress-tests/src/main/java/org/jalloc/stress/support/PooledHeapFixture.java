package org.jalloc.stress.support;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongUnaryOperator;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.walk.Inspection;

/**
 * What every allocator fixture of the JCStress tests shares: a heap from a pool (JCStress makes states by the million,
 * so heaps are reserved once and reset when the arbiter gives them back), the arbiter's verdict from the full heap
 * checker against the objects the test holds, and holders' marks (objects are reused after a free, so "handed to two
 * threads" means held by both at once: the later holder's mark overwrites the earlier one's).
 */
public abstract class PooledHeapFixture {
    /** The heap of this state. */
    public final Heap heap;
    private final ConcurrentLinkedQueue<Heap> pool;

    /** Takes a heap of {@code bytes} from {@code pool} (reset), or reserves a new one. */
    protected PooledHeapFixture(ConcurrentLinkedQueue<Heap> pool, long bytes) {
        this.pool = pool;
        Heap h = pool.poll();
        if (h == null) {
            h = Heap.reserve(bytes);
        } else {
            h.reset();
        }
        this.heap = h;
    }

    /**
     * "OK" when {@code allocator}'s heap is well formed with exactly {@code live} as its live objects (each of
     * {@code usable} bytes), else {@code NULL_OBJECT}, {@code DUPLICATE_OBJECT} or {@code VIOLATION} and the violated
     * invariant IDs in the order found.
     */
    protected static String verdict(Allocator allocator, Collection<Long> live, LongUnaryOperator usable) {
        return verdict(allocator, live, usable, "OBJECT");
    }

    /** {@link #verdict(Allocator, Collection, LongUnaryOperator)} naming what the test holds: {@code NULL_<noun>}, {@code DUPLICATE_<noun>}. */
    protected static String verdict(Allocator allocator, Collection<Long> live, LongUnaryOperator usable, String noun) {
        LiveBlocks shadow = new LiveBlocks();
        for (long p : live) {
            if (p == 0) {
                return "NULL_" + noun;
            }
            if (shadow.contains(p)) {
                return "DUPLICATE_" + noun;
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

    /** Writes its holder's mark into a fresh object; false for a null object. */
    public boolean stamp(long p, long mark) {
        if (p == 0) {
            return false;
        }
        heap.putLong(p, mark);
        return true;
    }

    /** True when the object still carries its holder's mark (check it before freeing and at the end). */
    public boolean intact(long p, long mark) {
        return heap.getLong(p) == mark;
    }

    /** Gives the heap back for the next state (the allocator is dropped: it has no scavenger thread). */
    public void recycle() {
        pool.add(heap);
    }
}
