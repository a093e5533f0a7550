package org.jalloc.boundarytag;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Breaks real boundary-tag metadata in the heap (a size field, an allocated or prev-allocated bit, a footer, a
 * free-list link, a list head, a TLSF bitmap bit) and proves the checker names the invariant: BT-1 .. BT-8, and
 * the shared HEAP-1, HEAP-3 and HEAP-4 as they arise in this layout.
 *
 * <p>Fixture: five live blocks {@code a b c d e}; {@code d} asks for 200 bytes (a 208- or 224-byte block, size
 * class 2), the others for 48 (64-byte blocks, class 1). Tests free some of them first.
 */
class BoundaryTagCorruptionTest {
    private Heap heap = Heap.reserve(1 << 20);
    private BoundaryTagAllocator allocator = create(BoundaryTagAllocator.Policy.SEGREGATED, BoundaryTagAllocator.Footers.FREE_ONLY);
    private CheckedAllocator checked = new CheckedAllocator(allocator);
    private long a;
    private long b;
    private long c;
    private long d;
    private long e;

    BoundaryTagCorruptionTest() {
        fixture();
    }

    private BoundaryTagAllocator create(BoundaryTagAllocator.Policy policy, BoundaryTagAllocator.Footers footers) {
        return new BoundaryTagAllocator(heap, policy, footers, "bt-under-test");
    }

    /** Starts over on a fresh heap with another policy and layout. */
    private void use(BoundaryTagAllocator.Policy policy, BoundaryTagAllocator.Footers footers) {
        heap.close();
        heap = Heap.reserve(1 << 20);
        allocator = create(policy, footers);
        checked = new CheckedAllocator(allocator);
        fixture();
    }

    private void fixture() {
        a = checked.malloc(48);
        b = checked.malloc(48);
        c = checked.malloc(48);
        d = checked.malloc(200);
        e = checked.malloc(48);
        checked.verifyAll();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private static long header(long payload) {
        return payload - BoundaryTagAllocator.WORD;
    }

    private long size(long payload) {
        return BoundaryTagAllocator.sizeOf(heap.getLong(header(payload)));
    }

    private long footer(long payload) {
        return header(payload) + size(payload) - BoundaryTagAllocator.WORD;
    }

    // ------------------------------------------------------------ shared IDs in this layout

    @Test
    void aSizeRunningPastTheBreakBreaksTiling() {
        heap.putLong(header(c), heap.brk() | BoundaryTagAllocator.ALLOCATED | BoundaryTagAllocator.PREV_ALLOCATED);
        assertReports(checked, "HEAP-1");
    }

    @Test
    void aClearedAllocatedBitWithAMatchingFooterNextToAFreeBlockBreaksCoalescing() {
        checked.free(b);
        long tag = BoundaryTagAllocator.sizeOf(heap.getLong(header(c))) | BoundaryTagAllocator.PREV_ALLOCATED;
        heap.putLong(header(c), tag); // c now looks like a well-formed free block next to the free b
        heap.putLong(footer(c), tag);
        assertReports(checked, "HEAP-4");
    }

    @Test
    void aCutNextLinkLosesAFreeBlock() {
        checked.free(b);
        checked.free(a); // a and b merge into one free block of class 2 [128, 256)
        checked.free(d);              // d merges with nothing (c and e are live): class 2 as well
        long head = allocator.index.heads[SegregatedLists.classOf(size(d))];
        assertNotEquals(0, allocator.index.next(head), "two blocks in one list");
        heap.putLong(head + BinIndex.NEXT, 0);
        assertReportsOnly(checked, "HEAP-3");
    }

    // ------------------------------------------------------------ BT-1 sentinels

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Footers.class)
    void aChangedPrologueIsReported(BoundaryTagAllocator.Footers footers) {
        use(BoundaryTagAllocator.Policy.SEGREGATED, footers);
        heap.putLong(heap.start(), 0x30 | BoundaryTagAllocator.ALLOCATED);
        assertReports(checked, "BT-1");
    }

    @Test
    void aZeroedEpilogueIsReported() {
        heap.putLong(heap.brk() - 8, 0);
        assertReports(checked, "BT-1");
    }

    @Test
    void aPrologueRewrittenInFreeOnlyModeIsOnlyASentinelFault() {
        heap.putLong(heap.start(), 0); // never read by the engine here (the first block's p bit answers)
        assertReportsOnly(checked, "BT-1");
    }

    // ------------------------------------------------------------ BT-2 header form

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Footers.class)
    void aStrayFlagBitIsAMalformedHeader(BoundaryTagAllocator.Footers footers) {
        use(BoundaryTagAllocator.Policy.SEGREGATED, footers);
        heap.putLong(header(b), heap.getLong(header(b)) | 8);
        if (footers == BoundaryTagAllocator.Footers.ALL) {
            heap.putLong(footer(b), heap.getLong(header(b))); // keep the footer equal: only the form is wrong
        }
        assertReportsOnly(checked, "BT-2");
    }

    @Test
    void aPrevAllocatedBitIsMalformedWhenEveryBlockHasAFooter() {
        use(BoundaryTagAllocator.Policy.SEGREGATED, BoundaryTagAllocator.Footers.ALL);
        long tag = heap.getLong(header(c)) | BoundaryTagAllocator.PREV_ALLOCATED;
        heap.putLong(header(c), tag);
        heap.putLong(footer(c), tag);
        assertReportsOnly(checked, "BT-2");
    }

    // ------------------------------------------------------------ BT-3 header = footer

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Policy.class)
    void aFreeBlocksFooterThatDiffersFromItsHeaderIsReported(BoundaryTagAllocator.Policy policy) {
        use(policy, BoundaryTagAllocator.Footers.FREE_ONLY);
        checked.free(b);
        heap.putLong(footer(b), heap.getLong(footer(b)) | 8); // same size, so the backward walk still agrees
        assertReportsOnly(checked, "BT-3");
    }

    @Test
    void anAllocatedBlocksFooterCountsWhenEveryBlockHasOne() {
        use(BoundaryTagAllocator.Policy.TLSF, BoundaryTagAllocator.Footers.ALL);
        heap.putLong(footer(c), heap.getLong(footer(c)) & ~BoundaryTagAllocator.ALLOCATED);
        assertReportsOnly(checked, "BT-3");
    }

    // ------------------------------------------------------------ BT-4 prev-allocated bit

    @Test
    void aClearedPrevAllocatedBitUnderAnAllocatedLeftNeighbourIsReported() {
        heap.putLong(header(c), heap.getLong(header(c)) & ~BoundaryTagAllocator.PREV_ALLOCATED);
        assertReportsOnly(checked, "BT-4");
    }

    @Test
    void aSetPrevAllocatedBitUnderAFreeLeftNeighbourIsReported() {
        use(BoundaryTagAllocator.Policy.TLSF, BoundaryTagAllocator.Footers.FREE_ONLY);
        checked.free(b);
        heap.putLong(header(c), heap.getLong(header(c)) | BoundaryTagAllocator.PREV_ALLOCATED);
        assertReportsOnly(checked, "BT-4");
    }

    @Test
    void anEpilogueThatForgetsAFreeLastBlockIsReported() {
        checked.free(e); // the last block is free: the epilogue's p bit must be clear
        heap.putLong(heap.brk() - 8, heap.getLong(heap.brk() - 8) | BoundaryTagAllocator.PREV_ALLOCATED);
        assertReportsOnly(checked, "BT-4");
    }

    // ------------------------------------------------------------ BT-5 backward walk agrees

    @Test
    void aFootersSizeLeadsTheBackwardWalkAstray() {
        use(BoundaryTagAllocator.Policy.SEGREGATED, BoundaryTagAllocator.Footers.ALL);
        heap.putLong(footer(c), heap.getLong(footer(c)) + 32); // c's footer now claims 96 bytes
        assertReports(checked, "BT-5");
    }

    @Test
    void aFreeLeftNeighboursFooterSizeLeadsTheBackwardStepAstray() {
        checked.free(b);
        heap.putLong(footer(b), heap.getLong(footer(b)) - 32); // read by free(c) to find b's start
        assertReports(checked, "BT-5");
    }

    @Test
    void aBackwardWalkThatMissesThePrologueIsReported() {
        use(BoundaryTagAllocator.Policy.TLSF, BoundaryTagAllocator.Footers.ALL);
        heap.putLong(heap.start(), BoundaryTagAllocator.ALLOCATED | 0x10);
        assertReports(checked, "BT-5");
    }

    // ------------------------------------------------------------ BT-6 the list a size maps to

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Policy.class)
    void aFreeBlockLinkedIntoAnotherSizesListIsReported(BoundaryTagAllocator.Policy policy) {
        use(policy, BoundaryTagAllocator.Footers.FREE_ONLY);
        checked.free(b);
        checked.free(d);
        BinIndex index = allocator.index;
        int listB = index.listOf(size(b));
        int listD = index.listOf(size(d));
        assertNotEquals(listB, listD);
        // Move d from its own list to the front of b's list, links and heads, as a buggy insert would.
        index.heads[listD] = 0;
        heap.putLong(header(d) + BinIndex.NEXT, header(b));
        heap.putLong(header(d) + BinIndex.PREV, 0);
        heap.putLong(header(b) + BinIndex.PREV, header(d));
        index.heads[listB] = header(d);
        if (index instanceof Tlsf) {
            assertReports(checked, "BT-6"); // and BT-8: d's old list is now empty under a set bit
            assertReports(checked, "BT-8");
        } else {
            assertReportsOnly(checked, "BT-6");
        }
    }

    // ------------------------------------------------------------ BT-7 prev links

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Policy.class)
    void aPrevLinkThatSkipsItsPredecessorIsReported(BoundaryTagAllocator.Policy policy) {
        use(policy, BoundaryTagAllocator.Footers.FREE_ONLY);
        checked.free(b);
        checked.free(e); // the last block: its left neighbour d is live, so it stays a 64-byte block
        BinIndex index = allocator.index;
        int list = index.listOf(size(b));
        assertEquals(header(e), index.heads[list], "e was pushed last");
        assertEquals(header(b), index.next(header(e)));
        heap.putLong(header(b) + BinIndex.PREV, 0); // b forgets e: unlinking b would now corrupt the head
        assertReportsOnly(checked, "BT-7");
    }

    @Test
    void aHeadWithAPrevLinkIsReported() {
        checked.free(b);
        heap.putLong(header(b) + BinIndex.PREV, header(a));
        assertReportsOnly(checked, "BT-7");
    }

    // ------------------------------------------------------------ BT-8 TLSF bitmaps

    @Test
    void aSecondLevelBitForAnEmptyListIsReported() {
        use(BoundaryTagAllocator.Policy.TLSF, BoundaryTagAllocator.Footers.FREE_ONLY);
        checked.free(b);
        Tlsf tlsf = (Tlsf) allocator.index;
        int list = tlsf.listOf(size(b));
        int fl = list / Tlsf.SL_COUNT;
        int sl = list % Tlsf.SL_COUNT;
        tlsf.slBitmap[fl] ^= 1 << ((sl + 1) % Tlsf.SL_COUNT); // a neighbouring, empty list looks non-empty
        assertReportsOnly(checked, "BT-8");
    }

    @Test
    void aClearedSecondLevelBitHidesANonEmptyList() {
        use(BoundaryTagAllocator.Policy.TLSF, BoundaryTagAllocator.Footers.ALL);
        checked.free(d);
        Tlsf tlsf = (Tlsf) allocator.index;
        int list = tlsf.listOf(size(d));
        tlsf.slBitmap[list / Tlsf.SL_COUNT] &= ~(1 << (list % Tlsf.SL_COUNT));
        assertReports(checked, "BT-8"); // and the first-level bit now disagrees too, when d's list was alone
    }

    @Test
    void aFirstLevelBitWithoutSecondLevelBitsIsReported() {
        use(BoundaryTagAllocator.Policy.TLSF, BoundaryTagAllocator.Footers.FREE_ONLY);
        checked.free(d);
        Tlsf tlsf = (Tlsf) allocator.index;
        int fl = tlsf.listOf(size(d)) / Tlsf.SL_COUNT;
        tlsf.flBitmap ^= 1L << (fl == 0 ? 1 : 0);
        assertReportsOnly(checked, "BT-8");
    }
}
