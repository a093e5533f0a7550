package org.jalloc.dense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.MetricSink;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.ReplayResult;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceReplayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What each technique of {@code dense} does, one at a time, under the checker. */
class DenseAllocatorTest {
    private final List<Heap> heaps = new ArrayList<>();

    @AfterEach
    void close() {
        heaps.forEach(Heap::close);
    }

    private CheckedAllocator create(String spec) {
        AllocatorFactory f = AllocatorFactory.of(spec, 4 << 20);
        Heap heap = Heap.reserve(f.heapBytes());
        heaps.add(heap);
        return new CheckedAllocator(f.create(heap));
    }

    private static DenseAllocator raw(CheckedAllocator checked) {
        return (DenseAllocator) checked.delegate();
    }

    private static long used(CheckedAllocator a) {
        return a.heap().brk() - a.heap().start();
    }

    // ------------------------------------------------------------ small pages

    @Test
    void smallRequestsAreHeaderlessOnceTheirClassPassesTheThreshold() {
        CheckedAllocator a = create("dense");
        List<Long> first = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            first.add(a.malloc(16));
        }
        first.forEach(p -> assertEquals(24, a.usableSize(p), "below the threshold a 16-byte request gets a 32-byte tagged block"));
        long p = a.malloc(16);
        assertEquals(16, a.usableSize(p), "the ninth is a 16-byte slot");
        assertNotEquals(0, raw(a).pages.pageOf(p));
        for (long q : first) {
            assertEquals(0, raw(a).pages.pageOf(q), "tagged blocks are no page's");
        }
    }

    @Test
    void thousandsOfSixteenByteObjectsCostUnderAFifthMoreThanTheirBytesWhereHeadersDoubleThem() {
        CheckedAllocator dense = create("dense");
        CheckedAllocator tagged = create("dense:small=0");
        for (int i = 0; i < 4000; i++) {
            dense.malloc(16);
            tagged.malloc(16);
        }
        assertTrue(used(dense) < 64000 * 1.05, "dense: " + used(dense) + " bytes for 64,000 requested");
        assertTrue(used(tagged) >= 128000, "tagged: " + used(tagged) + " bytes (32 per block)");
    }

    @Test
    void pagesEndOnAGranuleAndEveryAddressFindsItsPage() {
        CheckedAllocator a = create("dense:threshold=0");
        List<Long> slots = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            slots.add(a.malloc(1 + i % 128));
        }
        SmallPages pages = raw(a).pages;
        for (long p : slots) {
            long end = pages.pageOf(p);
            assertEquals(0, end % SmallPages.GRANULE, "page end of " + p);
            assertTrue(p >= end - SmallPages.sizeOfInfo(a.heap().getLong(pages.infoAt(end))) && p < end);
            assertThrows(org.jalloc.core.InvalidPointerException.class, () -> raw(a).free(p + 8), "an interior address of a slot");
        }
        long big = a.malloc(5000);
        assertEquals(0, pages.pageOf(big));
    }

    @Test
    void pagesGrowFromSmallToThePageSizeAndEmptyPagesAreFreedAtOnce() {
        CheckedAllocator a = create("dense:threshold=0");
        List<Long> slots = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            slots.add(a.malloc(32));
        }
        SmallPages pages = raw(a).pages;
        assertTrue(pages.pagesCreated >= 5);
        assertTrue(pages.target(SmallPages.classOf(32)) == 4096, "a class with many pages makes 4 KiB pages");
        slots.forEach(a::free);
        assertEquals(pages.pagesCreated, pages.pagesFreed, "every page freed once empty");
        AllocatorStats s = a.stats();
        assertEquals(s.freeBytes(), s.largestFreeBlock(), "and merged into one free block: " + s);
    }

    @Test
    void aSlotGrowsInPlaceUpToItsClassAndMovesBeyond() {
        CheckedAllocator a = create("dense:threshold=0");
        long p = a.malloc(20); // a 32-byte slot
        assertTrue(a.tryExpand(p, 32));
        assertFalse(a.tryExpand(p, 33));
        long q = a.realloc(p, 200); // beyond small: a tagged block (the checker verifies the contents moved)
        assertNotEquals(p, q);
        assertEquals(0, raw(a).pages.pageOf(q));
        a.free(q);
    }

    // ------------------------------------------------------------ best fit with address-ordered ties

    /** Three equal holes of 208 bytes at increasing addresses and a bigger one; returns the hole payloads. */
    private static long[] holes(CheckedAllocator a) {
        long[] x = new long[8];
        for (int i = 0; i < x.length; i++) {
            x[i] = a.malloc(i == 7 ? 400 : 200);
        }
        // three 208-byte holes and a 416-byte one, each between live blocks (the last one before the epilogue)
        a.free(x[1]);
        a.free(x[3]);
        a.free(x[5]);
        a.free(x[7]);
        return new long[] {x[1], x[3], x[5], x[7]};
    }

    @Test
    void bestFitTakesTheSmallestHoleAndOfEqualOnesTheLowest() {
        CheckedAllocator a = create("dense");
        long[] h = holes(a);
        assertEquals(h[0], a.malloc(190), "the lowest of the equal holes");
        assertEquals(h[1], a.malloc(190));
        assertEquals(h[2], a.malloc(150), "smaller requests still take the smallest fitting hole");
        assertEquals(h[3], a.malloc(300));
    }

    @Test
    void highTiesTakeTheHighestOfEqualHoles() {
        CheckedAllocator a = create("dense:ties=high");
        long[] h = holes(a);
        assertEquals(h[2], a.malloc(190));
        assertEquals(h[1], a.malloc(190));
    }

    // ------------------------------------------------------------ coalescing and exact growth

    @Test
    void freedNeighboursMergeAtOnceOrNever() {
        for (String spec : List.of("dense:small=0", "dense:small=0,coalesce=never")) {
            CheckedAllocator a = create(spec);
            long x = a.malloc(200);
            long y = a.malloc(200);
            long z = a.malloc(200);
            a.malloc(200);
            a.free(x);
            a.free(z);
            a.free(y);
            AllocatorStats s = a.stats();
            assertEquals(spec.contains("never") ? 3 : 1, s.freeBlocks(), spec + ": " + s);
        }
    }

    @Test
    void theHeapGrowsByExactlyWhatARequestLacks() {
        CheckedAllocator a = create("dense");
        long start = used(a);
        long p = a.malloc(1000);
        assertEquals(start + 1008, used(a), "one 1,008-byte block (1,000 + 8, rounded to 16)");
        a.malloc(24); // below the threshold: a 32-byte tagged block
        a.free(p);
        long before = used(a);
        a.malloc(3000); // the free 1,008 bytes are not at the end: the heap grows by the whole block
        assertEquals(before + 3008, used(a));
        CheckedAllocator chunks = create("dense:grow=chunk");
        chunks.malloc(1000);
        assertEquals(16 + 4096, used(chunks), "grow=chunk: whole 4 KiB chunks");
    }

    @Test
    void aFreeLastBlockIsExtendedByTheDifferenceOnly() {
        CheckedAllocator a = create("dense:small=0");
        a.malloc(100);
        long p = a.malloc(1000);
        a.free(p); // the last block is free: 1,008 bytes
        long before = used(a);
        a.malloc(1500);
        assertEquals(before + 1520 - 1008, used(a), "a 1,520-byte block (1,500 + 8, rounded to 16) over the free 1,008");
    }

    // ------------------------------------------------------------ realloc in place and the growth reserve

    @Test
    void reallocGrowsIntoAFreeNeighbourAndAtTheBreak() {
        CheckedAllocator a = create("dense:small=0");
        long p = a.malloc(200);
        long q = a.malloc(200);
        a.malloc(200);
        a.free(q);
        assertEquals(p, a.realloc(p, 380), "into the free right neighbour");
        long last = a.malloc(300);
        long before = used(a);
        assertEquals(last, a.realloc(last, 5000), "the last block grows at the break");
        assertEquals(before + (5008 - 320), used(a), "from a 320-byte block (300 + 8, rounded) to a 5,008-byte one");
        assertEquals(1, a.stats().metrics().stream().filter(s -> s.section().equals("dense")).count());
    }

    /** realloc2's shape: one block grows 5 bytes at a time while a 16-byte block is allocated and the last one freed. */
    private static Trace growing() {
        List<Op> ops = new ArrayList<>();
        ops.add(Op.malloc(0, 4092));
        ops.add(Op.malloc(1, 16));
        for (int i = 0; i < 400; i++) {
            ops.add(Op.realloc(0, 4097 + 5L * i));
            ops.add(Op.malloc(2 + i, 16));
            ops.add(Op.free(1 + i));
        }
        return Trace.of("growing.rep", ops);
    }

    @Test
    void theFreeBlockAfterAGrowingBlockIsKeptForItsGrowth() {
        ReplayResult reserve = TraceReplayer.replay(growing(), AllocatorFactory.of("dense", 1 << 20), TraceReplayer.Options.correctnessOnly(true));
        ReplayResult exact = TraceReplayer.replay(growing(), AllocatorFactory.of("dense:realloc=in-place", 1 << 20),
                TraceReplayer.Options.correctnessOnly(true));
        assertTrue(reserve.ok() && exact.ok(), reserve.failure() + exact.failure());
        // The heap holds the growing block (6,092 bytes at the end), one 16-byte block, their tags and the sentinels:
        // nothing is left behind by the growth. (Utilization also charges the side tables outside the heap, 176 bytes
        // on this 6 KiB heap: 0.954.)
        assertTrue(reserve.heapHighWater() - reserve.peakLiveRequested() <= 128,
                "reserve: heap " + reserve.heapHighWater() + " for a peak of " + reserve.peakLiveRequested());
        assertTrue(exact.utilization() < 0.85, "in place without a reserve, the block moves once and leaves its old place: "
                + exact.utilization());
    }

    @Test
    void aReserveBiggerThanTwoGrowthStepsGivesItsHighEndAway() {
        CheckedAllocator a = create("dense:small=0");
        long g = a.malloc(1000);
        long n = a.malloc(2000);
        a.malloc(100);
        a.free(n); // a 2,016-byte free block right after g
        assertEquals(g, a.realloc(g, 1016), "g grows by 16 into it: its steps are 16 bytes, the rest is its reserve");
        long r = a.malloc(500);
        assertTrue(r > g + 1500, "taken from the reserve's high end, not right after g");
        assertEquals(g, a.realloc(g, 1032), "g still grows in place");
    }

    @Test
    void moveNeverGrowsInPlace() {
        CheckedAllocator a = create("dense:small=0,realloc=move");
        long p = a.malloc(300);
        assertFalse(a.tryExpand(p, 600));
        assertTrue(a.tryExpand(p, 100), "shrinking stays in place");
        assertNotEquals(p, a.realloc(p, 600));
    }

    // ------------------------------------------------------------ footers, options, statistics

    @Test
    void footersOnEveryBlockCostEightBytes() {
        CheckedAllocator elided = create("dense:small=0");
        CheckedAllocator all = create("dense:small=0,footers=all");
        assertEquals(40, elided.usableSize(elided.malloc(40)));
        assertEquals(48, all.usableSize(all.malloc(40)), "a 64-byte block (40 + 16, rounded) with 48 usable bytes");
    }

    @Test
    void badOptionsAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create("dense:small=17"));
        assertTrue(e.getMessage().contains("multiple of 16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> create("dense:small=1K"));
        assertTrue(e.getMessage().contains("8 slots"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> create("dense:page=1000"));
        assertTrue(e.getMessage().contains("multiple of 256"), e.getMessage());
        // ranges are declared with the options, so the spec is refused before the constructor runs
        e = assertThrows(IllegalArgumentException.class, () -> create("dense:small=2K"));
        assertTrue(e.getMessage().contains("must be at most 1024"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> create("dense:page=128"));
        assertTrue(e.getMessage().contains("must be at least 256"), e.getMessage());
    }

    @Test
    void statisticsNameEveryOptionAndTheClasses() {
        CheckedAllocator a = create("dense");
        for (int i = 0; i < 100; i++) {
            a.malloc(40);
        }
        DenseMetric m = a.stats().metric(DenseMetric.class).orElseThrow();
        Set<String> names = new HashSet<>();
        m.describe(new MetricSink() {
            @Override
            public void value(String name, long value) {
                names.add(name);
            }

            @Override
            public void value(String name, double value) {
                names.add(name);
            }

            @Override
            public void value(String name, String value) {
                names.add(name);
            }

            @Override
            public void value(String name, boolean value) {
                names.add(name);
            }

            @Override
            public void longs(String name, List<Long> values) {
                names.add(name);
            }

            @Override
            public void doubles(String name, List<Double> values) {
                names.add(name);
            }

            @Override
            public void group(String name, Consumer<MetricSink> values) {
                names.add(name);
            }
        });
        for (String key : List.of("small", "page", "threshold", "footers", "ties", "coalesce", "realloc", "grow", "pagesCreated",
                "freeBlocksInTree", "reservesCarved", "classes")) {
            assertTrue(names.contains(key), key);
        }
        DenseMetric.SmallPagesMetric small = m.smallPages();
        assertNotNull(small);
        DenseMetric.ClassRow row = small.classes().stream().filter(c -> c.slotSize() == 48).findFirst().orElseThrow();
        assertEquals(92L, row.live(), "the first 8 of 100 are tagged blocks");
        assertTrue(m.table().contains("48 B"));
    }
}
