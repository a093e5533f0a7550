package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.StaleCheckpointException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The arena's own API: marks, release, reset, the free rule, growth in chunks, FFM arenas as marks. */
class ArenaAllocatorTest {
    private static final long CHUNK = 4096;
    private final Heap heap = Heap.reserve(1 << 20);
    private final ArenaAllocator arena = new ArenaAllocator(heap, CHUNK, "arena:chunk=4K");

    @AfterEach
    void close() {
        arena.close();
    }

    private void assertWellFormed() {
        var v = new HeapChecker().check(Inspection.of(arena).heapWalk());
        assertTrue(v.isEmpty(), v::toString);
    }

    private long deadBytes() {
        return arena.stats().metric(ArenaMetric.class).orElseThrow().deadBytes();
    }

    @Test
    void allocationBumpsUpAndTheBreakMovesAChunkAtATime() {
        long p = arena.malloc(100);
        long q = arena.malloc(100);
        assertEquals(heap.start() + 16, p);
        assertEquals(p + 112 + 16, q, "right after p's 112 usable bytes and q's header");
        assertEquals(heap.start() + CHUNK, heap.brk(), "one chunk");
        arena.malloc(5000);
        assertEquals(0, (heap.brk() - heap.start()) % CHUNK, "whole chunks");
        assertTrue(heap.brk() - heap.start() >= 2 * 128 + 5016);
        assertWellFormed();
    }

    @Test
    void releaseGoesBackToAMarkAndEndsEveryNewerOne() {
        long a = arena.malloc(64);
        long m1 = arena.mark();
        arena.malloc(64);
        long m2 = arena.mark();
        arena.malloc(64);
        assertEquals(2, arena.marks());
        arena.release(m1); // an older mark: m2 ends with it
        assertEquals(a + 64 + 16 - 16, heap.start() + arena.used(), "back to right after a");
        assertEquals(0, arena.marks());
        byte[] before = heap.snapshot();
        assertThrows(StaleCheckpointException.class, () -> arena.release(m2), "ended by m1's release");
        assertThrows(StaleCheckpointException.class, () -> arena.release(m1), "released already");
        assertThrows(StaleCheckpointException.class, () -> arena.release(0));
        assertThrows(StaleCheckpointException.class, () -> arena.release(-1));
        assertArrayEquals(before, heap.snapshot());
        long m3 = arena.mark();
        assertNotEquals(m1, m3, "tokens are never reused, though m3 sits where m1 did");
        assertThrows(StaleCheckpointException.class, () -> arena.release(m1));
        arena.release(m3);
        arena.free(a);
        assertEquals(0, arena.used());
        assertWellFormed();
    }

    @Test
    void theNewestBlockIsFreedAtOnceOlderOnesWhenTheBlocksAboveThemGo() {
        long a = arena.malloc(100);
        long b = arena.malloc(100);
        long c = arena.malloc(100);
        long used = arena.used();
        arena.free(c);
        assertEquals(used - 128, arena.used(), "the newest: its bytes come back at once");
        long c2 = arena.malloc(100);
        assertEquals(c, c2, "the same place again");
        arena.free(a);
        assertEquals(128, deadBytes(), "an older block is dead at once, its bytes wait");
        assertEquals(used, arena.used());
        assertThrows(DoubleFreeException.class, () -> arena.free(a), "dead: a double free");
        assertThrows(DoubleFreeException.class, () -> arena.usableSize(a));
        arena.free(b);
        assertEquals(256, deadBytes());
        assertWellFormed();
        arena.free(c2); // the newest: c, then the dead b and a below it come back
        assertEquals(0, arena.used());
        assertEquals(0, deadBytes());
        assertThrows(DoubleFreeException.class, () -> arena.free(c2), "above the bump pointer, its stale header still checks");
        assertWellFormed();
    }

    @Test
    void freesNeverGiveBackBytesBelowTheNewestMark() {
        long a = arena.malloc(100);
        long m = arena.mark();
        long b = arena.malloc(100);
        arena.free(a); // below the mark: dead
        arena.free(b); // the newest: back, and the dead a stays, under the mark
        assertEquals(128, arena.used());
        assertEquals(128, deadBytes());
        assertWellFormed();
        arena.release(m); // the floor drops to the start: a comes back now
        assertEquals(0, arena.used());
        assertWellFormed();
    }

    @Test
    void theNewestBlockGrowsAndShrinksInPlaceOthersMove() {
        long a = arena.malloc(16);
        long b = arena.malloc(16);
        assertTrue(arena.tryExpand(b, 10_000), "the newest grows in place");
        assertTrue(arena.tryExpand(b, 16), "and shrinks");
        assertEquals(64, arena.used(), "the top right after b again");
        assertFalse(arena.tryExpand(a, 100), "a is not the newest");
        heap.putLong(a, 42);
        long moved = arena.realloc(a, 100);
        assertTrue(moved > b, "moved to the top");
        assertEquals(42, heap.getLong(moved));
        assertEquals(32, deadBytes(), "the old a is dead");
        long m = arena.mark();
        assertFalse(arena.tryExpand(moved, 1000), "a mark above it: it is not above the floor");
        arena.release(m);
        arena.reset();
        assertWellFormed();
    }

    @Test
    void alignedBlocksLeaveZeroedPads() {
        long a = arena.malloc(10);
        heap.fill(heap.start() + 64, 2048, (byte) 0x77); // stale bytes where the pad will be
        long p = arena.alignedAlloc(4096, 10);
        assertEquals(0, (heap.memory().address() + p) % 4096);
        for (long x = heap.start() + 48; x < p - 16; x++) {
            assertEquals(0, heap.getByte(x), "pad byte " + x);
        }
        assertWellFormed();
        arena.free(p); // the newest: its pad below it goes too
        assertEquals(32, arena.used());
        arena.free(a);
    }

    @Test
    void resetFreesEverythingAndGivesTheBreakBackToOneChunk() {
        long m = arena.mark();
        for (int i = 0; i < 100; i++) {
            arena.malloc(1000);
        }
        assertTrue(heap.brk() - heap.start() > 20 * CHUNK);
        arena.reset();
        assertEquals(0, arena.used());
        assertEquals(CHUNK, heap.brk() - heap.start(), "one chunk kept");
        assertTrue(heap.releasedBytes() > 0, "the rest given back to the OS");
        assertThrows(StaleCheckpointException.class, () -> arena.release(m));
        assertWellFormed();
    }

    @Test
    void interiorAndForeignPointersAreRefusedHeapUnchanged() {
        long a = arena.calloc(1, 200);
        long b = arena.malloc(200);
        byte[] before = heap.snapshot();
        assertThrows(InvalidPointerException.class, () -> arena.free(a + 16));
        assertThrows(InvalidPointerException.class, () -> arena.free(a + 8));
        assertThrows(InvalidPointerException.class, () -> arena.free(b + 208 + 64), "above the bump pointer, never a block");
        assertThrows(InvalidPointerException.class, () -> arena.free(heap.limit() + 4096));
        assertArrayEquals(before, heap.snapshot());
    }

    @Test
    void anFfmArenaIsAMark() {
        long a = arena.malloc(32);
        MemorySegment s;
        try (Arena ffm = arena.asArena()) {
            s = ffm.allocate(ValueLayout.JAVA_INT, 1000);
            s.setAtIndex(ValueLayout.JAVA_INT, 999, 3);
            arena.malloc(500); // allocated from the arena directly: younger than the mark, released with it
            assertEquals(1, arena.marks());
        }
        assertFalse(s.scope().isAlive());
        assertEquals(48, arena.used(), "only a is left");
        assertEquals(0, arena.marks());
        Arena stale = arena.asArena();
        arena.reset();
        assertThrows(StaleCheckpointException.class, stale::close, "reset ended its mark");
        arena.free(arena.malloc(1));
        assertTrue(Inspection.of(arena).heapWalk().coalescesImmediately());
        assertWellFormed();
        assertTrue(a > 0);
    }

    @Test
    void statsCountDeadBytesAndMarks() {
        long a = arena.malloc(100);
        arena.malloc(100);
        arena.mark();
        arena.free(a);
        ArenaMetric v = arena.stats().metric(ArenaMetric.class).orElseThrow();
        assertEquals(128L, v.deadBytes());
        assertEquals(1L, v.deadBlocks());
        assertEquals(1, v.marksOpen());
        assertEquals(256L, v.usedBytes());
        assertEquals(CHUNK, v.committedBytes());
    }
}
