package org.jalloc.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link HeapChecker} on its own (no checked mode): the toy allocator's metadata or walker is broken in one
 * way, and the test asserts the exact violations, each with its ID, address, message, expected and actual value.
 * Covers HEAP-1 (gaps, overlaps, sizes out of range, a walk that stops early), HEAP-2 (misaligned and overflowing
 * payloads, the minimum size), HEAP-3 (lost, duplicated and foreign entries in address-ordered and LIFO free lists,
 * wild links), HEAP-4, HEAP-5 and HEAP-6 against a shadow and {@code usableSize}, HEAP-8 (walkers and own checks
 * that throw), the allocator's own IDs, and the cap of {@link HeapChecker#MAX_VIOLATIONS} violations per check.
 */
class HeapCheckerWalkTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final ToyAllocator toy = new ToyAllocator(heap);
    private final HeapChecker checker = new HeapChecker();
    // Three 64-byte blocks from the heap start: a at 0x1000, b at 0x1040, c at 0x1080; the break at 0x10c0.
    private final long a = toy.malloc(40);
    private final long b = toy.malloc(40);
    private final long c = toy.malloc(40);

    @AfterEach
    void close() {
        heap.close();
    }

    /** The test's own hex format, so that a broken {@link HeapMap#hex} cannot make both sides agree. */
    static String hex(long address) {
        return String.format("0x%08x", address);
    }

    private static long block(long payload) {
        return payload - ToyAllocator.HEADER;
    }

    private static Violation v(String id, long address, String message, String expected, String actual) {
        return new Violation(id, address, message, expected, actual);
    }

    @Test
    void theLayoutTheseTestsAssume() {
        assertEquals(heap.start() + 16, a);
        assertEquals(a + 64, b);
        assertEquals(b + 64, c);
        assertEquals(block(c) + 64, heap.brk());
        assertEquals(List.of(), checker.check(toy));
        assertEquals(3, checker.extentCount());
        for (int i = 0; i < 3; i++) {
            assertEquals(ExtentKind.ALLOCATED, checker.kind(i));
            assertEquals(heap.start() + 64L * i, checker.start(i));
            assertEquals(64, checker.size(i));
            assertEquals(heap.start() + 64L * i + 16, checker.payload(i));
            assertEquals(48, checker.usable(i));
        }
        assertEquals(3, checker.extentsVisited());
        checker.check(toy);
        assertEquals(6, checker.extentsVisited(), "visits add up over checks");
    }

    @Test
    void indexOfFindsTheExtentContainingAnAddress() {
        checker.check(toy);
        assertEquals(0, checker.indexOf(block(a)));
        assertEquals(0, checker.indexOf(block(a) + 8));
        assertEquals(0, checker.indexOf(block(b) - 1));
        assertEquals(1, checker.indexOf(block(b)));
        assertEquals(2, checker.indexOf(block(c)));
        assertEquals(2, checker.indexOf(heap.brk() - 1));
        assertEquals(-1, checker.indexOf(heap.brk()), "the break is past the last extent");
        assertEquals(-1, checker.indexOf(block(a) - 1), "before the first extent");
    }

    // ---------------------------------------------------------------- HEAP-1

    @Test
    void heap1AWalkerThatSkipsABlockLeavesAGap() {
        toy.walkSkips = block(a);
        assertEquals(List.of(v(Invariants.HEAP_1, block(b), "gap before extent", "extent at " + hex(block(a)), "extent at " + hex(block(b)))),
                checker.check(toy));
        assertEquals(0, checker.extentCount(), "the walk stops at the first misplaced extent");
    }

    @Test
    void heap1AWalkerThatStepsBackOverlapsItsPredecessor() {
        toy.walkRepeats = block(a);
        assertEquals(List.of(v(Invariants.HEAP_1, block(a), "extent overlaps its predecessor", "extent at " + hex(block(b)),
                "extent at " + hex(block(a)))), checker.check(toy));
        assertEquals(1, checker.extentCount());
    }

    @Test
    void heap1ASizeRunningPastTheBreakIsOutOfRange() {
        heap.putLong(block(c), 64 + 16);
        assertEquals(List.of(v(Invariants.HEAP_1, block(c), "extent size out of range", "0 < size <= 64", "80")), checker.check(toy));
        assertEquals(2, checker.extentCount());
    }

    @Test
    void heap1ANegativeSizeIsOutOfRange() {
        heap.putLong(block(b), -64);
        assertEquals(List.of(v(Invariants.HEAP_1, block(b), "extent size out of range", "0 < size <= 128", "-64")), checker.check(toy));
    }

    @Test
    void heap1AWalkThatStopsQuietlyEndsBeforeTheBreak() {
        toy.walkStopsAt = block(c);
        assertEquals(List.of(v(Invariants.HEAP_1, block(c), "the walk ended before the break", "last extent ends at " + hex(heap.brk()),
                "ends at " + hex(block(c)))), checker.check(toy));
    }

    @Test
    void heap1LiveBlocksFromWhereTheWalkBrokeAreNotAlsoReportedMissing() {
        heap.putLong(block(a), 64 + 16); // a runs 16 bytes into b: the walk reads b's first payload word (0) as a size
        assertEquals(List.of(v(Invariants.HEAP_1, b, "extent size out of range", "0 < size <= 112", "0")),
                checker.check(toy, shadowOf(a, b, c), null), "b (at the break) and c (past it) are not reported as HEAP-5");
    }

    @Test
    void walksWithMoreExtentsThanTheInitialTablesAreComplete() {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            blocks.add(toy.malloc(16));
        }
        for (int i = 1; i < 600; i += 2) {
            toy.free(blocks.get(i));
        }
        assertEquals(List.of(), checker.check(toy));
        assertEquals(603, checker.extentCount());
        assertEquals(block(blocks.get(599)), checker.start(602));
        assertEquals(ExtentKind.FREE, checker.kind(602));
        assertEquals(ExtentKind.ALLOCATED, checker.kind(601));
        assertEquals(602, checker.indexOf(block(blocks.get(599)) + 31));
    }

    // ---------------------------------------------------------------- HEAP-2

    @Test
    void heap2AMisalignedTinyLiveBlockIsReportedTwice() {
        heap.putLong(block(a), 40);
        toy.header(block(a) + 40, 24, true); // an allocated block from a + 40 to b: payload misaligned, 8 usable bytes
        long fake = block(a) + 40;
        assertEquals(List.of(
                v(Invariants.HEAP_2, fake, "payload misaligned", "multiple of 16", hex(fake + 16)),
                v(Invariants.HEAP_2, fake, "live block smaller than the minimum", ">= 16 usable bytes", "8")), checker.check(toy));
    }

    @Test
    void heap2AFreeBlockMayBeSmallerThanTheLiveMinimum() {
        heap.putLong(block(a), 48);
        toy.header(block(a) + 48, 16, false); // a free block of 16 bytes: a header and no usable byte
        toy.freeBlocks.put(block(a) + 48, 16L);
        assertEquals(List.of(), checker.check(toy));
        assertEquals(0, checker.usable(1));
    }

    @Test
    void heap2APayloadAtTheBlockStartFits() {
        toy.walkPayloadShift = -ToyAllocator.HEADER; // a header-less layout: payload = block start, usable = size
        assertEquals(List.of(), checker.check(toy));
        assertEquals(block(a), checker.payload(0));
        assertEquals(64, checker.usable(0));
    }

    @Test
    void heap2APayloadBeforeItsBlockDoesNotFit() {
        toy.walkPayloadShift = -32;
        List<Violation> found = checker.check(toy);
        assertEquals(3, found.size(), found::toString);
        assertEquals(v(Invariants.HEAP_2, block(a), "payload does not fit its block",
                "[" + hex(block(a) - 16) + ", +80) inside [" + hex(block(a)) + ", +64)", "outside"), found.get(0));
    }

    @Test
    void heap2AUsableSizeRunningPastItsBlockDoesNotFit() {
        toy.walkUsableLie = 1;
        List<Violation> found = checker.check(toy);
        assertEquals(3, found.size(), found::toString);
        assertEquals(v(Invariants.HEAP_2, block(b), "payload does not fit its block",
                "[" + hex(b) + ", +49) inside [" + hex(block(b)) + ", +64)", "outside"), found.get(1));
    }

    @Test
    void heap2ANegativeUsableSizeDoesNotFit() {
        toy.walkUsableLie = -49;
        List<Violation> found = checker.check(toy);
        // each block: usable -1 does not fit, and as a live block it is below the minimum
        assertEquals(6, found.size(), found::toString);
        assertEquals(v(Invariants.HEAP_2, block(a), "payload does not fit its block",
                "[" + hex(a) + ", +-1) inside [" + hex(block(a)) + ", +64)", "outside"), found.get(0));
        assertEquals(v(Invariants.HEAP_2, block(a), "live block smaller than the minimum", ">= 16 usable bytes", "-1"), found.get(1));
    }

    // ---------------------------------------------------------------- HEAP-3

    /** 140 more blocks, every other one freed (none adjacent): 70 free blocks; returns them in the order freed. */
    private List<Long> seventyFreeBlocks(boolean lifo) {
        toy.lifoFreeList = lifo;
        List<Long> payloads = new ArrayList<>();
        for (int i = 0; i < 140; i++) {
            payloads.add(toy.malloc(40));
        }
        List<Long> freed = new ArrayList<>();
        for (int i = 1; i < 140; i += 2) {
            freed.add(payloads.get(i));
        }
        // A scrambled order (stride 29 over 70 entries), so a LIFO list jumps around the heap.
        List<Long> order = new ArrayList<>();
        for (int k = 0; k < freed.size(); k++) {
            order.add(freed.get((k * 29) % freed.size()));
        }
        order.forEach(toy::free);
        return order;
    }

    @Test
    void heap3ALifoFreeListOfManyBlocksIsWellFormed() {
        seventyFreeBlocks(true);
        assertEquals(List.of(), checker.check(toy));
        assertEquals(List.of(), checker.check(toy), "the lookup table is rebuilt for every check");
    }

    @Test
    void heap3AnAddressOrderedFreeListOfManyBlocksIsWellFormed() {
        seventyFreeBlocks(false);
        assertEquals(List.of(), checker.check(toy));
    }

    @Test
    void heap3ALifoListLookupStartingAtTheLowestFreeBlockIsWellFormed() {
        // Free blocks p1 < p3 < p5, freed in the order p3, p1, p5: the LIFO walk yields p5 (found in the table),
        // p1 (found in the table, the first free block), then p3 (the sequential guess after p1).
        toy.lifoFreeList = true;
        long[] p = new long[7];
        for (int i = 0; i < 7; i++) {
            p[i] = toy.malloc(40);
        }
        toy.free(p[3]);
        toy.free(p[1]);
        toy.free(p[5]);
        assertEquals(List.of(), checker.check(toy));
    }

    @Test
    void heap3ADuplicateInALifoListIsReportedOnce() {
        List<Long> order = seventyFreeBlocks(true);
        long dup = block(order.get(17));
        toy.extraEntries.put(dup, 64L);
        assertEquals(List.of(v(Invariants.HEAP_3, dup, "free block is in the free structures twice (list 1)", "exactly once", "twice or more")),
                checker.check(toy));
    }

    @Test
    void heap3AForeignEntryInALifoListIsReported() {
        seventyFreeBlocks(true);
        toy.extraEntries.put(block(a), 64L);
        assertEquals(List.of(v(Invariants.HEAP_3, block(a), "list 1 names a block that is not free", "a FREE block", "ALLOCATED block")),
                checker.check(toy));
    }

    @Test
    void heap3EntriesOnAnAllocatedBlockAndInsideAnExtentAreNamedExactly() {
        toy.extraEntries.put(block(b), 64L);
        assertEquals(List.of(v(Invariants.HEAP_3, block(b), "list 1 names a block that is not free", "a FREE block", "ALLOCATED block")),
                checker.check(toy));
        toy.extraEntries.clear();
        toy.extraEntries.put(block(b) + 16, 48L);
        assertEquals(List.of(v(Invariants.HEAP_3, block(b) + 16, "list 1 names a block that is not free", "a FREE block",
                "inside the ALLOCATED extent at " + hex(block(b)))), checker.check(toy));
    }

    @Test
    void heap3AnEntryNamingTheFirstExtentDoesNotStopTheFreeWalk() {
        toy.free(b);
        toy.freeBlocks.put(block(a), 64L); // list 0 names a (allocated, the first extent), then the free b
        assertEquals(List.of(v(Invariants.HEAP_3, block(a), "list 0 names a block that is not free", "a FREE block", "ALLOCATED block")),
                checker.check(toy));
    }

    @Test
    void heap3ADuplicateAfterExactlyAsManyEntriesAsTheTablesHoldIsReported() {
        long[] p = new long[128];
        for (int i = 0; i < 128; i++) {
            p[i] = toy.malloc(40);
        }
        for (int i = 1; i < 128; i += 2) {
            toy.free(p[i]); // 64 free blocks: exactly the initial capacity of the checker's free-block index
        }
        toy.extraEntries.put(block(p[127]), 64L);
        assertEquals(List.of(v(Invariants.HEAP_3, block(p[127]), "free block is in the free structures twice (list 1)", "exactly once",
                "twice or more")), checker.check(toy));
    }

    @Test
    void heap3AWildLinkStopsTheFreeWalk() {
        toy.free(b);
        toy.extraEntries.put(-64L, 64L); // walked first: a link below the heap
        toy.extraEntries.put(block(a), 64L); // not examined: the walk stopped at the wild link
        assertEquals(List.of(v(Invariants.HEAP_3, -64, "list 1 names a block that is not free", "a FREE block", "outside the walked heap")),
                checker.check(toy));
    }

    @Test
    void heap3ACycleIsCutAfterOneEntryMoreThanThereAreFreeBlocks() {
        toy.free(b);
        toy.freeListCycles = true;
        assertEquals(List.of(
                v(Invariants.HEAP_3, block(b), "free block is in the free structures twice (list 0)", "exactly once", "twice or more"),
                v(Invariants.HEAP_3, block(b), "free structures hold more entries than there are free blocks (cycle?)",
                        "<= 1 entries", "more, stopped at list 0")), checker.check(toy));
    }

    @Test
    void heap3AWrongSizeIsReportedWithBothSizes() {
        toy.free(b);
        toy.freeBlocks.put(block(b), 4096L);
        assertEquals(List.of(v(Invariants.HEAP_3, block(b), "list 0 records a wrong size", "64", "4096")), checker.check(toy));
    }

    @Test
    void violationsPastTheCapAreCountedNotKept() {
        seventyFreeBlocks(false);
        toy.freeBlocks.clear();
        List<Violation> found = checker.check(toy);
        assertEquals(HeapChecker.MAX_VIOLATIONS, found.size());
        assertEquals(70 - HeapChecker.MAX_VIOLATIONS, checker.suppressedViolations());
        assertTrue(found.stream().allMatch(x -> x.invariantId().equals(Invariants.HEAP_3) && x.message().contains("lost")), found::toString);
        assertEquals(block(c) + 64 + 64, found.get(0).address(), "the first lost block is the second of the 140");
    }

    @Test
    void aRepairedHeapChecksCleanAgain() {
        toy.free(b);
        toy.freeBlocks.clear();
        assertEquals(1, checker.check(toy).size());
        toy.freeBlocks.put(block(b), 64L);
        assertEquals(List.of(), checker.check(toy));
        assertEquals(0, checker.suppressedViolations());
    }

    // ---------------------------------------------------------------- HEAP-4

    @Test
    void heap4NamesTheLeftNeighbour() {
        toy.mergeOnFree = false;
        toy.free(a);
        toy.free(b);
        assertEquals(List.of(v(Invariants.HEAP_4, block(b), "two adjacent free blocks (immediate coalescing promised)",
                "left neighbour allocated or metadata", "free block at " + hex(block(a)))), checker.check(toy));
    }

    @Test
    void heap4IsNotCheckedWhereCoalescingIsDeferred() {
        toy.mergeOnFree = false;
        toy.promisesCoalescing = false;
        toy.free(a);
        toy.free(b);
        assertEquals(List.of(), checker.check(toy));
    }

    @Test
    void heap4LooksOnlyAtTheExtentsOfTheCurrentWalk() {
        // A reused checker: the first walk has three extents [A, A, F], the second two [A, F]. The third slot of
        // the tables still holds the old FREE extent, which must not count as a neighbour of the new last one.
        toy.free(c);
        assertEquals(List.of(), checker.check(toy));
        toy.free(b);
        assertEquals(List.of(), checker.check(toy));
        assertEquals(2, checker.extentCount());
    }

    // ---------------------------------------------------------------- HEAP-5, HEAP-6 against a shadow

    private LiveBlocks shadowOf(long... payloads) {
        LiveBlocks live = new LiveBlocks();
        long tag = 0;
        for (long p : payloads) {
            live.put(p, 40, ++tag);
        }
        return live;
    }

    @Test
    void heap5AndHeap6AgreeWithAShadowAndUsableSize() {
        assertEquals(List.of(), checker.check(toy, shadowOf(a, b, c), toy::usableSize));
    }

    @Test
    void heap5ABlockOfZeroRequestedBytesIsLive() {
        LiveBlocks live = shadowOf(a, b);
        live.put(c, 0, 9);
        assertEquals(List.of(), checker.check(toy, live, null));
    }

    @Test
    void heap5NamesWhatTheWalkFoundInsteadOfAMissingBlock() {
        toy.free(b);
        heap.putLong(block(a), 128); // a swallows the free block b
        toy.freeBlocks.clear();
        LiveBlocks live = shadowOf(a, b, c);
        live.put(heap.brk() + 4096, 0, 7);
        assertEquals(List.of(
                v(Invariants.HEAP_5, b, "live block missing from the walk", "an ALLOCATED block with this payload",
                        "inside the ALLOCATED extent at " + hex(block(a))),
                v(Invariants.HEAP_5, heap.brk() + 4096, "live block missing from the walk", "an ALLOCATED block with this payload", "not in the walk")),
                checker.check(toy, live, null));
    }

    @Test
    void heap5ALiveBlockThatTheWalkCallsFreeIsMissing() {
        toy.header(block(b), 64, false);
        toy.freeBlocks.put(block(b), 64L);
        assertEquals(List.of(v(Invariants.HEAP_5, b, "live block missing from the walk", "an ALLOCATED block with this payload", "FREE block")),
                checker.check(toy, shadowOf(a, b, c), null));
    }

    @Test
    void heap5AnAllocatedBlockNoLiveAllocationOwnsIsAPhantom() {
        assertEquals(List.of(v(Invariants.HEAP_5, b, "ALLOCATED block that no live allocation owns (leaked or phantom)", "free, or a live block",
                "allocated, 64 bytes")), checker.check(toy, shadowOf(a, c), null));
    }

    @Test
    void heap6ABlockSmallerThanRequested() {
        LiveBlocks live = shadowOf(a, c);
        live.put(b, 49, 3);
        assertEquals(List.of(v(Invariants.HEAP_6, b, "live block smaller than requested", ">= 49", "48")), checker.check(toy, live, null));
        live.put(b, 48, 3);
        assertEquals(List.of(), checker.check(toy, live, null), "exactly the usable size is enough");
    }

    @Test
    void heap6UsableSizeIsCrossCheckedWhenGiven() {
        toy.usableSizeLie = 16;
        assertEquals(List.of(v(Invariants.HEAP_6, a, "usableSize disagrees with the block walk", "48", "64"),
                v(Invariants.HEAP_6, b, "usableSize disagrees with the block walk", "48", "64"),
                v(Invariants.HEAP_6, c, "usableSize disagrees with the block walk", "48", "64")),
                checker.check(toy, shadowOf(a, b, c), toy::usableSize));
        assertEquals(List.of(), checker.check(toy, shadowOf(a, b, c), null));
    }

    // ---------------------------------------------------------------- HEAP-8 and the allocator's own checks

    @Test
    void heap8AFreeStructureWalkThatThrows() {
        toy.freeWalkThrows = true;
        assertEquals(List.of(v(Invariants.HEAP_8, 0, "the free-structure walk failed: java.lang.IndexOutOfBoundsException: toy free list has a wild link",
                "a complete walk", "IndexOutOfBoundsException")), checker.check(toy));
    }

    @Test
    void heap8AnExtentWalkThatThrowsMidway() {
        toy.walkThrowsAt = block(c);
        assertEquals(List.of(v(Invariants.HEAP_8, block(c), "the extent walk failed: java.lang.IndexOutOfBoundsException: toy walker broke at " + block(c),
                "a complete walk", "IndexOutOfBoundsException")), checker.check(toy));
        assertEquals(2, checker.extentCount());
    }

    @Test
    void heap8AnOwnCheckThatThrows() {
        toy.ownCheckThrows = true;
        assertEquals(List.of(v(Invariants.HEAP_8, 0, "the allocator's own checks failed: java.lang.IllegalStateException: toy check broke",
                "checks complete", "IllegalStateException")), checker.check(toy));
    }

    @Test
    void theAllocatorsOwnViolationsAreReported() {
        toy.ownCheckFails = true;
        assertEquals(List.of(v(ToyAllocator.OWN_ID, heap.start(), "the toy's own check failed", "what the toy promises", "something else")),
                checker.check(toy));
    }
}
