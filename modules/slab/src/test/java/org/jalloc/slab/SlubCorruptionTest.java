package org.jalloc.slab;

import static org.jalloc.testkit.contract.Corruption.assertReports;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real SLUB metadata — a free pointer, a state byte, an in-use count, the remote word, an owner, a partial
 * list's counter, a page map entry, a descriptor's cache — and proves the checker names the invariant: SLUB-1 (every
 * object in exactly one place), SLUB-2 (descriptors and page map agree with buddy), SLUB-3 (ownership and partial
 * lists).
 */
class SlubCorruptionTest {
    private final Heap heap = Heap.reserve(4L << 20);
    private final SlubAllocator slub = SlubAllocator.create("slub", heap, 1, 2, true, false);
    private final CheckedAllocator checked = new CheckedAllocator(slub);
    private final SlubAllocator.Cache k64 = slub.cacheFor(64);

    @AfterEach
    void close() {
        slub.close();
    }

    private SlubAllocator.Chunk ch(long p) {
        return slub.chunk(slub.pageMap.get(p >>> SlabPageEntry.PAGE_SHIFT));
    }

    private int i(long p) {
        return SlubAllocator.slot(slub.pageMap.get(p >>> SlabPageEntry.PAGE_SHIFT));
    }

    /** A detached slab of kmalloc-64 with objects a (live) and b (free, heading the slab's free list). */
    private long[] detachedPartial() {
        long a = checked.malloc(64);
        long b = checked.malloc(64);
        checked.free(b);
        slub.detach();
        return new long[] {a, b};
    }

    @Test
    void slub1AFreePointerToALiveObject() {
        long a = checked.malloc(64);
        for (int k = 1; k < k64.objects - 2; k++) {
            checked.malloc(64);
        }
        long last = a + (k64.objects - 1) * 64L; // the cpu free list: the last two objects, the last one ending it
        heap.putLong(last + k64.offset, slub.encode(k64, last, a)); // its free pointer now names the live a
        assertReports(checked, "SLUB-1");
    }

    @Test
    void slub1AFreeObjectThatTheStateMapCallsLive() {
        checked.malloc(64);
        long b = checked.malloc(64);
        checked.free(b);
        slub.states.set(b, SlubAllocator.LIVE);
        assertReports(checked, "SLUB-1");
    }

    @Test
    void slub1AnInUseCountOffByOne() {
        long a = detachedPartial()[0];
        ch(a).inuse[i(a)]--;
        assertReports(checked, "SLUB-1");
    }

    @Test
    void slub1AFreeObjectOnNoList() {
        checked.malloc(64);
        long b = checked.malloc(64);
        checked.free(b); // b heads the cpu free list
        SlubAllocator.CpuSlabs t = slub.registry.existing();
        t.freelist[k64.index] = slub.nextFree(k64, b); // b dropped from it: FREE, but in no place (lost)
        assertReports(checked, "SLUB-1");
    }

    @Test
    void slub2APageMapEntryOfASlabCleared() {
        long a = checked.malloc(3000); // kmalloc-4k: order-3 slabs
        long slab = slub.pageMap.get(a >>> SlabPageEntry.PAGE_SHIFT);
        slub.pageMap.set((slab + 4096) >>> SlabPageEntry.PAGE_SHIFT, 0);
        assertReports(checked, "SLUB-2");
    }

    @Test
    void slub2ADescriptorNamingAnotherCache() {
        long a = checked.malloc(64);
        ch(a).cache[i(a)] = slub.cacheFor(1024).index; // a cache of order-2 slabs: the block is order 0
        assertReports(checked, "SLUB-2");
    }

    @Test
    void slub3ADetachedSlabThatStillAcceptsRemoteFrees() {
        long a = detachedPartial()[0];
        ch(a).remote[i(a)] = 0;
        assertReports(checked, "SLUB-3");
    }

    @Test
    void slub3AnActiveSlabWhoseOwnerIsAnotherThread() {
        long a = checked.malloc(64);
        ch(a).owner[i(a)] = 77;
        assertReports(checked, "SLUB-3");
    }

    @Test
    void slub3APartialListCountThatDisagrees() {
        detachedPartial();
        slub.arenas[0].count[k64.index]++;
        assertReports(checked, "SLUB-3");
    }
}
