package org.jalloc.stack;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real pool metadata — the live count, a live bit, a free-list link, the break, the watermark — and proves the
 * checker names the invariant: POOL-1..3 and the generic HEAP-3, HEAP-5.
 */
class PoolCorruptionTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final PoolAllocator pool = new PoolAllocator(heap, 64, 1000, "pool:count=1000");
    private final CheckedAllocator checked = new CheckedAllocator(pool);

    /** Objects 0..3 taken, 1 and 2 given back (the free list: 2 → 1). */
    private final long o0 = checked.malloc(64);
    private final long o1 = checked.malloc(64);
    private final long o2 = checked.malloc(64);
    private final long o3 = checked.malloc(64);

    {
        checked.free(o1);
        checked.free(o2);
    }

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void pool1ALiveCountOffByOne() {
        pool.corruptLiveCount(3);
        assertReportsOnly(checked, "POOL-1");
    }

    @Test
    void pool2AFreeLinkToALiveObject() {
        heap.putLong(o1, o3); // the list 2 → 1 → 3: object 3 is live
        assertReports(checked, "POOL-2");
    }

    @Test
    void pool2AFreeListCycle() {
        heap.putLong(o1, o2); // 2 → 1 → 2 → ...
        assertReports(checked, "POOL-2");
    }

    @Test
    void pool3ALiveBitAboveTheWatermark() {
        pool.corruptLiveBit(10);
        assertReports(checked, "POOL-3");
    }

    @Test
    void pool3ThePoolGrew() {
        heap.sbrk(64);
        assertReports(checked, "POOL-3");
    }

    @Test
    void heap3AFreeObjectDroppedFromTheList() {
        heap.putLong(o2, 0); // the list ends at 2: object 1 is free but in no list
        assertReports(checked, "HEAP-3");
    }

    @Test
    void heap5AClearedLiveBitLosesALiveObject() {
        pool.corruptLiveBit(3);
        assertReports(checked, "HEAP-5");
    }

    @Test
    void pool3AWatermarkBelowALiveObject() {
        pool.corruptFresh(3); // object 3 is live at the new watermark
        assertReports(checked, "POOL-3");
        org.junit.jupiter.api.Assertions.assertTrue(o0 < o3);
    }
}
