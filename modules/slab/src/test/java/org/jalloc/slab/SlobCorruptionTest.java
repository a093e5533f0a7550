package org.jalloc.slab;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.FreeListCorruptionException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real SLOB metadata — a block header, a live header's check word, a live bit, a free link, a page's free
 * count, two free blocks left unmerged, the page lists, a page descriptor — and proves the checker names the
 * invariant: SLOB-1 (blocks tile their page), SLOB-2 (a page's free list), SLOB-3 (the page lists), SLOB-4 (the
 * descriptors agree with buddy); with {@code secure=on}, an encoded link overwritten is SLOB-2 for the checker and
 * SEC-1 for the first fit or the free that would follow it. Driven through {@link CheckedAllocator}, so the shadow model is checked as well.
 */
class SlobCorruptionTest {
    private final Heap heap = Heap.reserve(256L << 10);
    private final SlobAllocator slob = new SlobAllocator("slob", heap);
    private final CheckedAllocator checked = new CheckedAllocator(slob);

    @AfterEach
    void close() {
        slob.close();
    }

    private static int frame(long p) {
        return SlobAllocator.frame(p);
    }

    @Test
    void theUntouchedLayoutIsClean() {
        long a = checked.malloc(50);
        long b = checked.malloc(1000);
        long c = checked.malloc(20_000);
        long d = checked.alignedAlloc(256, 100);
        assertEquals(0, d % 256);
        checked.free(b);
        checked.verifyAll();
        checked.free(a);
        checked.free(c);
        checked.free(d);
        checked.verifyAll();
        assertEquals(0, slob.listCount[0] + slob.listCount[1] + slob.listCount[2], "every page went back to buddy");
    }

    @Test
    void freeMergesWithBothNeighboursAndAWhollyFreePageGoesBack() {
        long a = checked.malloc(32);
        long b = checked.malloc(32);
        long c = checked.malloc(32);
        long keep = checked.malloc(32);
        checked.free(a);
        checked.free(c);
        checked.free(b); // merges a, b, c into one free block
        int f = frame(b);
        assertEquals(a - SlobAllocator.HEADER, (long) f << 12 | slob.head[f]);
        assertEquals(3 * 48, heap.getLong(a - SlobAllocator.HEADER));
        checked.free(keep);
        assertEquals(SlobAllocator.NONE, slob.kind[f]);
    }

    @Test
    void misuseIsRefusedWithTheHeapUnchanged() {
        long a = slob.malloc(40);
        long b = slob.malloc(40);
        long big = slob.malloc(9000);
        slob.free(b);
        slob.free(big);
        byte[] before = heap.snapshot();
        assertThrows(DoubleFreeException.class, () -> slob.free(b));
        assertThrows(DoubleFreeException.class, () -> slob.free(big));
        assertThrows(InvalidPointerException.class, () -> slob.free(a + 16));
        heap.putLong(a - 16, 12345); // an underrun of a's header
        byte[] broken = heap.snapshot();
        assertThrows(HeapCorruptionException.class, () -> slob.free(a));
        assertArrayEquals(broken, heap.snapshot());
        heap.putLong(a - 16, 64);
        heap.putLong(a - 8, (a - 16) ^ 64 ^ SlobAllocator.LIVE_TAG);
        assertArrayEquals(before, heap.snapshot());
    }

    @Test
    void slob1ABlockSizeThatRunsPastItsPage() {
        long a = checked.malloc(64);
        checked.malloc(64);
        long h = a - SlobAllocator.HEADER;
        heap.putLong(h, SlobAllocator.PAGE_SIZE * 2);
        assertReports(checked, "SLOB-1");
    }

    @Test
    void slob1ALiveHeadersCheckWordOverwritten() {
        long a = checked.malloc(64);
        long b = checked.malloc(64);
        heap.putLong(b - 8, 0); // a's overrun cannot reach b's header through the API; a stray write does
        assertReports(checked, "SLOB-1");
        assertEquals(SlobAllocator.PAGE, slob.kind[frame(a)]);
    }

    @Test
    void slob1ALiveBitThatStartsNoBlock() {
        long a = checked.malloc(64);
        checked.malloc(64);
        slob.live[SlobAllocator.word(a + 16)] |= SlobAllocator.bit(a + 16); // inside a's payload
        assertReports(checked, "SLOB-1");
    }

    @Test
    void slob2AFreeLinkThatSkipsAFreeBlock() {
        long a = checked.malloc(64);
        checked.malloc(64);
        long c = checked.malloc(64);
        checked.malloc(64);
        checked.free(a);
        checked.free(c); // free list: a's block, c's block, the tail
        heap.putLong(a - SlobAllocator.HEADER + 8, 0); // a's block now ends the list
        assertReports(checked, "SLOB-2");
    }

    @Test
    void slob2TwoAdjacentFreeBlocksLeftUnmerged() {
        checked.malloc(64);
        long b = checked.malloc(64);
        checked.malloc(64);
        checked.free(b); // b's block: 80 bytes, between two live blocks
        long h = b - SlobAllocator.HEADER;
        long next = heap.getLong(h + 8);
        heap.putLong(h, 32); // split it in two free blocks of 32 and 48 bytes, both listed, the count unchanged
        heap.putLong(h + 8, h + 32);
        heap.putLong(h + 32, 48);
        heap.putLong(h + 40, next);
        assertReports(checked, "SLOB-2");
    }

    @Test
    void slob2AFreeByteCountOffBySixteen() {
        long a = checked.malloc(64);
        slob.free[frame(a)] += 16;
        assertReports(checked, "SLOB-2");
    }

    @Test
    void slob3APageWithFreeSpaceMissingFromTheLists() {
        long a = checked.malloc(64);
        int f = frame(a);
        int l = slob.list[f];
        slob.listHead[l] = -1; // the only page of its list, dropped
        slob.listCount[l] = 0;
        assertReports(checked, "SLOB-3");
    }

    @Test
    void slob3AListCountThatDisagrees() {
        long a = checked.malloc(64);
        slob.listCount[slob.list[frame(a)]]++;
        assertReports(checked, "SLOB-3");
    }

    @Test
    void slob4ADescriptorOfASlobPageCleared() {
        long a = checked.malloc(64);
        slob.kind[frame(a)] = SlobAllocator.NONE;
        assertReports(checked, "SLOB-4");
    }

    @Test
    void slob4ALargeBlockWhoseDescriptorGivesAnotherOrder() {
        long big = checked.malloc(20_000); // order 3
        slob.order[frame(big)] = 2;
        assertReports(checked, "SLOB-4");
    }

    @Test
    void slob4AFreeBuddyPageThatStillHasADescriptor() {
        long a = checked.malloc(64);
        long big = checked.malloc(8192);
        checked.free(big);
        slob.kind[frame(big) + 1] = SlobAllocator.LARGE_TAIL;
        assertReports(checked, "SLOB-4");
        assertEquals(SlobAllocator.PAGE, slob.kind[frame(a)]);
    }

    // ================================================================== secure=on (SEC-1)

    @Test
    void sec1AStrayWriteIntoAnEncodedLinkIsSlob2ForTheCheckerAndNeitherFitNorFreeFollowsIt() {
        try (SlobAllocator s = new SlobAllocator("slob:secure=on", Heap.reserve(256L << 10), true)) {
            Heap h = Inspection.of(s).heap();
            CheckedAllocator ch = new CheckedAllocator(s);
            long a = ch.malloc(64);
            ch.malloc(64);
            long c = ch.malloc(64);
            long d = ch.malloc(64);
            ch.free(a);
            ch.free(c); // free list: a's block, c's block, the tail
            ch.verifyAll(); // the walk decodes the links
            long link = a - SlobAllocator.HEADER + 8;
            assertEquals(c - SlobAllocator.HEADER, s.nextFreeUnchecked(a - SlobAllocator.HEADER));
            assertNotEquals(c - SlobAllocator.HEADER, h.getLong(link), "the link is not stored as it is");
            h.putLong(link, d - SlobAllocator.HEADER); // a plausible address (the live d), written plainly: garbage decoded
            assertReports(ch, "SLOB-2");
            byte[] before = h.snapshot();
            FreeListCorruptionException e = assertThrows(FreeListCorruptionException.class, () -> s.malloc(64));
            assertEquals(a - SlobAllocator.HEADER, e.block());
            assertEquals(link, e.address());
            assertTrue(e.getMessage().startsWith("slob:secure=on: the free-list link of free block 0x" + Long.toHexString(e.block())),
                    e.getMessage());
            assertArrayEquals(before, h.snapshot(), "first fit refused the link before changing anything");
            assertThrows(FreeListCorruptionException.class, () -> s.free(d)); // the free walks past a's block to d's place
            assertArrayEquals(before, h.snapshot(), "the free refused it too, before changing anything");
        }
    }

    @Test
    void sec1AFreeThatMergesWithTheNextBlockChecksThatBlocksLinkBeforeTakingIt() {
        try (SlobAllocator s = new SlobAllocator("slob:secure=on", Heap.reserve(256L << 10), true)) {
            Heap h = Inspection.of(s).heap();
            long a = s.malloc(64);
            long b = s.malloc(64);
            s.malloc(64);
            s.free(b); // b's block is free: a's free merges with it and takes over its link
            h.putLong(b - 8, 0x4141414141414141L);
            byte[] before = h.snapshot();
            assertThrows(FreeListCorruptionException.class, () -> s.free(a));
            assertArrayEquals(before, h.snapshot());
            assertEquals(64, s.usableSize(a), "a is still live: the free did not happen");
        }
    }
}
