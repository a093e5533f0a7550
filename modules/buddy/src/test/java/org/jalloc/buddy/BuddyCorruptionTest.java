package org.jalloc.buddy;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real buddy metadata — a head bit, a free bit, a free-list link, a list membership, a payload byte — and proves
 * the checker names the invariant: BUDDY-1..5 and the generic HEAP-3, HEAP-5, HEAP-6, HEAP-7. HEAP-1, HEAP-2 and
 * HEAP-8 hold by construction in this layout (the walk reads block boundaries from the head map, so it always tiles,
 * every block start is a multiple of 16, and nothing in the walk can fail); HEAP-4 is not promised (neighbours that
 * are not buddies stay apart). The check module's tests break those in a toy allocator.
 */
class BuddyCorruptionTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final BuddyAllocator buddy = new BuddyAllocator(heap, 16, 24, "buddy");
    private final BuddyPages pages = buddy.pages();
    private final CheckedAllocator checked = new CheckedAllocator(buddy);

    /** Three live blocks of 48 bytes (64-byte blocks, order 2) at frames 256, 260 and 264; the break at frame 268. */
    private final long a = checked.malloc(48);
    private final long b = checked.malloc(48);
    private final long c = checked.malloc(48);

    @AfterEach
    void close() {
        heap.close();
    }

    private static long frame(long address) {
        return address / 16;
    }

    @Test
    void layout() {
        assertEquals(4096, a);
        assertEquals(4096 + 64, b);
        assertEquals(4096 + 128, c);
        assertEquals(4096 + 192, heap.brk());
    }

    @Test
    void buddy1AHeadBitInsideABlockLeavesAThreePageBlock() {
        pages.headMap().set(frame(a) + 1); // a: [256, 257) and a phantom [257, 260) of 3 pages
        assertReports(checked, "BUDDY-1");
    }

    @Test
    void buddy2AClearedHeadMergesTwoTopBlocksAcrossAZone() {
        try (Heap h = Heap.reserve(1 << 20)) {
            BuddyAllocator small = new BuddyAllocator(h, 16, 2, "buddy:max-order=2"); // top block 64 bytes: a zone each
            CheckedAllocator ch = new CheckedAllocator(small);
            long[] p = {ch.malloc(48), ch.malloc(48), ch.malloc(48), ch.malloc(48)};
            ch.free(p[2]);
            ch.free(p[3]); // two free top blocks side by side: no buddies, no merge
            small.pages().headMap().clear(frame(p[3])); // one 128-byte block at a 128-aligned address: aligned, but two zones
            assertReports(ch, "BUDDY-2");
        }
    }

    @Test
    void buddy3TwoFreeBuddiesOfTheSameOrderLeftUnmerged() {
        checked.free(a);
        checked.free(b); // a + b merge into the order-3 block at a (c, its buddy, is live)
        assertEquals(1, pages.freeBlocks(3));
        pages.unlinkFree(a, 3); // split it back without allocating: a head at b, both halves on list 2
        pages.headMap().set(frame(b));
        pages.pushFree(a, 2);
        pages.pushFree(b, 2);
        assertReportsOnly(checked, "BUDDY-3");
    }

    @Test
    void buddy4ABrokenPrevLink() {
        checked.free(a);
        checked.free(c); // list 2: c, a
        heap.putLong(a + BuddyPages.PREV, b); // a's back link should name c
        assertReportsOnly(checked, "BUDDY-4");
    }

    @Test
    void buddy4AFreeBlockOnTheListOfAnotherOrder() {
        checked.free(a);
        pages.unlinkFree(a, 2);
        pages.pushFree(a, 1); // a 64-byte block on the 32-byte list
        assertReports(checked, "BUDDY-4");
    }

    @Test
    void buddy5AFreeBitInsideALiveBlock() {
        pages.freeMap().set(frame(b) + 1);
        assertReportsOnly(checked, "BUDDY-5");
    }

    @Test
    void buddy5AClearedFreeBitOnAListedBlock() {
        checked.free(b);
        pages.freeMap().clear(frame(b));
        assertReports(checked, "BUDDY-5");
    }

    @Test
    void heap3AFreeBlockDroppedFromItsList() {
        checked.free(a);
        checked.free(c); // list 2: c, a
        heap.putLong(c + BuddyPages.NEXT, 0); // a is lost
        assertReports(checked, "HEAP-3");
    }

    @Test
    void heap5ASetFreeBitLosesALiveBlock() {
        pages.freeMap().set(frame(a));
        assertReports(checked, "HEAP-5");
    }

    @Test
    void heap6AHeadBitInsideALiveBlockShrinksIt() {
        pages.headMap().set(frame(b) + 2); // b: 32 bytes, 48 requested
        assertReports(checked, "HEAP-6");
    }

    @Test
    void heap7AChangedPayloadByte() {
        heap.putByte(b + 17, (byte) (heap.getByte(b + 17) ^ 0x40));
        assertReportsOnly(checked, "HEAP-7");
    }
}
