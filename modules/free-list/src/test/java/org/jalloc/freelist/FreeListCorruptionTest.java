package org.jalloc.freelist;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real free-list metadata in the heap and proves the checker names the invariant:
 * HEAP-1, HEAP-4, HEAP-5, HEAP-6, HEAP-7 (generic) and FL-1, FL-2, FL-3 (free-list). HEAP-2, HEAP-3 and HEAP-8
 * cannot be broken through this layout's metadata; the check module's tests break them in a toy allocator.
 */
class FreeListCorruptionTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final FreeListAllocator allocator = new FreeListAllocator(heap, FreeListAllocator.Coalescing.IMMEDIATE, "first-fit");
    private final CheckedAllocator checked = new CheckedAllocator(allocator);

    /** Three live blocks a, b, c (48 bytes requested, 64-byte blocks), then a free rest. */
    private final long a = checked.malloc(48);
    private final long b = checked.malloc(48);
    private final long c = checked.malloc(48);

    @AfterEach
    void close() {
        heap.close();
    }

    private long header(long payload) {
        return payload - FreeListAllocator.HEADER;
    }

    @Test
    void aSizeRunningPastTheBreakBreaksTiling() {
        heap.putLong(header(c), heap.brk() | 1); // c's block now claims more than the heap holds
        assertReports(checked, "HEAP-1");
    }

    @Test
    void aSizeOffByEightIsAMalformedHeaderNotAMisalignedBlock() {
        // The low four bits are flags, so a size can never misalign a payload (HEAP-2 holds by construction here;
        // the check module's tests break HEAP-2 in a toy layout). Bit 3 set is a malformed header.
        heap.putLong(header(a), (64 + 8) | 1);
        assertReportsOnly(checked, "FL-2");
    }

    @Test
    void aClearedAllocationBitNextToAFreeBlockBreaksCoalescing() {
        checked.free(b);
        heap.putLong(header(a), 64); // a now looks free, next to the free b
        assertReports(checked, "HEAP-4");
        assertReports(checked, "HEAP-5"); // and the live block a went missing
    }

    @Test
    void aClearedAllocationBitLosesALiveBlock() {
        heap.putLong(header(b), 64); // neighbours a and c stay allocated: no adjacency, just a lost block
        assertReportsOnly(checked, "HEAP-5");
    }

    @Test
    void aSetAllocationBitOnAFreeBlockIsAPhantomBlock() {
        checked.free(b);
        heap.putLong(header(b), 64 | 1);
        assertReportsOnly(checked, "HEAP-5");
    }

    @Test
    void aShrunkenLiveBlockIsSmallerThanRequested() {
        // b: 64-byte block, 48 requested. Make it 32 bytes and the rest a free 32-byte block.
        heap.putLong(header(b), 32 | 1);
        heap.putLong(header(b) + 32, 32);
        assertReports(checked, "HEAP-6");
    }

    @Test
    void aChangedPayloadByteIsReported() {
        heap.putByte(b + 17, (byte) (heap.getByte(b + 17) ^ 0x40));
        assertReportsOnly(checked, "HEAP-7");
    }

    @Test
    void aBrokenEpilogueIsReported() {
        heap.putLong(heap.brk() - 8, 0);
        assertReportsOnly(checked, "FL-1");
    }

    @Test
    void aChangedPadWordIsReported() {
        heap.putLong(heap.start(), 0xDEAD);
        assertReportsOnly(checked, "FL-1");
    }

    @Test
    void aStrayFlagBitIsReported() {
        heap.putLong(header(a), heap.getLong(header(a)) | 2);
        assertReportsOnly(checked, "FL-2");
    }

    @Test
    void aStaleLastBlockPointerIsReported() {
        allocator.lastBlock = header(a);
        assertReportsOnly(checked, "FL-3");
    }
}
