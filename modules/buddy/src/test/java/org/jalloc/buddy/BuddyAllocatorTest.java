package org.jalloc.buddy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorFactory;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.Allocators;
import org.jalloc.core.StatsSection;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.memory.Libc;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code malloc} on the buddy system: power-of-two blocks with no header (usableSize is the whole block), internal
 * fragmentation counted, alignment served by splitting, in-place growth into free buddies and at the top of the heap,
 * the statistics sections and the provider's options. Runs checked where it allocates (HEAP-1..8, BUDDY-1..5).
 */
class BuddyAllocatorTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final BuddyAllocator buddy = new BuddyAllocator(heap, 16, 24, "buddy");
    private final CheckedAllocator checked = new CheckedAllocator(buddy);

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void usableSizeIsTheWholePowerOfTwoBlockAlignedToItsSize() {
        long[][] cases = {{0, 16}, {1, 16}, {16, 16}, {17, 32}, {100, 128}, {4096, 4096}, {4097, 8192}};
        for (long[] c : cases) {
            long p = checked.malloc(c[0]);
            assertEquals(c[1], checked.usableSize(p), "malloc(" + c[0] + ")");
            assertEquals(0, p % c[1], "a block is aligned to its own size");
        }
    }

    @Test
    void internalFragmentationCountsRequestedAgainstGranted() {
        assertEquals(0.0, buddy.internalFragmentation());
        long p = checked.malloc(17); // 32
        checked.malloc(100); // 128
        assertEquals(117, buddy.requestedBytes());
        assertEquals(160, buddy.grantedBytes());
        assertTrue(checked.tryExpand(p, 60)); // in place into its free buddy, 60 -> 64: counted as an allocation of 60
        checked.calloc(3, 10); // 30 -> 32
        assertEquals(117 + 60 + 30, buddy.requestedBytes());
        assertEquals(160 + 64 + 32, buddy.grantedBytes());
        assertEquals(1 - 207.0 / 256, buddy.internalFragmentation(), 1e-12);
    }

    @Test
    void alignedAllocSplitsDownSoAlignmentCostsNoGrantedBytes() {
        checked.malloc(16);
        long p = checked.alignedAlloc(4096, 16);
        assertEquals(0, p % 4096);
        assertEquals(16, checked.usableSize(p), "the 4 KiB-aligned block was split down to 16 bytes");
        assertEquals(32, buddy.grantedBytes());
        long q = checked.alignedAlloc(64, 1000);
        assertEquals(1024, checked.usableSize(q), "alignment below the block size changes nothing");
    }

    @Test
    void tryExpandAtTheTopOfTheHeapMovesTheBreak() {
        long p = checked.malloc(16);
        assertEquals(heap.start(), p);
        assertEquals(heap.start() + 16, heap.brk());
        assertTrue(checked.tryExpand(p, 4000), "p is at a multiple of 4096 and everything after it is beyond the break");
        assertEquals(4096, checked.usableSize(p));
        assertEquals(heap.start() + 4096, heap.brk());
        assertEquals(1, buddy.pages().inPlaceGrowths());
    }

    @Test
    void tryExpandGrowsIntoFreeUpperBuddiesOnly() {
        long p = checked.malloc(64);
        long q = checked.malloc(64);
        long r = checked.malloc(128);
        assertEquals(p + 64, q);
        assertFalse(checked.tryExpand(p, 128), "the upper buddy q is live");
        assertFalse(checked.tryExpand(q, 128), "q is an upper half: growing in place would need the block below it");
        checked.free(q);
        assertTrue(checked.tryExpand(p, 128));
        assertFalse(checked.tryExpand(p, 256), "r is live");
        checked.free(r);
        assertTrue(checked.tryExpand(p, 200));
        assertEquals(256, checked.usableSize(p));
    }

    @Test
    void reallocShrinksInPlaceAndFreesTheUpperHalves() {
        long p = checked.malloc(1024);
        assertEquals(p, checked.realloc(p, 100));
        assertEquals(128, checked.usableSize(p));
        assertEquals(1, buddy.pages().freeBlocks(3));
        assertEquals(1, buddy.pages().freeBlocks(4));
        assertEquals(1, buddy.pages().freeBlocks(5));
    }

    @Test
    void statsCarryTheBuddySectionAndBuddyinfo() {
        long p = checked.malloc(17);
        checked.malloc(300);
        checked.free(p);
        AllocatorStats s = buddy.stats();
        List<StatsSection> sections = s.sections();
        assertEquals(List.of("buddy", "buddyinfo"), sections.stream().map(StatsSection::name).toList());
        assertEquals(buddy.buddyinfo(), sections.get(1).table());
        assertTrue(sections.get(1).table().startsWith("Node 0, zone   Normal "), sections.get(1).table());
        assertEquals(1, buddy.pages().freeBlocks(5), "p merged with the gap below the 512-byte block into 512 bytes");
        Map<String, Object> v = sections.get(0).values();
        assertEquals(24, v.get("maxOrder"));
        assertEquals(25, ((List<?>) v.get("freeBlocks")).size());
        assertEquals(buddy.internalFragmentation(), v.get("internalFragmentation"));
        assertTrue(sections.get(0).table().contains("unusable"), sections.get(0).table());
        assertEquals(s.heapBytes(), s.liveGrantedBytes() + s.freeBytes(), "no header, no padding: blocks tile the heap");
        assertEquals(buddy.pages().externalMetadataBytes(), s.externalMetadataBytes());
    }

    @Test
    void theProviderReadsTheOptions() {
        try (Allocator a = AllocatorFactory.of("buddy:min-block=4096,max-order=10", 1 << 20).create(Heap.reserve(1 << 20))) {
            BuddyAllocator b = assertInstanceOf(BuddyAllocator.class, a);
            assertEquals(4096, b.pages().pageSize());
            assertEquals(10, b.pages().maxOrder());
            assertEquals("buddy:min-block=4096,max-order=10", a.name());
            assertEquals(4096, a.usableSize(a.malloc(1)));
        }
        try (Allocator a = AllocatorFactory.of("buddy", 1 << 20).create(Heap.reserve(1 << 20))) {
            BuddyAllocator b = assertInstanceOf(BuddyAllocator.class, a);
            assertEquals(16, b.pages().pageSize());
            assertEquals(24, b.pages().maxOrder());
        }
        // refused by the option ranges when the spec is resolved, or (combinations) by the constructor
        for (String bad : new String[] {"buddy:min-block=24", "buddy:min-block=8", "buddy:max-order=99", "buddy:min-block=4096,max-order=51"}) {
            try (Heap h = Heap.reserve(1 << 20)) {
                assertThrows(IllegalArgumentException.class, () -> AllocatorFactory.of(bad, 1 << 20).create(h), bad);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> AllocatorFactory.of("buddy:order=3", 1 << 20));
    }

    @Test
    void requestsAboveTheTopBlockReturnNull() {
        try (Allocator small = AllocatorFactory.of("buddy:max-order=8", 1 << 20).create(Heap.reserve(1 << 20))) {
            assertNotEquals(0, small.malloc(4096));
            assertEquals(0, small.malloc(4097), "the top block is 16 << 8 = 4096 bytes");
            assertEquals(0, small.alignedAlloc(8192, 16), "no block is 8192-aligned by construction");
        }
    }

    @Test
    void checkedFuzzingWithSmallTopBlocksAndManyZones() {
        FuzzReport report = new FuzzEngine(AllocatorFactory.of("buddy:max-order=8", 1 << 20)).opsPerSequence(200).run(0xB0D, 200L * 200, null);
        assertTrue(report.failures().isEmpty(), () -> report.failures().get(0).toString());
    }

    @Test
    void pageSizedBlocksWorkOnHeapsOfFourGiBAndMoreWhereverTheKernelMapsThem() {
        Assumptions.assumeTrue(Libc.available(), Libc.unavailableReason());
        // The largest zone of a heap of 2^k bytes (plus the guard page) is 2^(k-1): 2 GiB and 8 GiB here, and the
        // base must be aligned that far. Three heaps alive at
        // once, so a run cannot pass by the luck of one placement (today's main: "blocks of up to 2147483648 bytes
        // would not be aligned on real addresses", depending on where the kernel maps the heap).
        for (String spec : new String[] {"buddy:min-block=4096", "buddy:min-block=4096,max-order=20"}) {
            for (long size : new long[] {4L << 30, 16L << 30}) {
                List<Allocator> open = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) {
                        open.add(Allocators.create(spec, size));
                    }
                    for (Allocator a : open) {
                        long top = Math.min(size / 2, 4096L << (spec.endsWith("20") ? 20 : 24));
                        long p = a.malloc(top);
                        assertNotEquals(0, p, spec + " on " + size + ": a top-sized block");
                        assertEquals(0, (a.heap().memory().address() + p) % top, "aligned to its size on the real address");
                        long q = a.alignedAlloc(1L << 30, 4096);
                        assertNotEquals(0, q);
                        assertEquals(0, (a.heap().memory().address() + q) % (1L << 30));
                    }
                } finally {
                    open.forEach(Allocator::close);
                }
            }
        }
    }
}
