package org.jalloc.freelist;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.memory.Heap;
import org.jalloc.freelist.FreeListAllocator.Coalescing;
import org.jalloc.freelist.FreeListAllocator.ListKind;
import org.jalloc.freelist.FreeListAllocator.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks the real metadata of the policies and organisations beyond the implicit list and proves the checker names
 * the invariant: HEAP-3 (a free-list link that loses a block, or makes a cycle), FL-4 (next fit's rover), FL-5 (a
 * prev link), FL-6 (address order), FL-7 (a block in the wrong size class), FL-8 (the non-empty bitmap in the head
 * table) and FL-9 (deferred coalescing's "nothing to merge" flag).
 */
class ExplicitListCorruptionTest {
    private final Heap heap = Heap.reserve(1 << 20);

    @AfterEach
    void close() {
        heap.close();
    }

    private FreeListAllocator allocator(Policy policy, ListKind list, Coalescing coalescing) {
        return new FreeListAllocator(heap, policy, list, coalescing, policy.specName() + ":list=" + list.optionValue());
    }

    private static long header(long payload) {
        return payload - FreeListAllocator.HEADER;
    }

    /** Five live 48-byte blocks (64-byte blocks), returned as payloads. */
    private static long[] five(CheckedAllocator checked) {
        long[] p = new long[5];
        for (int i = 0; i < p.length; i++) {
            p[i] = checked.malloc(48);
        }
        return p;
    }

    private void link(long block, long next) {
        heap.putLong(block + Blocks.NEXT, next);
    }

    private void backLink(long block, long prev) {
        heap.putLong(block + Blocks.PREV, prev);
    }

    @Test
    void aCutNextLinkLosesAFreeBlock() {
        CheckedAllocator checked = new CheckedAllocator(allocator(Policy.FIRST_FIT, ListKind.LIFO, Coalescing.IMMEDIATE));
        long[] p = five(checked);
        checked.free(p[0]);
        checked.free(p[2]); // LIFO: head -> c -> a
        assertEquals(header(p[0]), heap.getLong(header(p[2]) + Blocks.NEXT));
        link(header(p[2]), 0);
        assertReportsOnly(checked, "HEAP-3");
    }

    @Test
    void aNextLinkToALiveBlockIsReported() {
        CheckedAllocator checked = new CheckedAllocator(allocator(Policy.BEST_FIT, ListKind.ADDRESS, Coalescing.IMMEDIATE));
        long[] p = five(checked);
        checked.free(p[0]);
        checked.free(p[2]);
        link(header(p[0]), header(p[1])); // a -> b (live) instead of a -> c
        assertReports(checked, "HEAP-3");
    }

    @Test
    void aLinkBackToItselfIsACycle() {
        CheckedAllocator checked = new CheckedAllocator(allocator(Policy.SEGREGATED, ListKind.LIFO, Coalescing.DEFERRED));
        long[] p = five(checked);
        checked.free(p[1]);
        checked.free(p[3]); // class 2 list: d -> b
        link(header(p[1]), header(p[3])); // b -> d: d -> b -> d -> ...
        assertReports(checked, "HEAP-3");
        assertReports(checked, "FL-5");
    }

    @Test
    void aCycleStopsASearchWithHeapCorruptionInsteadOfLoopingForever() {
        FreeListAllocator allocator = allocator(Policy.FIRST_FIT, ListKind.LIFO, Coalescing.IMMEDIATE);
        long[] p = new long[5];
        for (int i = 0; i < p.length; i++) {
            p[i] = allocator.malloc(48);
        }
        allocator.free(p[1]);
        allocator.free(p[3]);
        link(header(p[1]), header(p[3]));
        assertThrows(HeapCorruptionException.class, () -> allocator.malloc(4000));
    }

    @Test
    void aBrokenPrevLinkIsReported() {
        CheckedAllocator checked = new CheckedAllocator(allocator(Policy.NEXT_FIT, ListKind.LIFO, Coalescing.IMMEDIATE));
        long[] p = five(checked);
        checked.free(p[0]);
        checked.free(p[2]); // head -> c -> a; prev(a) = c
        backLink(header(p[0]), 0);
        assertReportsOnly(checked, "FL-5");
    }

    @Test
    void aListOutOfAddressOrderIsReported() {
        CheckedAllocator checked = new CheckedAllocator(allocator(Policy.FIRST_FIT, ListKind.ADDRESS, Coalescing.IMMEDIATE));
        long[] p = five(checked);
        checked.free(p[0]);
        checked.free(p[2]);
        checked.free(p[4]); // a -> c -> e (e is the last block: free, at the end)
        long a = header(p[0]);
        long c = header(p[2]);
        long e = header(p[4]);
        assertEquals(c, heap.getLong(a + Blocks.NEXT));
        // Relink consistently as a -> e -> c: still every free block once, doubly linked, but not sorted.
        link(a, e);
        backLink(e, a);
        link(e, c);
        backLink(c, e);
        link(c, 0);
        assertReportsOnly(checked, "FL-6");
    }

    @Test
    void aBlockInTheWrongSizeClassIsReported() {
        FreeListAllocator allocator = allocator(Policy.SEGREGATED, ListKind.LIFO, Coalescing.DEFERRED);
        CheckedAllocator checked = new CheckedAllocator(allocator);
        long small = checked.malloc(48); // 64-byte block: class 2
        checked.malloc(48);
        long large = checked.malloc(200); // 208-byte block: class 11
        checked.malloc(48);
        checked.free(small);
        checked.free(large);
        int smallClass = SegregatedClasses.of(64);
        int largeClass = SegregatedClasses.of(208);
        long smallHead = heap.start() + 8L * smallClass;
        long largeHead = heap.start() + 8L * largeClass;
        assertEquals(header(small), heap.getLong(smallHead));
        heap.putLong(smallHead, header(large)); // swap the heads: each list now holds the other's block
        heap.putLong(largeHead, header(small));
        assertReportsOnly(checked, "FL-7");
    }

    @Test
    void aClearedBitmapBitHidesANonEmptyClass() {
        CheckedAllocator checked = new CheckedAllocator(allocator(Policy.SEGREGATED, ListKind.ADDRESS, Coalescing.DEFERRED));
        long[] p = five(checked);
        checked.free(p[1]);
        long bitmap = heap.start() + 8L * SegregatedClasses.COUNT;
        heap.putLong(bitmap, heap.getLong(bitmap) & ~(1L << SegregatedClasses.of(64)));
        assertReportsOnly(checked, "FL-8");
    }

    @Test
    void aSetBitmapBitForAnEmptyListIsReported() {
        CheckedAllocator checked = new CheckedAllocator(allocator(Policy.FIRST_FIT, ListKind.LIFO, Coalescing.IMMEDIATE));
        five(checked);
        long bitmap = heap.start() + 8L; // one list: head[0], then the bitmap
        heap.putLong(bitmap, 1);
        assertReportsOnly(checked, "FL-8");
    }

    @Test
    void aRoverInsideABlockIsReported() {
        FreeListAllocator allocator = allocator(Policy.NEXT_FIT, ListKind.IMPLICIT, Coalescing.IMMEDIATE);
        CheckedAllocator checked = new CheckedAllocator(allocator);
        long[] p = five(checked);
        ((Placement.NextFit) allocator.placement).rover = header(p[2]) + 16; // inside c, not a block start
        assertReportsOnly(checked, "FL-4");
    }

    @Test
    void aRoverOnALiveBlockOfAnExplicitListIsReported() {
        FreeListAllocator allocator = allocator(Policy.NEXT_FIT, ListKind.ADDRESS, Coalescing.IMMEDIATE);
        CheckedAllocator checked = new CheckedAllocator(allocator);
        long[] p = five(checked);
        checked.free(p[3]);
        ((Placement.NextFit) allocator.placement).rover = header(p[2]); // a block start, but not in the list
        assertReportsOnly(checked, "FL-4");
    }

    @Test
    void aStaleNothingToMergeFlagIsReported() {
        FreeListAllocator allocator = allocator(Policy.FIRST_FIT, ListKind.IMPLICIT, Coalescing.DEFERRED);
        CheckedAllocator checked = new CheckedAllocator(allocator);
        long[] p = five(checked);
        checked.free(p[1]);
        checked.free(p[2]); // adjacent free blocks, legal while deferred coalescing knows it
        allocator.mayHaveAdjacentFree = false;
        assertReportsOnly(checked, "FL-9");
    }
}
