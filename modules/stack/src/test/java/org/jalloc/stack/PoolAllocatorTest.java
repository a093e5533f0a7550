package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool's own API: take and give back, exhaustion, the free list order, exact misuse, sizes and options. */
class PoolAllocatorTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final PoolAllocator pool = new PoolAllocator(heap, 48, 100, "pool:object=48,count=100");

    @AfterEach
    void close() {
        pool.close();
    }

    private void assertWellFormed() {
        var v = new HeapChecker().check(Inspection.of(pool).heapWalk());
        assertTrue(v.isEmpty(), v::toString);
    }

    @Test
    void nObjectsAreSetAsideAtConstructionAndThePoolNeverGrows() {
        assertEquals(48, pool.objectSize(), "48 is a multiple of 16: the slot is the object");
        assertEquals(100, pool.objectCount());
        assertEquals(heap.start() + 100 * 48, heap.brk(), "the whole pool is the break from the start");
        List<Long> taken = new ArrayList<>();
        for (long p; (p = pool.take()) != 0; ) {
            taken.add(p);
        }
        assertEquals(100, taken.size());
        assertEquals(0, pool.malloc(1), "exhausted: 0");
        assertEquals(heap.start() + 100 * 48, heap.brk(), "never grows");
        assertEquals(100, pool.peakLiveObjects());
        for (long p : taken) {
            pool.giveBack(p);
        }
        assertEquals(0, pool.liveObjects());
        assertWellFormed();
    }

    @Test
    void theFreeListHandsTheNewestGivenBackObjectOutFirst() {
        long a = pool.take();
        long b = pool.take();
        long c = pool.take();
        assertEquals(a + 48, b, "fresh objects in address order");
        pool.giveBack(a);
        pool.giveBack(c);
        assertEquals(c, pool.take(), "last in, first out");
        assertEquals(a, pool.take());
        assertEquals(c + 48, pool.take(), "then the never-used ones");
        assertWellFormed();
        assertTrue(b > 0);
    }

    @Test
    void doubleGiveBackAndForeignPointersAreRefusedExactlyHeapUnchanged() {
        long a = pool.take();
        long b = pool.take();
        pool.giveBack(a);
        heap.putLong(b + 8, heap.getLong(a + 8)); // a live object holding what a free one holds: still told apart
        byte[] before = heap.snapshot();
        assertThrows(DoubleFreeException.class, () -> pool.giveBack(a));
        assertThrows(DoubleFreeException.class, () -> pool.usableSize(a));
        assertThrows(InvalidPointerException.class, () -> pool.giveBack(b + 16), "inside b");
        assertThrows(InvalidPointerException.class, () -> pool.giveBack(b + 1), "misaligned");
        assertThrows(InvalidPointerException.class, () -> pool.giveBack(b + 48 * 10), "never handed out");
        assertThrows(InvalidPointerException.class, () -> pool.giveBack(heap.start() + 100 * 48), "past the objects");
        assertThrows(InvalidPointerException.class, () -> pool.giveBack(heap.start() - 16), "below them");
        assertThrows(InvalidPointerException.class, () -> pool.giveBack(heap.limit() + 4096), "another mapping");
        assertArrayEquals(before, heap.snapshot());
        pool.giveBack(b);
        assertWellFormed();
    }

    @Test
    void objectSizesRoundUpToSixteenAndNonPowerOfTwoSlotsWork() {
        try (PoolAllocator odd = PoolAllocator.create(40, 10); PoolAllocator tiny = PoolAllocator.create(1, 10)) {
            assertEquals(48, odd.objectSize());
            assertEquals(16, tiny.objectSize());
            long p = odd.take();
            long q = odd.take();
            assertEquals(48, q - p);
            odd.giveBack(p);
            assertThrows(DoubleFreeException.class, () -> odd.giveBack(p));
            assertEquals(0, odd.alignedAlloc(32, 16), "48-byte slots are not all 32-aligned");
            assertEquals(0, tiny.malloc(17));
        }
    }

    @Test
    void optionsAndTheirLimits() {
        try (Allocator filled = Allocators.create("pool", 64 << 10); Allocator sized = Allocators.create("pool:object=100,count=7", 64 << 10)) {
            assertEquals((64 << 10) / 64, ((PoolAllocator) filled).objectCount(), "count=0: as many as the heap holds");
            assertEquals(7, ((PoolAllocator) sized).objectCount());
            assertEquals(112, ((PoolAllocator) sized).objectSize());
        }
        assertThrows(IllegalArgumentException.class, () -> Allocators.create("pool:count=100000", 64 << 10), "does not fit");
        assertThrows(IllegalArgumentException.class, () -> Allocators.create("pool:object=0", 64 << 10));
    }

    @Test
    void statsTellThePoolsShape() {
        long a = pool.take();
        pool.take();
        pool.giveBack(a);
        PoolMetric v = pool.stats().metric(PoolMetric.class).orElseThrow();
        assertEquals(48L, v.objectSize());
        assertEquals(100L, v.objects());
        assertEquals(1L, v.live());
        assertEquals(2L, v.peakLive());
        assertEquals(98L, v.neverHandedOut());
        assertEquals(2, pool.stats().freeBlocks(), "the free object and the never-used run");
    }
}
