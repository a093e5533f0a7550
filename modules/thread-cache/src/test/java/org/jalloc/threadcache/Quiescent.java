package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.shadow.LiveBlocks;

/** Runs the full checker on a quiescent allocator against the set of blocks the test holds. */
final class Quiescent {
    private Quiescent() {}

    static void check(ThreadCacheAllocator a, Collection<Long> live) {
        LiveBlocks shadow = new LiveBlocks();
        for (long p : live) {
            shadow.put(p, 1, 0);
        }
        List<Violation> v = new HeapChecker().check(Inspection.of(a).heapWalk(), shadow, a::usableSize);
        assertTrue(v.isEmpty(), () -> v.size() + " violations, first: " + v.subList(0, Math.min(5, v.size())));
    }
}
