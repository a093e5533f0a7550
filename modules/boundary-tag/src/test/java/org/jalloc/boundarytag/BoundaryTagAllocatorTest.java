package org.jalloc.boundarytag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.trace.ReplayResult;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.jalloc.testkit.trace.TraceReplayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the boundary tags buy, operation by operation, every step under the checker (HEAP-1..8, BT-1..8): O(1)
 * coalescing with both neighbours, splitting, exact heap growth, in-place realloc, footer elision's block sizes,
 * per-class statistics and the O(1) misuse screen.
 */
class BoundaryTagAllocatorTest {
    private Heap heap = Heap.reserve(1 << 20);
    private BoundaryTagAllocator raw = create(BoundaryTagAllocator.Policy.SEGREGATED, BoundaryTagAllocator.Footers.FREE_ONLY);
    private CheckedAllocator checked = new CheckedAllocator(raw);

    private BoundaryTagAllocator create(BoundaryTagAllocator.Policy policy, BoundaryTagAllocator.Footers footers) {
        return new BoundaryTagAllocator(heap, policy, footers, "bt");
    }

    private void use(BoundaryTagAllocator.Policy policy, BoundaryTagAllocator.Footers footers) {
        heap.close();
        heap = Heap.reserve(1 << 20);
        raw = create(policy, footers);
        checked = new CheckedAllocator(raw);
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private BoundaryTagMetric section() {
        List<AllocatorMetric> metrics = raw.stats().metrics();
        assertEquals(1, metrics.size());
        return raw.stats().metric(BoundaryTagMetric.class).orElseThrow();
    }

    private static long listLength(BoundaryTagMetric m, String list) {
        return m.bins().stream().filter(b -> b.list().equals(list)).findFirst().orElseThrow().blocks();
    }

    private long blockSize(long payload) {
        return BoundaryTagAllocator.sizeOf(heap.getLong(payload - 8));
    }

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Footers.class)
    void freeMergesWithBothNeighboursAtOnce(BoundaryTagAllocator.Footers footers) {
        use(BoundaryTagAllocator.Policy.SEGREGATED, footers);
        long a = checked.malloc(100);
        long b = checked.malloc(100);
        long c = checked.malloc(100);
        long fence = checked.malloc(100);
        long abc = blockSize(a) + blockSize(b) + blockSize(c);
        checked.free(a);
        checked.free(c);
        assertEquals(2, raw.stats().freeBlocks());
        checked.free(b); // left neighbour a found through b's p bit / a's footer, right neighbour c through b's size
        AllocatorStats s = raw.stats();
        assertEquals(1, s.freeBlocks());
        assertEquals(abc, s.largestFreeBlock(), "one free block from a to c");
        assertEquals(1L, section().coalescesWithLeft());
        assertEquals(1L, section().coalescesWithRight());
        assertEquals(a, checked.malloc(abc - 16), "the merged block is found again");
        checked.free(fence);
    }

    @Test
    void theHeapGrowsByExactlyWhatIsMissing() {
        long start = heap.start();
        long p = checked.malloc(100); // 108 -> 112-byte block
        assertEquals(start + 16 + 112, heap.brk(), "prologue + epilogue + one block");
        long q = checked.malloc(1000);
        checked.free(q); // the last block is free: 1008 bytes
        long brk = heap.brk();
        long r = checked.malloc(2000); // a 2016-byte block: the free last block is extended by 1008
        assertEquals(q, r);
        assertEquals(brk + 1008, heap.brk());
        checked.free(p);
        checked.free(r);
    }

    @Test
    void aFitIsSplitWhenTheRestHoldsAMinimumBlock() {
        long a = checked.malloc(1000);
        long fence = checked.malloc(16);
        checked.free(a); // a 1008-byte free block
        long b = checked.malloc(500); // 512 bytes: the 496-byte rest stays free
        assertEquals(a, b);
        assertEquals(512, blockSize(b));
        assertEquals(496, raw.stats().largestFreeBlock());
        long c = checked.malloc(470); // 480 bytes: a rest of 16 is no block, so c takes all 496
        assertEquals(496, blockSize(c));
        assertEquals(0, raw.stats().freeBlocks());
        checked.free(b);
        checked.free(c);
        checked.free(fence);
    }

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Footers.class)
    void reallocGrowsIntoAFreeRightNeighbourInPlace(BoundaryTagAllocator.Footers footers) {
        use(BoundaryTagAllocator.Policy.TLSF, footers);
        long a = checked.malloc(64);
        long b = checked.malloc(1000);
        long fence = checked.malloc(64);
        checked.free(b);
        assertEquals(a, checked.realloc(a, 500), "grown in place into b");
        assertTrue(raw.stats().freeBlocks() == 1, "the rest of b is split off and stays free");
        assertEquals(1L, section().reallocGrowsInPlace());
        assertTrue(checked.tryExpand(a, 900));
        assertFalse(checked.tryExpand(a, 2000), "the fence is in the way and a is not last");
        checked.free(a);
        checked.free(fence);
    }

    @Test
    void reallocShrinksWithASplitThatMergesWithAFreeRightNeighbour() {
        long a = checked.malloc(1000);
        long b = checked.malloc(200);
        long fence = checked.malloc(16);
        checked.free(b);
        assertEquals(a, checked.realloc(a, 100));
        assertEquals(1, raw.stats().freeBlocks(), "the cut-off tail merged with b");
        assertEquals(1L, section().reallocShrinks());
        checked.free(a);
        checked.free(fence);
    }

    @Test
    void reallocOfTheLastBlockMovesTheBreak() {
        long a = checked.malloc(64);
        long b = checked.malloc(64);
        checked.free(b); // a is followed by a free block that ends at the epilogue
        long brk = heap.brk();
        assertEquals(a, checked.realloc(a, 4000));
        assertEquals(heap.start() + 16 + 4016, heap.brk(), "grown by what a and its free neighbour lacked");
        assertTrue(heap.brk() > brk);
        assertEquals(1L, section().reallocGrowsAtBreak());
        checked.free(a);
    }

    @Test
    void footerElisionSavesABlockStepOnSizesJustAboveAMultipleOfSixteen() {
        for (BoundaryTagAllocator.Footers footers : BoundaryTagAllocator.Footers.values()) {
            use(BoundaryTagAllocator.Policy.SEGREGATED, footers);
            boolean elided = footers == BoundaryTagAllocator.Footers.FREE_ONLY;
            for (long n = 33; n <= 40; n++) { // 1..8 bytes above 32
                long p = checked.malloc(n);
                assertEquals(elided ? 48 : 64, blockSize(p), footers + " block for " + n + " bytes");
                assertEquals(elided ? 40 : 48, checked.usableSize(p));
                checked.free(p);
            }
        }
    }

    @Test
    void footerElisionUsesLessHeapOnTheTailSizesWorkload() {
        Trace t = TraceGenerator.generate("tail-sizes", 4000, 3);
        ReplayResult elided = TraceReplayer.replay(t, AllocatorFactory.of("boundary-tag", 16 << 20), TraceReplayer.Options.correctnessOnly(true));
        ReplayResult full = TraceReplayer.replay(t, AllocatorFactory.of("boundary-tag:footers=all", 16 << 20), TraceReplayer.Options.correctnessOnly(true));
        assertTrue(elided.ok() && full.ok(), elided.failure() + full.failure());
        assertTrue(elided.utilization() > full.utilization(), elided.utilization() + " vs " + full.utilization());
    }

    @Test
    void alignedAllocCutsAFrontGapIntoAFreeBlock() {
        long a = checked.malloc(16);
        long p = checked.alignedAlloc(4096, 100);
        assertEquals(0, (heap.memory().address() + p) % 4096);
        assertEquals(1, raw.stats().freeBlocks(), "the gap between a and the aligned block is free");
        long q = checked.malloc(32);
        assertTrue(q < p, "and used again");
        checked.free(p);
        checked.free(a);
        checked.free(q);
    }

    @Test
    void statsCountTheBlocksOfEveryList() {
        List<Long> small = new ArrayList<>();
        List<Long> big = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            small.add(checked.malloc(40)); // 48-byte blocks, class 0 [32, 64)
            big.add(checked.malloc(300)); // 320-byte blocks, class 3 [256, 512)
        }
        for (int i = 0; i < 10; i++) {
            checked.free(i < 6 ? small.get(i) : big.get(i)); // never two neighbours
        }
        BoundaryTagMetric m = section();
        assertEquals(6L, listLength(m, "class 0 [32, 64)"));
        assertEquals(4L, listLength(m, "class 3 [256, 512)"));
        assertEquals(0L, listLength(m, "class 1 [64, 128)"));
        assertTrue(m.table().contains("class 3 [256, 512)"));
    }

    @Test
    void tlsfStatsNameTheNonEmptyListsAndTheBitmap() {
        use(BoundaryTagAllocator.Policy.TLSF, BoundaryTagAllocator.Footers.FREE_ONLY);
        long a = checked.malloc(1000);
        long fence = checked.malloc(16);
        checked.free(a); // 1008 bytes: fl 2 (512..1023), sl 15
        BoundaryTagMetric s = section();
        assertEquals("tlsf", s.section());
        assertEquals("tlsf", s.policy());
        assertEquals(java.util.Optional.of("0x4"), s.flBitmap());
        assertEquals(List.of(new BoundaryTagMetric.Bin("fl 2 sl 15 [992, 1024)", 1L)), s.bins());
        checked.free(fence);
    }

    // ------------------------------------------------------------ the O(1) misuse screen, beyond the contract

    // These write fake tags into a live payload, so they use the bare allocator (the checker would see the
    // payload change as HEAP-7) and prove the heap unchanged by comparing snapshots.

    @Test
    void aFreedHeaderWithoutItsFooterIsAnInvalidPointerNotADoubleFree() {
        long a = raw.malloc(64);
        raw.malloc(64);
        long inside = a + 16; // a free-looking header in a's payload, whose "footer" word is not a copy of it
        heap.putLong(inside - 8, 64 | BoundaryTagAllocator.PREV_ALLOCATED);
        heap.putLong(inside - 8 + 56, 0);
        byte[] before = heap.snapshot();
        InvalidPointerException e = assertThrows(InvalidPointerException.class, () -> raw.free(inside));
        assertFalse(e instanceof DoubleFreeException, e.getMessage());
        assertArrayEquals(before, heap.snapshot());
    }

    @Test
    void aFakeAllocatedHeaderIsCaughtByTheNextBlocksPrevAllocatedBit() {
        long a = raw.malloc(200);
        raw.malloc(64);
        long inside = a + 48; // a plausible allocated header claiming 64 bytes inside a's payload
        heap.putLong(inside - 8, 64 | BoundaryTagAllocator.ALLOCATED | BoundaryTagAllocator.PREV_ALLOCATED);
        heap.putLong(inside - 8 + 64, 0); // the "next header": p bit clear
        byte[] before = heap.snapshot();
        assertThrows(InvalidPointerException.class, () -> raw.free(inside));
        assertArrayEquals(before, heap.snapshot());
    }

    @Test
    void aFakeAllocatedHeaderIsCaughtByItsMissingFooterWhenEveryBlockHasOne() {
        use(BoundaryTagAllocator.Policy.SEGREGATED, BoundaryTagAllocator.Footers.ALL);
        long a = raw.malloc(200);
        raw.malloc(64);
        long inside = a + 48;
        heap.putLong(inside - 8, 64 | BoundaryTagAllocator.ALLOCATED);
        heap.putLong(inside - 8 + 56, 0); // the "footer" does not repeat the header
        byte[] before = heap.snapshot();
        assertThrows(InvalidPointerException.class, () -> raw.free(inside));
        assertArrayEquals(before, heap.snapshot());
    }

    /** free(p) refuses p with {@code type} and a message containing {@code says}, and the heap is byte for byte as it was. */
    private void refused(long p, Class<? extends RuntimeException> type, String says) {
        byte[] before = heap.snapshot();
        RuntimeException e = assertThrows(type, () -> raw.free(p));
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertArrayEquals(before, heap.snapshot());
    }

    // The free's screen (the address, then the tag): every refusal at the edge of each of its tests keeps its own
    // exception and message, and the heap.
    @ParameterizedTest
    @CsvSource({"TLSF, FREE_ONLY", "TLSF, ALL", "SEGREGATED, FREE_ONLY", "SEGREGATED, ALL"})
    void everyRefusalAtTheScreensEdgesKeepsItsReasonAndTheHeap(BoundaryTagAllocator.Policy policy,
            BoundaryTagAllocator.Footers footers) {
        use(policy, footers);
        long a = raw.malloc(200);
        long b = raw.malloc(64);
        long brk = heap.brk();
        refused(a + 8, InvalidPointerException.class, "not 16-byte aligned");
        refused(raw.firstBlock - 8, InvalidPointerException.class, "outside the heap");
        refused(brk, InvalidPointerException.class, "outside the heap");
        refused(brk + 16, InvalidPointerException.class, "outside the heap");
        refused(-16, InvalidPointerException.class, "outside the heap");
        long inside = a + 48;
        long[] badHeaders = {
            0x8000_0000_0000_0001L, // size Long.MIN_VALUE, allocated: the differences' sign bits wrap
            0x8000_0000_0000_0011L, // size Long.MIN_VALUE + 16
            0xFFFF_FFFF_FFFF_FFF1L, // size -16
            16 | BoundaryTagAllocator.ALLOCATED, // below the least block
            64 | BoundaryTagAllocator.ALLOCATED | 4, // a reserved bit
            (brk - inside + 16) | BoundaryTagAllocator.ALLOCATED, // past the break
        };
        for (long h : badHeaders) {
            heap.putLong(inside - 8, h);
            refused(inside, InvalidPointerException.class, "is not a valid header");
        }
        // the last payload granule: its header is 24 bytes below the break, so no 32-byte block fits there
        long last = brk - 16;
        heap.putLong(last - 8, 32 | BoundaryTagAllocator.ALLOCATED | BoundaryTagAllocator.PREV_ALLOCATED);
        refused(last, InvalidPointerException.class, "is not a valid header");
        raw.free(b);
        refused(b, DoubleFreeException.class, "double free");
    }

    // A free left neighbour whose footer was overwritten: the free throws before it changes anything (the right
    // neighbour, free too, stays on its list).
    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Footers.class)
    void aFreeLeftNeighboursBrokenFooterIsRefusedBeforeAnythingChanges(BoundaryTagAllocator.Footers footers) {
        use(BoundaryTagAllocator.Policy.TLSF, footers);
        long a = raw.malloc(64);
        long b = raw.malloc(64);
        long c = raw.malloc(64);
        raw.malloc(64);
        raw.free(a);
        raw.free(c);
        heap.putLong(b - 16, 16); // a's footer now says a free block of 16 bytes
        refused(b, HeapCorruptionException.class, "footer before");
    }

    @Test
    void anExhaustedHeapReturnsNullAndChangesNothing() {
        try (Heap small = Heap.reserve(8192)) {
            BoundaryTagAllocator tiny = new BoundaryTagAllocator(small, BoundaryTagAllocator.Policy.TLSF,
                    BoundaryTagAllocator.Footers.FREE_ONLY, "tiny");
            long p = tiny.malloc(4000);
            assertNotEquals(0, p);
            byte[] before = small.snapshot();
            assertEquals(0, tiny.malloc(5000));
            assertEquals(0, tiny.alignedAlloc(4096, 5000));
            assertFalse(tiny.tryExpand(p, 9000));
            assertArrayEquals(before, small.snapshot());
        }
    }
}
