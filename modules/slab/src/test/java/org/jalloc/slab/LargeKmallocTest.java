package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/**
 * kmalloc serves any size the heap can hold, not only up to Linux's 4 MiB (order 10): a large block is one buddy block
 * of 2^k pages, and the page allocator's largest order covers the heap. Every block is checked by the full checker
 * (SLAB-6 names large blocks of every order in the page map), misuse of large blocks beyond order 10 is refused with the
 * heap unchanged, and {@code max-order=10} keeps Linux's limit.
 */
class LargeKmallocTest {
    private static final long MIB = 1 << 20;

    @Test
    void eightMibAndMoreOnAOneGibHeap() {
        try (SlabAllocator slab = SlabAllocator.create(1L << 30)) {
            assertEquals(18, slab.pageMaxOrder(), "1 GiB / 4 KiB = 2^18 pages");
            CheckedAllocator checked = new CheckedAllocator(slab);
            long a = checked.malloc(8 * MIB);
            assertNotEquals(0, a, "malloc(8 MiB) on a 1 GiB heap");
            assertEquals(8 * MIB, slab.usableSize(a));
            assertEquals(0, a % (8 * MIB), "a buddy block is aligned to its size");
            long b = checked.malloc(8 * MIB + 1);
            assertEquals(16 * MIB, slab.usableSize(b));
            long c = checked.malloc(100 * MIB);
            assertEquals(128 * MIB, slab.usableSize(c));
            long small = checked.malloc(100);
            assertTrue(checked.tryExpand(a, 8 * MIB));
            assertFalse(checked.tryExpand(a, 8 * MIB + 1), "in place only within the block's order");
            long moved = checked.realloc(a, 20 * MIB);
            assertNotEquals(0, moved);
            assertEquals(32 * MIB, slab.usableSize(moved));
            checked.verifyAll();
            long aligned = checked.alignedAlloc(64 * MIB, 5 * MIB);
            assertEquals(0, aligned % (64 * MIB));
            checked.verifyAll();
            for (long p : new long[] {moved, b, c, small, aligned}) {
                checked.free(p);
            }
            checked.verifyAll(); // HEAP-5 against an empty shadow: every large block went back to buddy
            assertEquals(Inspection.of(slab).heap().brk() - Inspection.of(slab).heap().start(), slab.pages().freeBytes() + slabPagesInUse(slab));
        }
    }

    /** Bytes of the pages the slab layer still holds as slabs (the kmalloc-128 cache keeps its empty slab). */
    private static long slabPagesInUse(SlabAllocator slab) {
        long bytes = 0;
        for (SlabCache c : slab.caches()) {
            synchronized (c.slabs.slabLock) {
                bytes += (c.slabs.counts[SlabLayer.EMPTY] + c.slabs.counts[SlabLayer.PARTIAL] + c.slabs.counts[SlabLayer.FULL]) * c.g.slabBytes();
            }
        }
        return bytes;
    }

    @Test
    void theLargestBlockIsTheLargestPowerOfTwoTheHeapHoldsAndBeyondItMallocReturnsZero() {
        try (SlabAllocator slab = SlabAllocator.create(1L << 30)) {
            CheckedAllocator checked = new CheckedAllocator(slab, CheckedAllocator.Payloads.CALLER_OWNED);
            // The first page is the guard page, so no 1 GiB-aligned gigabyte lies inside the heap: the largest free
            // block is the upper half.
            assertEquals(0, checked.malloc(512 * MIB + 1), "a 1 GiB block does not fit a 1 GiB heap after its guard page");
            long half = checked.malloc(512 * MIB);
            assertNotEquals(0, half, "512 MiB: the largest block");
            assertEquals(512 * MIB, half);
            long more = checked.malloc(256 * MIB);
            assertNotEquals(0, more, "and the next power of two below it");
            checked.verifyAll();
            checked.free(half);
            checked.free(more);
            checked.verifyAll();
        }
    }

    @Test
    void misuseOfALargeBlockBeyondOrderTenIsRefusedWithTheHeapUnchanged() {
        try (SlabAllocator slab = SlabAllocator.create(256 * MIB)) {
            long a = slab.malloc(16 * MIB);
            assertNotEquals(0, a);
            Inspection.of(slab).heap().fill(a, 16 * MIB, (byte) 7);
            byte[] before = Inspection.of(slab).heap().snapshot();
            assertThrows(InvalidPointerException.class, () -> slab.free(a + 4 * MIB), "a page inside the block");
            assertThrows(InvalidPointerException.class, () -> slab.usableSize(a + 16), "inside the first page");
            assertThrows(WrongCacheException.class, () -> slab.kmallocCache(64).free(a), "a large block is no cache's object");
            assertArrayEquals(before, Inspection.of(slab).heap().snapshot());
            slab.free(a);
            assertThrows(DoubleFreeException.class, () -> slab.free(a), "the tombstone of an order-12 block");
            assertTrue(new org.jalloc.check.HeapChecker().check(Inspection.of(slab).heapWalk()).isEmpty());
        }
    }

    @Test
    void maxOrderTenKeepsLinuxsFourMibLimitAndBadOrdersAreRefused() {
        try (Allocator linux = AllocatorFactory.of("slab:max-order=10", 1L << 30).create(Heap.reserve(1L << 30))) {
            assertEquals(10, ((SlabAllocator) linux).pageMaxOrder());
            assertEquals(0, linux.malloc(8 * MIB), "above 4 MiB: out of memory for this configuration");
            long p = linux.malloc(4 * MIB);
            assertNotEquals(0, p);
            linux.free(p);
        }
        assertThrows(IllegalArgumentException.class, () -> SlabAllocator.builder().maxOrder(9));
        assertThrows(IllegalArgumentException.class, () -> SlabAllocator.builder().maxOrder(31));
        Heap small = Heap.reserve(64 * MIB);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SlabAllocator.builder().maxOrder(20).build(small));
            assertTrue(e.getMessage().contains("max-order"), e.getMessage());
        } finally {
            small.close();
        }
        try (SlabAllocator tiny = SlabAllocator.create(1 * MIB)) {
            assertEquals(SlabAllocator.MAX_ORDER, tiny.pageMaxOrder(), "never below Linux's order 10");
        }
    }

    @Test
    void manyLargeBlocksOfMixedOrdersComeAndGoUnderTheChecker() {
        try (SlabAllocator slab = SlabAllocator.create(256 * MIB)) {
            CheckedAllocator checked = new CheckedAllocator(slab);
            List<Long> live = new ArrayList<>();
            long seed = 42;
            for (int i = 0; i < 200; i++) {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                int pick = (int) ((seed >>> 33) % 10);
                if (pick < 6 || live.isEmpty()) {
                    long size = pick < 3 ? (1 + (seed >>> 40) % 4000) : (4 * MIB + (seed >>> 20) % (12 * MIB));
                    long p = checked.malloc(size);
                    if (p != 0) {
                        live.add(p);
                    }
                } else {
                    checked.free(live.remove((int) ((seed >>> 12) % live.size())));
                }
            }
            checked.verifyAll();
            live.forEach(checked::free);
            checked.verifyAll();
        }
    }
}
