package org.jalloc.stack;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real arena metadata — the bump pointer, the last-extent pointer, a back link, a mark, a tag — and proves the
 * checker names the invariant: ARENA-1..4 and the generic HEAP-1, HEAP-5.
 */
class ArenaCorruptionTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final ArenaAllocator arena = new ArenaAllocator(heap, 4096, "arena:chunk=4K");
    private final CheckedAllocator checked = new CheckedAllocator(arena);

    /** a, b below the mark m; c above it (64-byte blocks from the heap start). */
    private final long a = checked.malloc(48);
    private final long b = checked.malloc(48);
    private final long m = arena.mark();
    private final long c = checked.malloc(48);

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void layout() {
        assertEquals(heap.start() + 16, a);
        assertEquals(a + 64, b);
        assertEquals(b + 64, c);
        assertEquals(c - 16, arena.floor());
        assertEquals(c + 48, arena.top());
        checked.verifyAll();
        assertEquals(0, m & 0xFFFFFF, "the first mark, at depth 0");
    }

    @Test
    void arena1AMisalignedBumpPointer() {
        arena.corruptTop(arena.top() - 8);
        assertReports(checked, "ARENA-1");
    }

    @Test
    void arena1ALastExtentPointerThatNamesAnotherExtent() {
        arena.corruptLast(b - 16);
        assertReportsOnly(checked, "ARENA-1");
    }

    @Test
    void arena2ABackLinkThatSkipsItsPredecessor() {
        heap.putLong(c - 16 + 8, a - 16); // c's prev names a instead of b
        assertReportsOnly(checked, "ARENA-2");
    }

    @Test
    void arena2AnUnknownTag() {
        heap.putLong(b - 16, 64 | 0x8);
        assertReports(checked, "ARENA-2");
    }

    @Test
    void arena3AMarkInsideABlock() {
        arena.corruptMarkPosition(0, c - 16 - 32); // inside b
        assertReports(checked, "ARENA-3");
    }

    @Test
    void arena4ADeadBlockLeftAtTheTopAboveTheMark() {
        heap.putLong(c - 16, 64 | 0x3); // c dead, but still at the top above the floor: free would have given it back
        assertReports(checked, "ARENA-4");
    }

    @Test
    void heap1ASizeRunningPastTheBreak() {
        heap.putLong(a - 16, (2L << 20) | 0x1);
        assertReports(checked, "HEAP-1");
    }

    @Test
    void heap5ALiveBlockMarkedDeadIsLost() {
        heap.putLong(a - 16, 64 | 0x3);
        assertReports(checked, "HEAP-5");
    }
}
