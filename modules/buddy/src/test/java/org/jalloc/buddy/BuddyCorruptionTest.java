package org.jalloc.buddy;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.ForwardingWalk;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.walk.InvariantSink;
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

    // ---------------------------------------------------------------- the checker's one pass against the plain checks

    /** The buddy walk with its checked walks unfolded: the plain walks, then every check in checkInvariants. */
    private static final class PlainWalk extends ForwardingWalk {
        PlainWalk(HeapWalk under) {
            super(under);
        }

        @Override
        public boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
            under.walkExtents(visitor);
            return false;
        }

        @Override
        public boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
            under.walkFreeStructures(visitor);
            return false;
        }

        @Override
        public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
            under.checkInvariants(sink);
        }
    }

    /**
     * The checker's one pass (the links and sizes the extent walk records, the free-list walk's checks from them)
     * reports exactly what the plain walks and checkInvariants report, violation for violation, for {@code buddy}'s
     * heap as it is now; and reports something.
     */
    private static void assertOnePassIsPlain(BuddyAllocator buddy) {
        HeapWalk walk = Inspection.of(buddy).heapWalk();
        List<Violation> onePass = List.copyOf(new HeapChecker().check(walk));
        List<Violation> plain = List.copyOf(new HeapChecker().check(new PlainWalk(walk)));
        assertFalse(onePass.isEmpty(), "the corruption is reported");
        assertEquals(plain, onePass);
    }

    @Test
    void onePassAsPlainForAFreeBlockOnTheListOfAnotherOrder() {
        checked.free(a);
        checked.free(c);
        pages.unlinkFree(a, 2);
        pages.pushFree(a, 1); // the 64-byte block a on the 32-byte list: its size comes from the extent walk's record
        pages.unlinkFree(c, 2);
        pages.pushFree(c, 3); // and the 64-byte block c on the 128-byte list
        assertOnePassIsPlain(buddy);
    }

    @Test
    void onePassAsPlainForABrokenPrevLinkAndABlockListedTwice() {
        checked.free(a);
        checked.free(c); // list 2: c, a
        heap.putLong(a + BuddyPages.PREV, b);
        pages.pushFree(c, 0); // c again, on list 0, in front
        assertOnePassIsPlain(buddy);
    }

    @Test
    void onePassAsPlainWhenTheFirstFrameIsFreeWithoutItsHead() {
        checked.free(a); // a is the first frame: the walk takes it for a block start all the same
        pages.headMap().clear(frame(a));
        assertOnePassIsPlain(buddy);
    }

    @Test
    void onePassAsPlainForAFreeBitInsideALiveBlock() {
        checked.free(a);
        pages.freeMap().set(frame(b) + 1);
        assertOnePassIsPlain(buddy);
    }
}
