package org.jalloc.buddy.pages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.buddy.*;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.AllocatorMisuseException;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The page-level API as slab uses it: splitting and merging exactly as drawn in {@link BuddyPages}'s header,
 * zones, growth, the {@code /proc/buddyinfo} layout, Linux's fragmentation indexes, the queries, and the page-level
 * misuse contract (wrong order, unaligned address, double free, a split half freed as the whole, interior and outside
 * addresses, orders out of range), each a specific exception with the heap and the side table unchanged.
 */
class BuddyPagesTest {
    private static final long PAGE = 4096;
    private final List<Heap> heaps = new ArrayList<>();

    @AfterEach
    void close() {
        heaps.forEach(Heap::close);
    }

    private BuddyPages pages(long heapBytes, long pageSize, int maxOrder) {
        Heap heap = Heap.reserve(heapBytes);
        heaps.add(heap);
        return new BuddyPages(heap, pageSize, maxOrder);
    }

    private static void assertWellFormed(BuddyPages pages) {
        List<Violation> v = new HeapChecker().check(pages.heapWalk());
        assertTrue(v.isEmpty(), v::toString);
    }

    private static String buddyinfo(long... counts) {
        StringBuilder sb = new StringBuilder("Node 0, zone   Normal ");
        for (long c : counts) {
            sb.append(String.format("%6d ", c));
        }
        return sb.append('\n').toString();
    }

    @Test
    void defaultsAreLinuxs() {
        BuddyPages pages = new BuddyPages(Heap.reserve(1 << 20));
        heaps.add(pages.heap());
        assertEquals(4096, pages.pageSize());
        assertEquals(10, pages.maxOrder());
        assertEquals(4L << 20, pages.blockBytes(10));
        assertEquals(buddyinfo(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), pages.buddyinfo(), "11 columns, orders 0-10");
    }

    @Test
    void theSplitDrawnInTheHeaderComment() {
        // Orders 0-2 (top block 16 KiB). Fill the small zones at frames 1, 2-3 and 4-7 first, so the zone at frames
        // 8-11 is the drawing's order-2 block.
        BuddyPages pages = pages(1 << 20, PAGE, 2);
        assertEquals(1 * PAGE, pages.allocPages(0));
        assertEquals(2 * PAGE, pages.allocPages(1));
        assertEquals(4 * PAGE, pages.allocPages(2));
        long block = pages.allocPages(2);
        assertEquals(8 * PAGE, block);
        pages.freePages(block, 2);
        assertEquals(buddyinfo(0, 0, 1), pages.buddyinfo(), "before: one free order-2 block at frame 8");

        long splitsBefore = pages.splits();
        long p = pages.allocPages(0);
        assertEquals(8 * PAGE, p, "the lowest quarter of the split block");
        assertEquals(buddyinfo(1, 1, 0), pages.buddyinfo(), "upper halves pushed: frame 9 on list 0, frame 10 on list 1");
        assertTrue(pages.headMap().get(8) && pages.headMap().get(9) && pages.headMap().get(10) && !pages.headMap().get(11));
        assertTrue(!pages.freeMap().get(8) && pages.freeMap().get(9) && pages.freeMap().get(10) && !pages.freeMap().get(11));
        assertEquals(2, pages.splits() - splitsBefore);
        assertWellFormed(pages);

        pages.freePages(p, 0);
        assertEquals(buddyinfo(0, 0, 1), pages.buddyinfo(), "merged with 9, then with 10: order 2 again");
        assertFalse(pages.headMap().get(9) || pages.headMap().get(10), "the upper halves are no block starts any more");
        assertWellFormed(pages);
    }

    @Test
    void mergeIsRecursiveAndStopsAtAnAllocatedBuddy() {
        BuddyPages pages = pages(8 << 20, PAGE, 10);
        long big = pages.allocPages(10); // a 4 MiB top block at 4M; the gap below it is freed as orders 0..9
        for (int k = 0; k < 10; k++) {
            pages.allocPages(k); // take the gap pieces, so the top block is the only free memory
        }
        pages.freePages(big, 10);
        long[] p = new long[8];
        for (int i = 0; i < 8; i++) {
            p[i] = pages.allocPages(0); // eight pages from the top block: split 10 times once, then order 0 and 1 lists
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(big + i * PAGE, p[i], "pages come out in address order from one split block");
        }
        pages.freePages(p[0], 0);
        pages.freePages(p[2], 0);
        pages.freePages(p[3], 0); // merges with p[2] into order 1 at p[2], whose buddy p[0..1] is half allocated
        assertEquals(1, pages.freeBlocks(1));
        pages.freePages(p[1], 0); // p[1] + p[0] -> order 1, + p[2..3] -> order 2, buddy p[4..7] allocated: stop
        assertEquals(1, pages.freeBlocks(2));
        for (int i = 4; i < 8; i++) {
            pages.freePages(p[i], 0);
        }
        assertEquals(buddyinfo(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), pages.buddyinfo(), "all the way back to the top block");
        // p3: 1 merge; p1: 2; p5: 1; p7: 3 inside the eight pages, then 7 more with the free halves up to order 10
        assertEquals(1 + 2 + 1 + 3 + 7, pages.merges());
        assertWellFormed(pages);
    }

    @Test
    void zonesAreTheMaximalAlignedRegionsAndAHeapOfAnySizeIsFullyUsed() {
        BuddyPages pages = pages(100 << 10, PAGE, 10); // 25 pages at frames 1..25
        long n = 0;
        while (pages.allocPages(0) != 0) {
            n++;
        }
        assertEquals(25, n, "every page of a 100 KiB heap is handed out");
        assertEquals(List.of(new BuddyPages.Zone(4096, 4096, 0), new BuddyPages.Zone(8192, 8192, 1),
                new BuddyPages.Zone(16384, 16384, 2), new BuddyPages.Zone(32768, 32768, 3),
                new BuddyPages.Zone(65536, 32768, 3), new BuddyPages.Zone(98304, 8192, 1)), pages.zones());
        for (long a = 4096; a < 26 * 4096; a += 4096) {
            pages.freePages(a, 0);
        }
        assertEquals(buddyinfo(1, 2, 1, 2, 0, 0, 0, 0, 0, 0, 0), pages.buddyinfo(), "each zone merges into one block, no further");
        assertWellFormed(pages);
    }

    @Test
    void zonesAreCappedAtTheTopBlock() {
        BuddyPages pages = pages(1 << 20, PAGE, 2);
        while (pages.allocPages(2) != 0) {
            // fill the heap with top blocks
        }
        for (BuddyPages.Zone z : pages.zones()) {
            assertTrue(z.order() <= 2 && z.start() % z.size() == 0, z.toString());
        }
        assertEquals(4 * PAGE, pages.zones().get(3).size());
    }

    @Test
    void growthTakesOnlyWhatTheRequestNeedsAndFreesTheGap() {
        BuddyPages pages = pages(64 << 20, PAGE, 10);
        Heap heap = pages.heap();
        pages.allocPages(0);
        assertEquals(heap.start() + PAGE, heap.brk(), "one page for an order-0 request");
        long q = pages.allocPages(3); // an 8-page block must start at a multiple of 8: frames 8..15
        assertEquals(8 * PAGE, q);
        assertEquals(16 * PAGE, heap.brk());
        assertEquals(buddyinfo(0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), pages.buddyinfo(), "the gap freed: frames 2-3 (order 1), 4-7 (order 2)");
        pages.allocPages(1);
        pages.allocPages(2); // the gap is used up
        long a = pages.allocPages(0);
        assertEquals(16 * PAGE, a);
        pages.freePages(a, 0); // frame 16 is the free top of the heap, brk at frame 17
        long b = pages.allocPages(1);
        assertEquals(16 * PAGE, b, "the free page at the top is absorbed into the new order-1 block");
        assertEquals(18 * PAGE, heap.brk(), "the break moved by one page, not to frame 20");
        assertWellFormed(pages);
    }

    @Test
    void fullHeapReturnsZeroNotAnException() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        assertEquals(0, pages.allocPages(10), "a 4 MiB block does not fit a 1 MiB heap");
        assertEquals(0, pages.allocPages(9), "nor a 2 MiB one");
        assertNotEquals(0, pages.allocPages(7), "512 KiB does (the zone at 512K)");
        List<Long> all = new ArrayList<>();
        for (long a; (a = pages.allocPages(0)) != 0; ) {
            all.add(a);
        }
        assertEquals(0, pages.allocPages(0));
        assertEquals(128, all.size(), "all other pages of the 1 MiB heap: frames 1-127 and 256");
        assertWellFormed(pages);
    }

    @Test
    void queriesForSlab() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        long a = pages.allocPages(3);
        long b = pages.allocPages(0);
        assertTrue(pages.isAllocatedBlock(a, 3));
        assertFalse(pages.isAllocatedBlock(a, 2));
        assertFalse(pages.isAllocatedBlock(a + PAGE, 0), "interior page");
        assertFalse(pages.isAllocatedBlock(a + 16, 3), "unaligned");
        assertFalse(pages.isAllocatedBlock(0, 0));
        assertFalse(pages.isAllocatedBlock(a, 11));
        assertEquals(3, pages.allocatedOrder(a));
        assertEquals(0, pages.allocatedOrder(b));
        pages.freePages(b, 0);
        assertEquals(-1, pages.allocatedOrder(b), "a free block is not allocated");
        assertEquals(pages.heap().start(), pages.firstAddress());
        assertEquals(3, pages.orderFor(8 * PAGE));
        assertEquals(4, pages.orderFor(8 * PAGE + 1));
        assertEquals(0, pages.orderFor(0));
        assertEquals(-1, pages.orderFor(PAGE << 11));
    }

    @Test
    void fragmentationIndexesAreLinuxs() {
        BuddyPages pages = pages(1 << 20, PAGE, 2);
        assertEquals(1.0, pages.unusableFreeSpaceIndex(0), "nothing free: all of it unusable");
        assertEquals(0.0, pages.fragmentationIndex(0), "nothing free: 0");
        long a = pages.allocPages(0); // frame 1
        long b = pages.allocPages(1); // frames 2-3
        pages.allocPages(2); // frames 4-7
        long c = pages.allocPages(0); // frame 8
        pages.allocPages(0); // frame 9, c's buddy
        pages.freePages(c, 0);
        pages.freePages(a, 0);
        pages.freePages(b, 1);
        // Free: order 0 x2 (frames 1, 8), order 1 x1 (frames 2-3): 4 pages in 3 blocks.
        assertEquals(buddyinfo(2, 1, 0), pages.buddyinfo());
        assertEquals(0.0, pages.unusableFreeSpaceIndex(0));
        assertEquals(0.5, pages.unusableFreeSpaceIndex(1), "(4 - 1 * 2) / 4");
        assertEquals(1.0, pages.unusableFreeSpaceIndex(2));
        assertEquals(-1.0, pages.fragmentationIndex(0), "an order-0 request would succeed");
        assertEquals(-1.0, pages.fragmentationIndex(1));
        assertEquals(0.334, pages.fragmentationIndex(2), "1000 - (1000 + 4000 / 4) / 3 = 334 in Linux's integer thousandths");
    }

    @Test
    void pagesLargerThanTheGuardPageStartAfterPadding() {
        BuddyPages pages = pages(1 << 20, 16384, 4);
        assertEquals(16384, pages.firstAddress());
        assertEquals(16384, pages.heap().brk(), "the padding before the first page belongs to the heap");
        long a = pages.allocPages(0);
        assertEquals(16384, a);
        assertWellFormed(pages);
    }

    @Test
    void badConfigurationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> pages(1 << 20, 24, 4));
        assertThrows(IllegalArgumentException.class, () -> pages(1 << 20, 8, 4));
        assertThrows(IllegalArgumentException.class, () -> pages(1 << 20, 4096, -1));
        assertThrows(IllegalArgumentException.class, () -> pages(1 << 20, 4096, 51));
        Heap used = Heap.reserve(1 << 20);
        heaps.add(used);
        used.sbrk(4096);
        assertThrows(IllegalArgumentException.class, () -> new BuddyPages(used, 4096, 4), "the heap must be empty");
    }

    // ------------------------------------------------------------ misuse: specific exceptions, nothing changed

    /** Asserts {@code misuse} throws exactly {@code type} and changes neither the heap nor the side table. */
    private static void assertMisuse(BuddyPages pages, Class<? extends AllocatorMisuseException> type, Executable misuse) {
        byte[] heap = pages.heap().snapshot();
        long[] metadata = pages.metadataSnapshot();
        AllocatorMisuseException e = assertThrows(AllocatorMisuseException.class, misuse);
        assertEquals(type, e.getClass(), String.valueOf(e.getMessage()));
        assertArrayEquals(heap, pages.heap().snapshot(), "misuse changed the heap");
        assertArrayEquals(metadata, pages.metadataSnapshot(), "misuse changed the side table");
        assertWellFormed(pages);
    }

    @Test
    void freeingWithTheWrongOrderThrowsWrongOrder() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        long p = pages.allocPages(3);
        assertMisuse(pages, WrongOrderException.class, () -> pages.freePages(p, 2));
        WrongOrderException e = assertThrows(WrongOrderException.class, () -> pages.freePages(p, 0));
        assertEquals(3, e.blockOrder());
        assertEquals(0, e.givenOrder());
        pages.freePages(p, 3);
    }

    @Test
    void freeingASplitHalfAsTheWholeThrowsSplitBlock() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        long whole = pages.allocPages(3); // frames 8-15; the gap below is freed as orders 0, 1, 2
        for (int k = 0; k < 3; k++) {
            pages.allocPages(k); // use the gap up
        }
        pages.freePages(whole, 3);
        long half = pages.allocPages(2); // the free order-3 block is split: half is its lower half
        assertEquals(whole, half);
        assertMisuse(pages, SplitBlockException.class, () -> pages.freePages(half, 3));
        assertTrue(WrongOrderException.class.isAssignableFrom(SplitBlockException.class));
        pages.freePages(half, 2);
    }

    @Test
    void unalignedAddressesThrowUnalignedBlock() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        long p = pages.allocPages(3);
        assertMisuse(pages, UnalignedBlockException.class, () -> pages.freePages(p + 16, 3));
        assertMisuse(pages, UnalignedBlockException.class, () -> pages.freePages(p + 2048, 0));
        // a page, but not an order-3 block boundary
        assertMisuse(pages, UnalignedBlockException.class, () -> pages.freePages(p + 4 * PAGE, 3));
        pages.freePages(p, 3);
    }

    @Test
    void doubleFreesThrowDoubleFreeAlsoAfterTheBlockMerged() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        long x = pages.allocPages(0); // frame 1, a zone of its own
        long y = pages.allocPages(0); // frame 2
        long z = pages.allocPages(0); // frame 3: y's buddy
        pages.freePages(y, 0);
        assertMisuse(pages, DoubleFreeException.class, () -> pages.freePages(y, 0)); // a free block start
        pages.freePages(z, 0); // merges with y: z is now inside the free order-1 block at y
        assertMisuse(pages, DoubleFreeException.class, () -> pages.freePages(z, 0));
        assertMisuse(pages, DoubleFreeException.class, () -> pages.freePages(y, 0));
        assertMisuse(pages, DoubleFreeException.class, () -> pages.freePages(y, 1));
        pages.freePages(x, 0);
        assertMisuse(pages, DoubleFreeException.class, () -> pages.freePages(x, 0));
    }

    @Test
    void interiorOutsideAndOutOfRangeAreRejected() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        long p = pages.allocPages(2);
        assertMisuse(pages, InvalidPointerException.class, () -> pages.freePages(p + PAGE, 0)); // inside an allocated block
        assertMisuse(pages, InvalidPointerException.class, () -> pages.freePages(0, 0));
        assertMisuse(pages, InvalidPointerException.class, () -> pages.freePages(pages.heap().brk(), 0));
        assertMisuse(pages, InvalidPointerException.class, () -> pages.freePages(pages.heap().limit() + PAGE, 0));
        assertMisuse(pages, InvalidSizeException.class, () -> pages.freePages(p, 11));
        assertMisuse(pages, InvalidSizeException.class, () -> pages.freePages(p, -1));
        assertThrows(InvalidSizeException.class, () -> pages.allocPages(11));
        assertThrows(InvalidSizeException.class, () -> pages.allocPages(-1));
        pages.freePages(p, 2);
        assertWellFormed(pages);
    }

    @Test
    void aWriteIntoAFreedBlockStopsTheUnlinkInsteadOfWritingWild() {
        BuddyPages pages = pages(1 << 20, PAGE, 10);
        long a = pages.allocPages(0);
        long b = pages.allocPages(1);
        pages.freePages(a, 0);
        pages.heap().putLong(a + BuddyPages.PREV, 0x123450); // use after free overwrites the node
        assertThrows(org.jalloc.core.HeapCorruptionException.class, () -> pages.allocPages(0));
        assertTrue(b != 0);
    }
}
