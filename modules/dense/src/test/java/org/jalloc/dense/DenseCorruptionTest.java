package org.jalloc.dense;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real dense metadata (in the heap: a tag bit, a footer, a page's info, bitmap or list link; in the side
 * tables: a tree link or key, an end-map bit, a page counter) and proves the checker names the invariant: DENSE-1 .. DENSE-10, and the shared HEAP-1, HEAP-3 and
 * HEAP-5 as they arise in this layout.
 *
 * <p>Fixture (pages from the first small request: threshold 0): four 48-byte slots {@code s0..s3} in one page, and
 * five tagged blocks {@code a b c d e} of 200, 300, 200, 400 and 200 bytes after it.
 */
class DenseCorruptionTest {
    private Heap heap;
    private DenseAllocator allocator;
    private CheckedAllocator checked;
    private final long[] s = new long[4];
    private long a;
    private long b;
    private long c;
    private long d;
    private long e;

    DenseCorruptionTest() {
        heap = Heap.reserve(1 << 20);
        allocator = create(DenseOptions.Footers.FREE_ONLY);
        checked = new CheckedAllocator(allocator);
        fixture();
    }

    private DenseAllocator create(DenseOptions.Footers footers) {
        DenseOptions o = DenseOptions.DENSEST;
        return new DenseAllocator(heap, new DenseOptions(o.small(), o.page(), 0, footers, o.ties(), o.coalescing(), o.realloc(),
                o.growth()), "dense-under-test");
    }

    private void use(DenseOptions.Footers footers) {
        heap.close();
        heap = Heap.reserve(1 << 20);
        allocator = create(footers);
        checked = new CheckedAllocator(allocator);
        fixture();
    }

    private void fixture() {
        for (int i = 0; i < s.length; i++) {
            s[i] = checked.malloc(48);
        }
        a = checked.malloc(200);
        b = checked.malloc(300);
        c = checked.malloc(200);
        d = checked.malloc(400);
        e = checked.malloc(200);
        checked.verifyAll();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private static long header(long payload) {
        return payload - DenseAllocator.WORD;
    }

    private long size(long payload) {
        return DenseAllocator.sizeOf(heap.getLong(header(payload)));
    }

    private long footer(long payload) {
        return header(payload) + size(payload) - DenseAllocator.WORD;
    }

    /** The end of the page holding the slots. */
    private long pageEnd() {
        long end = allocator.pages.pageOf(s[0]);
        assertNotEquals(0, end);
        return end;
    }

    // ------------------------------------------------------------ shared IDs in this layout

    @Test
    void aSizeRunningPastTheBreakBreaksTiling() {
        heap.putLong(header(c), heap.brk() | DenseAllocator.ALLOCATED | DenseAllocator.PREV_ALLOCATED);
        assertReports(checked, "HEAP-1");
    }

    @Test
    void aCutTreeLinkLosesAFreeBlock() {
        checked.free(b);
        checked.free(d);
        Treap tree = allocator.tree;
        int root = tree.root;
        assertTrue(tree.left[root] != Treap.NIL || tree.right[root] != Treap.NIL, "two free blocks: the root has a child");
        if (tree.left[root] != Treap.NIL) {
            tree.left[root] = Treap.NIL;
        } else {
            tree.right[root] = Treap.NIL;
        }
        assertReportsOnly(checked, "HEAP-3");
    }

    @Test
    void aTreeNodeWithAStaleSizeIsReported() {
        checked.free(b);
        allocator.tree.size[allocator.tree.root] += 1; // the block is 16 bytes bigger than its header says
        assertReports(checked, "HEAP-3");
    }

    @Test
    void aFreeBitOnALiveSlotLosesALiveBlock() {
        long end = pageEnd();
        long info = heap.getLong(allocator.pages.infoAt(end));
        long bitmap = allocator.pages.bitmapAt(end, SmallPages.slotsOf(info));
        heap.putLong(bitmap, heap.getLong(bitmap) | 1L); // slot 0 (s0) reads as free
        assertReports(checked, "HEAP-5");
    }

    // ------------------------------------------------------------ DENSE-1 sentinels

    @Test
    void aChangedPrologueIsReported() {
        heap.putLong(heap.start(), 0x31);
        assertReports(checked, "DENSE-1");
    }

    @Test
    void aZeroedEpilogueIsReported() {
        heap.putLong(heap.brk() - 8, 0);
        assertReports(checked, "DENSE-1");
    }

    // ------------------------------------------------------------ DENSE-2 header form

    @Test
    void aFreeBlockCarryingTheRBitIsMalformed() {
        checked.free(b);
        long tag = heap.getLong(header(b)) | DenseAllocator.GROWN;
        heap.putLong(header(b), tag);
        heap.putLong(footer(b), tag);
        assertReportsOnly(checked, "DENSE-2");
    }

    @Test
    void aPrevAllocatedBitIsMalformedWhenEveryBlockHasAFooter() {
        use(DenseOptions.Footers.ALL);
        long tag = heap.getLong(header(c)) | DenseAllocator.PREV_ALLOCATED;
        heap.putLong(header(c), tag);
        heap.putLong(footer(c), tag);
        assertReports(checked, "DENSE-2");
    }

    // ------------------------------------------------------------ DENSE-3 footers

    @Test
    void aFreeBlocksFooterThatDiffersFromItsHeaderIsReported() {
        checked.free(b);
        heap.putLong(footer(b), heap.getLong(footer(b)) + 16);
        assertReports(checked, "DENSE-3");
    }

    @Test
    void anAllocatedBlocksFooterCountsWhenEveryBlockHasOne() {
        use(DenseOptions.Footers.ALL);
        heap.putLong(footer(c), heap.getLong(footer(c)) ^ 0x10);
        assertReports(checked, "DENSE-3");
    }

    // ------------------------------------------------------------ DENSE-4 p bits

    @Test
    void aClearedPrevAllocatedBitUnderAnAllocatedLeftNeighbourIsReported() {
        heap.putLong(header(c), heap.getLong(header(c)) & ~DenseAllocator.PREV_ALLOCATED);
        assertReportsOnly(checked, "DENSE-4");
    }

    @Test
    void anEpilogueThatForgetsAFreeLastBlockIsReported() {
        checked.free(e); // e is the last block: the epilogue's p bit clears
        heap.putLong(heap.brk() - 8, heap.getLong(heap.brk() - 8) | DenseAllocator.PREV_ALLOCATED);
        assertReports(checked, "DENSE-4");
    }

    // ------------------------------------------------------------ DENSE-5 coalescing

    @Test
    void twoAdjacentFreeBlocksAreReported() {
        checked.free(b);
        long tag = size(c) | DenseAllocator.PREV_ALLOCATED; // c looks like a well-formed free block next to the free b
        heap.putLong(header(c), tag);
        heap.putLong(footer(c), tag);
        assertReports(checked, "DENSE-5");
    }

    // ------------------------------------------------------------ DENSE-6 the tree

    @Test
    void aTreeNodeOnTheWrongSideIsOutOfOrder() {
        checked.free(b);
        checked.free(d);
        Treap tree = allocator.tree;
        int root = tree.root;
        int l = tree.left[root];
        tree.left[root] = tree.right[root]; // the child changes sides: the in-order sequence breaks
        tree.right[root] = l;
        assertReportsOnly(checked, "DENSE-6");
    }

    @Test
    void aRotationThatKeepsTheOrderButBreaksThePrioritiesIsReported() {
        checked.free(b);
        checked.free(d);
        Treap tree = allocator.tree;
        int root = tree.root;
        int l = tree.left[root];
        if (l != Treap.NIL) { // rotate right: the left child becomes the root
            tree.left[root] = tree.right[l];
            tree.right[l] = root;
            tree.root = l;
        } else { // rotate left
            int r = tree.right[root];
            tree.right[root] = tree.left[r];
            tree.left[r] = root;
            tree.root = r;
        }
        assertReportsOnly(checked, "DENSE-6");
    }

    // ------------------------------------------------------------ DENSE-7 pages

    @Test
    void aPageLiveCountOffByOneIsReported() {
        long at = allocator.pages.infoAt(pageEnd());
        heap.putLong(at, heap.getLong(at) + (1L << 24));
        assertReportsOnly(checked, "DENSE-7");
    }

    @Test
    void aPageInfoThatDisagreesWithItsBlockIsReported() {
        long at = allocator.pages.infoAt(pageEnd());
        heap.putLong(at, heap.getLong(at) - (1L << 8)); // one slot fewer than the block holds
        assertReports(checked, "DENSE-7");
    }

    @Test
    void aFreeBitBeyondTheLastSlotIsReported() {
        long end = pageEnd();
        long n = SmallPages.slotsOf(heap.getLong(allocator.pages.infoAt(end)));
        assertTrue(n % 64 != 0, "the fixture's page has a partial last bitmap word");
        long word = allocator.pages.bitmapAt(end, n) + 8 * (n / 64);
        heap.putLong(word, heap.getLong(word) | (1L << 63));
        assertReportsOnly(checked, "DENSE-7");
    }

    // ------------------------------------------------------------ DENSE-8 the end map and the page counters

    @Test
    void aClearedEndMapBitHidesAPage() {
        allocator.pages.clearEnd(pageEnd());
        assertReports(checked, "DENSE-8");
    }

    @Test
    void aStrayEndMapBitIsReported() {
        allocator.pages.markEnd((heap.brk() & -SmallPages.GRANULE) + (64 << 10)); // no page ends there, out of any block's reach
        assertReportsOnly(checked, "DENSE-8");
    }

    @Test
    void aPageCounterOffByOneIsReported() {
        allocator.pages.pageCount[SmallPages.classOf(48)]++;
        assertReportsOnly(checked, "DENSE-8");
    }

    // ------------------------------------------------------------ DENSE-9, DENSE-10 page lists

    @Test
    void aPartialPageMissingFromItsListIsReported() {
        allocator.pages.heads[SmallPages.classOf(48)] = 0;
        assertReports(checked, "DENSE-9");
    }

    @Test
    void aFullPageOnAListIsReported() {
        List<Long> more = fillThePage();
        assertEquals(0, allocator.pages.heads[SmallPages.classOf(48)], "the page is full, no longer listed");
        allocator.pages.heads[SmallPages.classOf(48)] = pageEnd();
        assertReports(checked, "DENSE-9");
        assertTrue(more.size() > 0);
    }

    @Test
    void aBrokenPrevLinkBetweenPagesIsReported() {
        long[] pages = twoPartialPages();
        long links = allocator.pages.linksAt(pages[1]);
        heap.putLong(links, heap.getLong(links) & 0xFFFF_FFFFL); // page 2's prev link cleared
        assertReportsOnly(checked, "DENSE-10");
    }

    @Test
    void aListOutOfAddressOrderIsReported() {
        long[] pages = twoPartialPages();
        int c = SmallPages.classOf(48);
        // relink as page 2 -> page 1, both prev links consistent
        long id1 = pages[0] >>> SmallPages.GRANULE_SHIFT;
        long id2 = pages[1] >>> SmallPages.GRANULE_SHIFT;
        heap.putLong(allocator.pages.linksAt(pages[1]), id1);
        heap.putLong(allocator.pages.linksAt(pages[0]), id2 << 32);
        allocator.pages.heads[c] = pages[1];
        assertReports(checked, "DENSE-10");
    }

    /** Fills the fixture's page; returns the slots taken. */
    private List<Long> fillThePage() {
        List<Long> taken = new ArrayList<>();
        long end = pageEnd();
        while (allocator.pages.heads[SmallPages.classOf(48)] == end) {
            taken.add(checked.malloc(48));
        }
        return taken;
    }

    /** Two pages of the 48-byte class, each with a free slot: their ends in address order. */
    private long[] twoPartialPages() {
        List<Long> taken = fillThePage();
        long first = pageEnd();
        long q = checked.malloc(48); // opens a second page
        long second = allocator.pages.pageOf(q);
        assertNotEquals(first, second);
        checked.malloc(48);
        checked.free(taken.get(0)); // the first page has a free slot again
        int c = SmallPages.classOf(48);
        assertEquals(Math.min(first, second), allocator.pages.heads[c]);
        assertEquals(Math.max(first, second), allocator.pages.next(allocator.pages.heads[c]));
        return new long[] {Math.min(first, second), Math.max(first, second)};
    }
}
