package org.jalloc.check;

import static org.jalloc.check.HeapCheckerWalkTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.InvalidAlignmentException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.OutOfOrderFreeException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Checked mode ({@link CheckedAllocator}) operation by operation, over the toy allocator: what each operation checks
 * and when (HEAP-1..8 after every operation, payloads of the touched blocks and their neighbours, every payload every
 * 64 operations), the API contract (API-1..5) with exact violations, misuse screened before the allocator sees it,
 * the shadow model across realloc, tryExpand, hand-off and adoption, and the failure report (operation, text, map).
 */
class CheckedAllocatorTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final ToyAllocator toy = new ToyAllocator(heap);
    private final Misbehaving broken = new Misbehaving(toy);
    private final CheckedAllocator checked = new CheckedAllocator(broken);
    // Three 64-byte blocks from the heap start (ops #1-#3): a at 0x1010, b at 0x1050, c at 0x1090.
    private final long a = checked.malloc(40);
    private final long b = checked.malloc(40);
    private final long c = checked.malloc(40);

    @AfterEach
    void close() {
        heap.close();
    }

    /** The toy, with switches for the ways an allocator breaks the API contract. */
    static final class Misbehaving extends ForwardingAllocator {
        boolean rejectEverything;
        /** Refuse every call as a region allocator refuses one out of its discipline. */
        boolean outOfOrder;
        long dirtyCallocAt = -1;
        boolean misalignMalloc;
        long mallocReturns;
        long reallocReturns;
        boolean reallocZeroKeepsBlock;
        long reallocFlips = -1;
        boolean freeOfNullClearsTheFirstHeader;

        Misbehaving(Allocator toy) {
            super(toy);
        }

        private void maybeReject() {
            if (rejectEverything) {
                throw new InvalidSizeException("rejected");
            }
            if (outOfOrder) {
                throw new OutOfOrderFreeException("out of order", 0);
            }
        }

        @Override
        public long malloc(long size) {
            maybeReject();
            if (mallocReturns != 0) {
                return mallocReturns;
            }
            return delegate.malloc(size) + (misalignMalloc ? 8 : 0);
        }

        @Override
        public long calloc(long count, long size) {
            maybeReject();
            long p = delegate.calloc(count, size);
            if (dirtyCallocAt >= 0) {
                heap().putByte(p + dirtyCallocAt, (byte) 1);
                dirtyCallocAt = -1;
            }
            return p;
        }

        @Override
        public long alignedAlloc(long alignment, long size) {
            maybeReject();
            return delegate.alignedAlloc(alignment, size);
        }

        @Override
        public long realloc(long address, long size) {
            maybeReject();
            if (reallocReturns != 0) {
                return reallocReturns;
            }
            if (size == 0 && reallocZeroKeepsBlock) {
                return address;
            }
            long p = delegate.realloc(address, size);
            if (reallocFlips >= 0) {
                heap().putByte(p + reallocFlips, (byte) ~heap().getByte(p + reallocFlips));
            }
            return p;
        }

        @Override
        public boolean tryExpand(long address, long size) {
            maybeReject();
            return delegate.tryExpand(address, size);
        }

        @Override
        public void free(long address) {
            maybeReject();
            if (address == 0 && freeOfNullClearsTheFirstHeader) {
                heap().putLong(heap().start() + 8, 0);
                return;
            }
            delegate.free(address);
        }
    }

    private static long block(long payload) {
        return payload - ToyAllocator.HEADER;
    }

    private static String hexByte(int value) {
        return String.format("0x%02x", value);
    }

    private void flip(long address) {
        heap.putByte(address, (byte) ~heap.getByte(address));
    }

    private static HeapCheckException fails(Runnable op) {
        return assertThrows(HeapCheckException.class, op::run);
    }

    private static HeapCheckException failsWith(List<String> ids, Runnable op) {
        HeapCheckException e = fails(op);
        assertEquals(ids, e.invariantIds(), e::getMessage);
        return e;
    }

    private static Violation v(String id, long address, String message, String expected, String actual) {
        return new Violation(id, address, message, expected, actual);
    }

    // ---------------------------------------------------------------- the report

    @Test
    void everyOperationIsNamedWithItsArgumentsInTheReport() {
        assertEquals(3, checked.operations());
        toy.ownCheckFails = true; // every operation now fails with the toy's own ID
        List<String> texts = new ArrayList<>();
        List<Long> numbers = new ArrayList<>();
        List<Runnable> ops = List.of(
                () -> checked.malloc(10),
                () -> checked.calloc(4, 8),
                () -> checked.alignedAlloc(64, 100),
                () -> checked.realloc(0, 24),
                () -> checked.realloc(a, 24),
                () -> checked.tryExpand(b, 8),
                () -> checked.free(c),
                () -> checked.free(0),
                checked::verifyAll);
        for (Runnable op : ops) {
            HeapCheckException e = failsWith(List.of(ToyAllocator.OWN_ID), op);
            texts.add(e.operationText());
            numbers.add(e.operation());
            assertTrue(e.getMessage().startsWith("toy: 1 invariant violation after op #" + e.operation() + " " + e.operationText() + "\n  "),
                    e.getMessage());
            assertFalse(e.getMessage().contains(" more"), e.getMessage());
        }
        assertEquals(List.of("malloc(10)", "calloc(4, 8)", "alignedAlloc(64, 100)", "realloc(0, 24)", "realloc(" + a + ", 24)",
                "tryExpand(" + b + ", 8)", "free(" + c + ")", "free(0)", "verifyAll()"), texts);
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 11L), numbers, "verifyAll is not an operation: it reports the last one");
        assertEquals(11, checked.operations());
    }

    @Test
    void aViolationWithoutAnAddressCentresTheMapOnTheTouchedBlock() {
        toy.ownCheckThrows = true; // HEAP-8, reported at address 0
        HeapCheckException e = failsWith(List.of(Invariants.HEAP_8), () -> checked.free(b));
        assertTrue(e.heapMap().contains(">> " + hex(block(b)) + " FREE "), e.heapMap());
        assertEquals(1, e.heapMap().split(">> ", -1).length - 1, e.heapMap());
        e = failsWith(List.of(Invariants.HEAP_8), () -> checked.malloc(200));
        assertTrue(e.heapMap().contains(">> " + hex(heap.brk() - 224) + " ALLOCATED "), e.heapMap());
    }

    @Test
    void moreViolationsThanTheCapAreCountedInTheMessage() {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 254; i++) {
            blocks.add(checked.malloc(40));
        }
        for (int i = 1; i < 254; i += 2) {
            checked.free(blocks.get(i));
        }
        toy.freeBlocks.clear(); // 127 free blocks lost: 64 reported, 63 counted
        HeapCheckException e = fails(checked::verifyAll);
        assertEquals(HeapChecker.MAX_VIOLATIONS, e.violations().size());
        assertTrue(e.getMessage().startsWith("toy: 127 invariant violations after op #" + e.operation() + " verifyAll()\n"), e.getMessage());
        assertTrue(e.getMessage().contains("\n  ... and 63 more\nheap map:\n"), e.getMessage());
    }

    @Test
    void aChangedPayloadByteIsReportedWithItsOffsetAndBothValues() {
        long tag = checked.live().tag(c);
        flip(c + 39);
        HeapCheckException e = failsWith(List.of(Invariants.HEAP_7), checked::verifyAll);
        assertEquals(List.of(v(Invariants.HEAP_7, c + 39, "payload of live block " + hex(c) + " changed at offset 39",
                hexByte(new Patterns().expectedByte(tag, 39)), hexByte(heap.getByte(c + 39) & 0xFF))), e.violations());
    }

    // ---------------------------------------------------------------- when payloads are verified

    @Test
    void theFirstBlockIsVerifiedWhenItIsTouched() {
        flip(a);
        HeapCheckException e = failsWith(List.of(Invariants.HEAP_7), () -> checked.tryExpand(a, 40));
        assertEquals(a, e.violations().get(0).address());
    }

    @Test
    void theRightNeighbourOfTheTouchedBlockIsVerified() {
        flip(c + 7);
        HeapCheckException e = failsWith(List.of(Invariants.HEAP_7), () -> checked.realloc(b, 20));
        assertEquals(c + 7, e.violations().get(0).address());
    }

    @Test
    void theNeighboursOfAFreedBlockAreVerified() {
        flip(a + 1);
        HeapCheckException e = failsWith(List.of(Invariants.HEAP_7), () -> checked.free(b));
        assertEquals(a + 1, e.violations().get(0).address());
    }

    @Test
    void theNeighboursOfTheOldPlaceOfAMovedBlockAreVerified() {
        long p = checked.malloc(100);
        long q = checked.malloc(100);
        flip(c + 2);
        HeapCheckException e = failsWith(List.of(Invariants.HEAP_7), () -> checked.realloc(p, 1000));
        assertEquals(c + 2, e.violations().get(0).address());
        assertTrue(q > p);
    }

    @Test
    void theNeighboursOfABlockAFailedReallocLeftInPlaceAreVerified() {
        flip(a + 3);
        HeapCheckException e = failsWith(List.of(Invariants.HEAP_7), () -> checked.realloc(b, 2 << 20));
        assertEquals(a + 3, e.violations().get(0).address());
    }

    @Test
    void everyPayloadIsVerifiedEverySixtyFourOperations() {
        long z = checked.malloc(40); // op #4
        flip(a + 5); // a is not a neighbour of z: only the periodic full verification finds it
        List<Long> failedAt = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            try {
                checked.realloc(z, 40);
            } catch (HeapCheckException e) {
                assertEquals(List.of(Invariants.HEAP_7), e.invariantIds());
                assertEquals(a + 5, e.violations().get(0).address());
                failedAt.add(e.operation());
            }
        }
        assertEquals(List.of(64L, 128L), failedAt);
    }

    @Test
    void theNeighboursOfTheLastExtentAreTakenFromTheCurrentWalkOnly() {
        long d = checked.malloc(40);
        checked.free(b); // walk: a, free b, c, d
        toy.walkUsableLie = -8;
        checked.verifyAll(); // still well formed; the checker's tables now hold d (4th extent) with 40 usable bytes
        toy.walkUsableLie = 0;
        checked.free(c); // b and c merge: three extents, the stale 4th entry stays behind in the tables
        assertTrue(checked.tryExpand(d, 40)); // d is the last extent: its right "neighbour" must not be the stale entry
        checked.verifyAll();
    }

    @Test
    void payloadBytesVerifiedCountsTheTouchedBlocksTheirNeighboursAndFullVerifications() {
        assertEquals(40 + (40 + 40) + (40 + 40), checked.payloadBytesVerified()); // a; a, b; b, c
        checked.verifyAll();
        assertEquals(200 + 120, checked.payloadBytesVerified());
        checked.free(b);
        assertEquals(320 + 40 + 40, checked.payloadBytesVerified()); // a and c around the freed b
    }

    // ---------------------------------------------------------------- misuse and valid edge cases

    @Test
    void negativeSizesAndBadAlignmentsAreMisuseTheAllocatorNeverSees() {
        byte[] before = heap.snapshot();
        assertEquals("toy: malloc(-1): negative size", assertThrows(InvalidSizeException.class, () -> checked.malloc(-1)).getMessage());
        assertThrows(InvalidSizeException.class, () -> checked.calloc(-1, 8));
        assertThrows(InvalidSizeException.class, () -> checked.calloc(8, -1));
        assertTrue(assertThrows(InvalidSizeException.class, () -> checked.calloc(Long.MAX_VALUE, 2)).getMessage().contains("overflows"));
        assertThrows(InvalidSizeException.class, () -> checked.alignedAlloc(64, -1));
        assertThrows(InvalidSizeException.class, () -> checked.realloc(0, -1));
        assertThrows(InvalidSizeException.class, () -> checked.realloc(a, -1));
        assertThrows(InvalidSizeException.class, () -> checked.tryExpand(a, -1));
        assertThrows(InvalidAlignmentException.class, () -> checked.alignedAlloc(0, 8));
        assertThrows(InvalidAlignmentException.class, () -> checked.alignedAlloc(-16, 8));
        assertThrows(InvalidAlignmentException.class, () -> checked.alignedAlloc(48, 8));
        assertThrows(InvalidPointerException.class, () -> checked.tryExpand(0, 8));
        assertArrayEquals(before, heap.snapshot());
        assertEquals(3, checked.operations(), "misuse is not an operation");
    }

    @Test
    void zeroSizesAreValid() {
        long m = checked.malloc(0);
        assertNotEquals(0, m);
        assertEquals(0, checked.live().requested(m));
        long z1 = checked.calloc(0, 8);
        long z2 = checked.calloc(8, 0);
        long al = checked.alignedAlloc(64, 0);
        assertTrue(checked.live().contains(z1) && checked.live().contains(z2) && checked.live().contains(al));
        assertTrue(checked.tryExpand(a, 0));
        assertEquals(0, checked.realloc(b, 0), "realloc(p, 0) frees p");
        assertThrows(DoubleFreeException.class, () -> checked.free(b));
        checked.verifyAll();
    }

    @Test
    void anAddressThatIsNoLiveBlockIsNamedInTheMessage() {
        assertEquals("toy: free(" + hex(heap.start()) + "): not the start of a live block of this heap",
                assertThrows(InvalidPointerException.class, () -> checked.free(heap.start())).getMessage());
        assertEquals("toy: free(" + hex(heap.brk()) + "): not the start of a live block of this heap (outside the heap)",
                assertThrows(InvalidPointerException.class, () -> checked.free(heap.brk())).getMessage());
        assertEquals("toy: realloc(" + hex(heap.start() - 16) + "): not the start of a live block of this heap (outside the heap)",
                assertThrows(InvalidPointerException.class, () -> checked.realloc(heap.start() - 16, 8)).getMessage());
        checked.free(b);
        assertEquals("toy: usableSize(" + hex(b) + "): block already freed",
                assertThrows(DoubleFreeException.class, () -> checked.usableSize(b)).getMessage());
        assertEquals("toy: tryExpand(" + hex(b) + "): block already freed",
                assertThrows(DoubleFreeException.class, () -> checked.tryExpand(b, 8)).getMessage());
    }

    @Test
    void usableSizeAndStatsComeFromTheAllocatorAndTheShadow() {
        assertEquals(48, checked.usableSize(a));
        assertEquals(0, checked.usableSize(0));
        assertEquals(ThreadSafety.SINGLE_OWNER, checked.threadSafety());
        assertEquals(3, checked.live().size());
        assertEquals(120, checked.stats().liveRequestedBytes().orElseThrow());
    }

    // ---------------------------------------------------------------- calloc (API-1)

    @Test
    void callocOfMoreThanOneCompareChunkOverDirtyMemoryIsClean() {
        long p = checked.malloc(5000);
        long q = checked.malloc(5000);
        checked.free(p);
        long r = checked.calloc(1, 5000); // p's old place: its old pattern below, q's header right after
        assertEquals(p, r);
        assertEquals(5000, checked.live().requested(r));
        checked.free(r);
        checked.free(q);
        checked.verifyAll();
    }

    @Test
    void api1ADirtyByteAtTheStartOfAChunkIsReportedAtItsOffset() {
        for (long offset : new long[] {0, 5, 4096, 4100}) {
            broken.dirtyCallocAt = offset;
            HeapCheckException e = fails(() -> checked.calloc(1, 5000));
            assertEquals(Invariants.API_1, e.invariantIds().get(0), e::getMessage);
            Violation first = e.violations().get(0);
            long p = first.address() - offset;
            assertEquals(v(Invariants.API_1, p + offset, "calloc returned a non-zero byte at payload offset " + offset, "0", "1"), first);
            assertTrue(checked.live().contains(p), "the block is live all the same");
            checked.free(p);
        }
        checked.verifyAll();
    }

    @Test
    void aViolationIsReportedOnceNotAgainAtTheNextOperation() {
        broken.dirtyCallocAt = 3;
        failsWith(List.of(Invariants.API_1), () -> checked.calloc(2, 8));
        checked.calloc(2, 8);
    }

    // ---------------------------------------------------------------- alignedAlloc (API-3)

    @Test
    void alignedBlocksOfEveryPlaceArePassed() {
        List<Long> blocks = new ArrayList<>();
        for (long alignment : new long[] {16, 32, 64, 64, 64, 128, 4096, 4096}) {
            long p = checked.alignedAlloc(alignment, 100);
            assertEquals(0, p % alignment);
            assertEquals(100, checked.live().requested(p));
            blocks.add(p);
        }
        assertTrue(blocks.stream().anyMatch(p -> p % 128 == 64), "some 64-aligned block is an odd multiple of 64: " + blocks);
        for (long p : blocks) {
            checked.free(p);
        }
        checked.verifyAll();
    }

    // ---------------------------------------------------------------- realloc (API-2)

    @Test
    void reallocOfNullAllocates() {
        long p = checked.realloc(0, 24);
        assertNotEquals(0, p);
        assertEquals(24, checked.live().requested(p));
        checked.free(p);
    }

    @Test
    void reallocGrowingInPlaceExtendsThePattern() {
        long p = checked.malloc(20); // a 48-byte block, 32 usable
        assertEquals(p, checked.realloc(p, 30));
        assertEquals(30, checked.live().requested(p));
        assertEquals(150, checked.stats().liveRequestedBytes().orElseThrow());
        assertEquals(150, checked.stats().peakLiveRequestedBytes().orElseThrow());
        checked.verifyAll();
    }

    @Test
    void reallocMovingKeepsTheContentAndRetiresTheOldAddress() {
        long p = checked.malloc(100);
        checked.malloc(100);
        long r = checked.realloc(p, 1000);
        assertNotEquals(p, r);
        assertFalse(checked.live().contains(p));
        assertEquals(1000, checked.live().requested(r));
        assertEquals(1220, checked.stats().peakLiveRequestedBytes().orElseThrow());
        checked.verifyAll();
        assertThrows(DoubleFreeException.class, () -> checked.free(p));
        checked.free(r);
    }

    @Test
    void aFailedReallocLeavesTheBlockLiveAndUntouched() {
        assertEquals(0, checked.realloc(b, 2 << 20));
        assertEquals(40, checked.live().requested(b));
        checked.verifyAll();
        checked.free(b);
    }

    @Test
    void api2ContentLostByAMoveIsReportedOnceWithBothBytes() {
        long p = checked.malloc(100);
        checked.malloc(100);
        long tag = checked.live().tag(p);
        broken.reallocFlips = 7;
        HeapCheckException e = fails(() -> checked.realloc(p, 1000));
        long r = e.violations().get(0).address() - 7;
        assertEquals(List.of(v(Invariants.API_2, r + 7, "realloc lost content at payload offset 7 (kept 100 bytes)",
                hexByte(new Patterns().expectedByte(tag, 7)), hexByte(heap.getByte(r + 7) & 0xFF))), e.violations(),
                "the same byte is not reported again as HEAP-7");
    }

    @Test
    void api2AndAnUnrelatedPayloadFaultAreBothReported() {
        long p = checked.malloc(100);
        long q = checked.malloc(100);
        broken.reallocFlips = 0;
        flip(q + 9);
        HeapCheckException e = failsWith(List.of(Invariants.API_2, Invariants.HEAP_7), () -> checked.realloc(p, 1000));
        long r = e.violations().get(0).address();
        // q is a neighbour of both the new and the old place of p, so it is verified (and reported) from both
        assertEquals(List.of(r, q + 9), e.violations().stream().map(Violation::address).distinct().toList(), e::getMessage);
    }

    @Test
    void api2ReallocToZeroMustFreeAndReturnNull() {
        broken.reallocZeroKeepsBlock = true;
        HeapCheckException e = fails(() -> checked.realloc(b, 0));
        assertEquals(v(Invariants.API_2, b, "realloc(p, 0) must free p and return NULL", "0", hex(b)), e.violations().get(0));
    }

    @Test
    void heap5AReallocOntoAnotherLiveBlock() {
        long p = checked.malloc(100);
        long q = checked.malloc(100);
        broken.reallocReturns = q;
        HeapCheckException e = fails(() -> checked.realloc(p, 1000));
        assertEquals(v(Invariants.HEAP_5, q, "realloc moved the block onto another live block", "a free address", "live block"),
                e.violations().get(0), e::getMessage);
    }

    // ---------------------------------------------------------------- tryExpand (API-4)

    @Test
    void tryExpandUpToTheUsableSizeSucceedsAndExtendsThePattern() {
        long p = checked.malloc(20); // 32 usable
        assertTrue(checked.tryExpand(p, 32));
        assertEquals(32, checked.live().requested(p));
        assertEquals(152, checked.stats().liveRequestedBytes().orElseThrow());
        assertEquals(152, checked.stats().peakLiveRequestedBytes().orElseThrow());
        assertFalse(checked.tryExpand(p, 33));
        assertEquals(32, checked.live().requested(p));
        checked.verifyAll();
    }

    @Test
    void api4IsReportedWithTheSizesAndNamesTheOperation() {
        try (Heap other = Heap.reserve(1 << 20)) {
            ToyAllocator toy2 = new ToyAllocator(other);
            CheckedAllocator checked2 = new CheckedAllocator(new ForwardingAllocator(toy2) {
                @Override
                public boolean tryExpand(long address, long size) {
                    return true;
                }
            });
            long p = checked2.malloc(32);
            HeapCheckException e = fails(() -> checked2.tryExpand(p, 5000));
            assertEquals(v(Invariants.API_4, p, "tryExpand succeeded but the block is too small", ">= 5000", "32"), e.violations().get(0));
            assertEquals("tryExpand(" + p + ", 5000)", e.operationText());
        }
    }

    // ---------------------------------------------------------------- born: HEAP-2, HEAP-5

    @Test
    void heap2AMisalignedNewBlockIsReportedFirst() {
        broken.misalignMalloc = true;
        HeapCheckException e = fails(() -> checked.malloc(40));
        Violation first = e.violations().get(0);
        assertEquals(v(Invariants.HEAP_2, first.address(), "payload not 16-byte aligned", "multiple of 16", hex(first.address())), first);
        assertEquals(8, first.address() % 16);
    }

    @Test
    void heap5ANewBlockThatIsStillLive() {
        broken.mallocReturns = b;
        HeapCheckException e = fails(() -> checked.malloc(40));
        assertEquals(List.of(v(Invariants.HEAP_5, b, "the allocator returned a block that is still live", "a free address", "live block")),
                e.violations());
    }

    // ---------------------------------------------------------------- API-5

    @Test
    void api5EveryOperationTheAllocatorRejectsIsReported() {
        broken.rejectEverything = true;
        List<Runnable> ops = List.of(
                () -> checked.malloc(10),
                () -> checked.calloc(2, 8),
                () -> checked.alignedAlloc(64, 8),
                () -> checked.realloc(0, 8),
                () -> checked.realloc(a, 8),
                () -> checked.tryExpand(a, 8),
                () -> checked.free(a));
        for (Runnable op : ops) {
            HeapCheckException e = failsWith(List.of(Invariants.API_5), op);
            assertEquals(v(Invariants.API_5, 0, "the allocator rejected a valid call: rejected", "accepted", "InvalidSizeException"),
                    e.violations().get(0));
        }
        broken.rejectEverything = false;
        assertEquals(40, checked.live().requested(a), "a rejected realloc or free leaves the block live");
        checked.verifyAll();
        checked.free(a);
    }

    @Test
    void aDisciplineViolationIsPassedThroughAfterTheHeapCheckNotReportedAsApi5() {
        broken.outOfOrder = true;
        long ops = checked.operations();
        assertThrows(OutOfOrderFreeException.class, () -> checked.free(a));
        assertThrows(OutOfOrderFreeException.class, () -> checked.realloc(a, 8));
        assertEquals(ops + 2, checked.operations(), "each is an operation, checked like any other");
        broken.outOfOrder = false;
        assertEquals(40, checked.live().requested(a), "the refused call left the block live");
        toy.freeBlocks.put(b, 64L); // a corrupted heap: the check after the refused call reports it instead
        broken.outOfOrder = true;
        HeapCheckException e = assertThrows(HeapCheckException.class, () -> checked.free(a));
        assertTrue(e.invariantIds().contains(Invariants.HEAP_3), e::getMessage);
        broken.outOfOrder = false;
        toy.freeBlocks.remove(b);
        checked.verifyAll();
    }

    // ---------------------------------------------------------------- free(NULL)

    @Test
    void freeOfNullIsAnOperationTheAllocatorSeesAndIsChecked() {
        checked.free(0);
        assertEquals(4, checked.operations());
        broken.freeOfNullClearsTheFirstHeader = true;
        HeapCheckException e = fails(() -> checked.free(0));
        assertEquals("free(0)", e.operationText());
        assertTrue(e.invariantIds().contains(Invariants.HEAP_5), e::getMessage);
    }

    // ---------------------------------------------------------------- tags, views, hand-off

    @Test
    void patternTagsStartAfterTheTagBase() {
        try (Heap other = Heap.reserve(1 << 20)) {
            ToyAllocator toy2 = new ToyAllocator(other);
            CheckedAllocator view = new CheckedAllocator(toy2, CheckedAllocator.Payloads.PATTERN, true, 1000);
            long p = view.malloc(64);
            long q = view.malloc(64);
            assertEquals(1001, view.live().tag(p));
            assertEquals(1002, view.live().tag(q));
            Patterns patterns = new Patterns();
            assertEquals(-1, patterns.firstMismatch(other, p, 1001, 0, 64));
            assertEquals(-1, patterns.firstMismatch(other, q, 1002, 0, 64));
        }
    }

    @Test
    void aViewThatDoesNotWalkChecksTheTouchedBlockOnly() {
        try (Heap other = Heap.reserve(1 << 20)) {
            ToyAllocator toy2 = new ToyAllocator(other);
            CheckedAllocator view = new CheckedAllocator(toy2, CheckedAllocator.Payloads.PATTERN, false, 0);
            long p = view.malloc(100);
            view.malloc(100);
            long q = view.malloc(100);
            view.free(q);
            toy2.freeBlocks.clear(); // q is lost (HEAP-3), which only a walk finds
            long r = view.malloc(100);
            view.realloc(p, 0);
            other.putByte(r, (byte) ~other.getByte(r));
            HeapCheckException e = failsWith(List.of(Invariants.HEAP_7), () -> view.tryExpand(r, 100));
            assertEquals(r, e.violations().get(0).address());
            assertEquals("(not walked: other threads are running)\n", e.heapMap());
            failsWith(List.of(Invariants.HEAP_7, Invariants.HEAP_3), view::verifyAll);
        }
    }

    @Test
    void aBlockHandedOffToAnotherViewIsCheckedThereWithItsOwnTag() {
        try (Heap other = Heap.reserve(1 << 20)) {
            ToyAllocator toy2 = new ToyAllocator(other);
            CheckedAllocator owner = new CheckedAllocator(toy2, CheckedAllocator.Payloads.PATTERN, false, 0);
            CheckedAllocator remote = new CheckedAllocator(toy2, CheckedAllocator.Payloads.PATTERN, false, 1L << 40);
            long p = owner.malloc(100);
            long tag = owner.live().tag(p);
            long[] entry = owner.handOff(p);
            assertArrayEquals(new long[] {100, tag}, entry);
            assertFalse(owner.live().contains(p));
            assertThrows(InvalidPointerException.class, () -> owner.handOff(p));
            assertThrows(InvalidPointerException.class, () -> owner.free(p));
            remote.adopt(p, entry[0], entry[1]);
            assertEquals(100, remote.live().requested(p));
            assertEquals(p, remote.realloc(p, 100)); // verified against the original tag
            other.putByte(p + 99, (byte) ~other.getByte(p + 99));
            assertEquals(p + 99, failsWith(List.of(Invariants.HEAP_7), () -> remote.tryExpand(p, 100)).violations().get(0).address());
            other.putByte(p + 99, (byte) ~other.getByte(p + 99));
            remote.free(p);
        }
    }
}
