package org.jalloc.check;

import static org.jalloc.check.HeapCheckerWalkTest.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The heap map of failure reports ({@link HeapMap#around}): which extents it shows, how it marks the one at the
 * fault, what it says about live blocks, and how it ends when the walk breaks (a zero size, HEAP-1) or throws (HEAP-8).
 */
class HeapMapTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final ToyAllocator toy = new ToyAllocator(heap);
    private final long[] blocks = new long[10]; // 64-byte blocks from 0x1000; the fifth (index 5) is free

    HeapMapTest() {
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = heap.start() + 64L * i;
            toy.malloc(40);
        }
        toy.free(blocks[5] + ToyAllocator.HEADER);
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private String line(String marker, int i) {
        long start = blocks[i];
        String kind = i == 5 ? "FREE" : "ALLOCATED";
        return marker + hex(start) + " " + String.format("%-9s size %8d", kind, 64)
                + String.format("  payload %s usable %8d", hex(start + 16), 48);
    }

    @Test
    void showsTheRadiusOnEachSideAndCountsTheRest() {
        assertEquals("   ... 3 extents before\n"
                + line("   ", 3) + "\n"
                + line("   ", 4) + "\n"
                + line(">> ", 5) + "\n"
                + line("   ", 6) + "\n"
                + line("   ", 7) + "\n"
                + "   ... 2 extents after, walk ends at " + hex(heap.brk()) + "\n",
                HeapMap.around(toy, blocks[5] + 20, 2, null));
    }

    @Test
    void marksTheExtentStartingAtTheAddress() {
        assertEquals(line("   ", 2) + "\n" + line(">> ", 3) + "\n" + line("   ", 4) + "\n" + "   ... 5 extents after, walk ends at " + hex(heap.brk()) + "\n",
                HeapMap.around(toy, blocks[3], 1, null).substring("   ... 2 extents before\n".length()));
        assertEquals(line(">> ", 0) + "\n" + line("   ", 1) + "\n" + "   ... 8 extents after, walk ends at " + hex(heap.brk()) + "\n",
                HeapMap.around(toy, blocks[0], 1, null));
        assertEquals("   ... 8 extents before\n" + line("   ", 8) + "\n" + line(">> ", 9) + "\n",
                HeapMap.around(toy, heap.brk() - 1, 1, null));
    }

    @Test
    void saysWhichAllocatedBlocksAreLiveAndWhatWasRequested() {
        LiveBlocks live = new LiveBlocks();
        live.put(blocks[4] + 16, 40, 1);
        live.put(blocks[6] + 16, 0, 2);
        assertEquals("   ... 3 extents before\n"
                + line("   ", 3) + "  NOT LIVE\n"
                + line("   ", 4) + "  live, requested 40\n"
                + line(">> ", 5) + "\n"
                + line("   ", 6) + "  live, requested 0\n"
                + line("   ", 7) + "  NOT LIVE\n"
                + "   ... 2 extents after, walk ends at " + hex(heap.brk()) + "\n",
                HeapMap.around(toy, blocks[5], 2, live));
    }

    @Test
    void endsAtAZeroSizeExtent() {
        heap.putLong(blocks[8], 0); // HEAP-1: the toy's walker would yield this extent forever
        String map = HeapMap.around(toy, blocks[8], 2, null);
        assertEquals("   ... 6 extents before\n" + line("   ", 6) + "\n" + line("   ", 7) + "\n"
                + ">> " + hex(blocks[8]) + " " + String.format("%-9s size %8d", "ALLOCATED", 0)
                + String.format("  payload %s usable %8d", hex(blocks[8] + 16), -16) + "\n", map);
    }

    @Test
    void stopsAfterTheFirstExtentRunningPastTheEndOfTheWalkRange() {
        toy.walkEndShift = -128; // the range ends where block 8 starts; the toy's walker itself goes on to the break
        assertEquals("   ... 5 extents before\n" + line("   ", 5) + "\n" + line("   ", 6) + "\n" + line(">> ", 7) + "\n" + line("   ", 8) + "\n",
                HeapMap.around(toy, blocks[7], 2, null));
    }

    @Test
    void showsWhereTheWalkFailed() {
        toy.walkThrowsAt = blocks[4];
        assertEquals("   ... 2 extents before\n" + line("   ", 2) + "\n" + line("   ", 3) + "\n" + "   (walk failed here)\n",
                HeapMap.around(toy, blocks[3], 2, null));
    }
}
