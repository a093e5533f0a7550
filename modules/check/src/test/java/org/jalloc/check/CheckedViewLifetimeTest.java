package org.jalloc.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/**
 * The FFM views of a {@link CheckedAllocator} (segment, segment allocator, arena) keep the same lifetimes as the
 * allocator's own: they throw {@link IllegalStateException} once the checked allocator (or the heap under it) is
 * closed; the arena's blocks go through the checker, so its shadow model stays exact when the arena closes, also
 * when the caller freed one of them itself.
 */
class CheckedViewLifetimeTest {
    private static void assertDead(MemorySegment s) {
        assertFalse(s.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
    }

    @Test
    void everyCheckedViewThrowsOnceTheCheckedAllocatorIsClosed() {
        CheckedAllocator checked = new CheckedAllocator(new ToyAllocator(Heap.reserve(1 << 20)), CheckedAllocator.Payloads.CALLER_OWNED);
        List<MemorySegment> views = new ArrayList<>();
        views.add(checked.segment(checked.malloc(100)));
        views.add(checked.asSegmentAllocator().allocate(64));
        Arena arena = checked.asArena();
        views.add(arena.allocate(200));
        views.forEach(s -> s.fill((byte) 1));
        checked.close();
        views.forEach(CheckedViewLifetimeTest::assertDead);
        assertThrows(IllegalStateException.class, arena::close);
    }

    @Test
    void closingTheHeapUnderTheCheckerKillsTheCheckersArenas() {
        Heap heap = Heap.reserve(1 << 20);
        CheckedAllocator checked = new CheckedAllocator(new ToyAllocator(heap));
        MemorySegment s = checked.asArena().allocate(48);
        heap.close();
        assertDead(s);
    }

    @Test
    void aCheckedArenaFreesThroughTheCheckerAndReportsAFreeTheCallerMadeItself() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            CheckedAllocator checked = new CheckedAllocator(new ToyAllocator(heap), CheckedAllocator.Payloads.CALLER_OWNED);
            long outside = checked.malloc(32);
            Arena arena = checked.asArena();
            MemorySegment a = arena.allocate(40);
            MemorySegment b = arena.allocate(40);
            arena.allocate(40);
            assertEquals(4, checked.live().size());
            checked.free(checked.offsetOf(b)); // the caller frees an arena block: a double free when the arena closes
            RuntimeException e = assertThrows(RuntimeException.class, arena::close);
            assertInstanceOf(DoubleFreeException.class, e, "the checker's exact verdict, first failure thrown");
            assertEquals(1, checked.live().size(), "every other arena block freed; the block outside the arena kept");
            assertTrue(checked.live().contains(outside));
            assertDead(a);
            checked.verifyAll();
            // Documented: after free, a plain view still reads the heap (nothing outside debug modes detects it).
            MemorySegment view = checked.segment(outside);
            checked.free(outside);
            view.get(ValueLayout.JAVA_BYTE, 0);
            assertThrows(DoubleFreeException.class, () -> checked.segment(outside), "but a new view of a freed block is refused");
        }
    }
}
