package org.jalloc.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every generic invariant (HEAP-1..8) broken on purpose in a toy allocator, proving the checker reports the exact
 * ID, with expected and actual values, and reports every violation it finds.
 */
class HeapCheckerTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final ToyAllocator toy = new ToyAllocator(heap);
    private final CheckedAllocator checked = new CheckedAllocator(toy);
    private final long a = checked.malloc(40);
    private final long b = checked.malloc(40);
    private final long c = checked.malloc(40);

    @AfterEach
    void close() {
        heap.close();
    }

    private static long block(long payload) {
        return payload - ToyAllocator.HEADER;
    }

    private HeapCheckException fails(String id) {
        HeapCheckException e = assertThrows(HeapCheckException.class, checked::verifyAll);
        assertTrue(e.invariantIds().contains(id), () -> "expected " + id + ", got " + e.getMessage());
        return e;
    }

    private HeapCheckException failsOnly(String id) {
        HeapCheckException e = fails(id);
        assertEquals(List.of(id), e.invariantIds(), e::getMessage);
        return e;
    }

    @Test
    void aWellFormedHeapPasses() {
        checked.free(b);
        checked.verifyAll();
        assertTrue(checked.extentsVisited() > 0);
        assertTrue(new HeapChecker().check(toy).isEmpty());
    }

    @Test
    void heap1OverlapAndOverrun() {
        heap.putLong(block(a), 64 + 16); // a claims 16 bytes of b
        HeapCheckException e = fails(Invariants.HEAP_1);
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    @Test
    void heap1ZeroSize() {
        heap.putLong(block(c), 0);
        fails(Invariants.HEAP_1);
    }

    @Test
    void heap2MisalignedPayload() {
        heap.putLong(block(a), 40);
        heap.putLong(block(a) + 40, 24); // a fake free block up to b
        heap.putLong(block(a) + 48, 0);
        fails(Invariants.HEAP_2);
    }

    @Test
    void heap3LostFreeBlock() {
        checked.free(b);
        toy.freeBlocks.clear();
        HeapCheckException e = failsOnly(Invariants.HEAP_3);
        assertTrue(e.getMessage().contains("in no free structure"), e.getMessage());
    }

    @Test
    void heap3EntryNamesAnAllocatedBlock() {
        toy.extraEntries.put(block(a), 64L);
        HeapCheckException e = failsOnly(Invariants.HEAP_3);
        assertTrue(e.getMessage().contains("not free"), e.getMessage());
    }

    @Test
    void heap3EntryInsideAnExtent() {
        toy.extraEntries.put(block(a) + 16, 48L);
        failsOnly(Invariants.HEAP_3);
    }

    @Test
    void heap3DuplicateEntry() {
        checked.free(b);
        toy.extraEntries.put(block(b), toy.freeBlocks.get(block(b)));
        HeapCheckException e = failsOnly(Invariants.HEAP_3);
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void heap3WrongSize() {
        checked.free(b);
        toy.freeBlocks.put(block(b), 4096L);
        HeapCheckException e = failsOnly(Invariants.HEAP_3);
        assertTrue(e.getMessage().contains("wrong size"), e.getMessage());
    }

    @Test
    void heap3Cycle() {
        checked.free(b);
        toy.freeListCycles = true;
        HeapCheckException e = fails(Invariants.HEAP_3);
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    void heap3EntryOutsideTheHeap() {
        toy.extraEntries.put(heap.limit() + 64, 32L);
        HeapCheckException e = failsOnly(Invariants.HEAP_3);
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }

    @Test
    void heap4AdjacentFreeBlocks() {
        toy.mergeOnFree = false;
        checked.free(a);
        HeapCheckException e = assertThrows(HeapCheckException.class, () -> checked.free(b));
        assertEquals(List.of(Invariants.HEAP_4), e.invariantIds(), e.getMessage());
        assertTrue(e.operationText().startsWith("free("), e.operationText());
        assertEquals(5, e.operation());
    }

    @Test
    void heap5LiveBlockLost() {
        heap.putLong(block(b) + 8, 0);
        toy.freeBlocks.put(block(b), 64L);
        HeapCheckException e = failsOnly(Invariants.HEAP_5);
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void heap5PhantomBlock() {
        toy.malloc(40); // behind the checker's back
        HeapCheckException e = failsOnly(Invariants.HEAP_5);
        assertTrue(e.getMessage().contains("no live allocation owns"), e.getMessage());
    }

    @Test
    void heap6UsableSizeDisagreesWithTheWalk() {
        toy.usableSizeLie = 16;
        HeapCheckException e = assertThrows(HeapCheckException.class, () -> checked.malloc(10));
        assertEquals(List.of(Invariants.HEAP_6), e.invariantIds(), e.getMessage());
    }

    @Test
    void heap6BlockSmallerThanRequested() {
        heap.putLong(block(b), 32);
        heap.putLong(block(b) + 32, 32); // the rest as a free block, listed
        heap.putLong(block(b) + 40, 0);
        toy.freeBlocks.put(block(b) + 32, 32L);
        fails(Invariants.HEAP_6);
    }

    @Test
    void heap7PayloadChanged() {
        heap.putByte(c + 39, (byte) ~heap.getByte(c + 39));
        HeapCheckException e = failsOnly(Invariants.HEAP_7);
        assertTrue(e.getMessage().contains("offset 39"), e.getMessage());
    }

    @Test
    void heap7IsFoundInANeighbourOfTheTouchedBlock() {
        heap.putByte(a, (byte) ~heap.getByte(a));
        HeapCheckException e = assertThrows(HeapCheckException.class, () -> checked.realloc(b, 20)); // shrinks b in place
        assertEquals(List.of(Invariants.HEAP_7), e.invariantIds(), e.getMessage());
    }

    @Test
    void heap8WalkerFails() {
        toy.walkThrows = true;
        failsOnly(Invariants.HEAP_8);
    }

    @Test
    void everyViolationIsReportedNotJustTheFirst() {
        checked.free(b);
        heap.putByte(a, (byte) ~heap.getByte(a));
        heap.putByte(c, (byte) ~heap.getByte(c));
        toy.freeBlocks.clear();
        HeapCheckException e = assertThrows(HeapCheckException.class, checked::verifyAll);
        assertEquals(3, e.violations().size(), e.getMessage());
        assertEquals(List.of(Invariants.HEAP_3, Invariants.HEAP_7), e.invariantIds().stream().sorted().toList());
    }

    @Test
    void theReportCarriesAHeapMapAroundTheFault() {
        heap.putByte(b + 3, (byte) ~heap.getByte(b + 3));
        HeapCheckException e = fails(Invariants.HEAP_7);
        assertTrue(e.heapMap().contains(">> " + HeapMap.hex(block(b))), e.heapMap());
        assertTrue(e.heapMap().contains("live, requested 40"), e.heapMap());
    }

    @Test
    void checkedModeDetectsMisuseExactlyWithoutTouchingTheHeap() {
        checked.free(b);
        byte[] before = heap.snapshot();
        assertThrows(DoubleFreeException.class, () -> checked.free(b));
        assertThrows(DoubleFreeException.class, () -> checked.realloc(b, 10));
        assertThrows(InvalidPointerException.class, () -> checked.free(a + 16));
        assertThrows(InvalidPointerException.class, () -> checked.tryExpand(c + 32, 8));
        assertThrows(InvalidPointerException.class, () -> checked.usableSize(heap.limit() + 16));
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, heap.snapshot());
        checked.verifyAll();
    }

    @Test
    void liveRequestedBytesAreTracked() {
        assertEquals(120, checked.stats().liveRequestedBytes().orElseThrow());
        checked.free(a);
        assertEquals(80, checked.stats().liveRequestedBytes().orElseThrow());
        assertEquals(120, checked.stats().peakLiveRequestedBytes().orElseThrow());
    }
}
