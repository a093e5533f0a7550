package org.jalloc.core.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** {@link Heap#dependentArena()}: shared arenas that end no later than their heap. */
class DependentArenaTest {
    @Test
    void dependentArenasCloseWithTheHeapAndAreForgottenWhenClosedFirst() {
        Heap heap = Heap.reserve(1 << 16);
        for (int i = 0; i < 10_000; i++) {
            heap.dependentArena().close();
        }
        assertEquals(0, heap.openDependentArenas(), "closed arenas are not kept");
        Arena open = heap.dependentArena();
        MemorySegment native_ = open.allocate(64);
        heap.sbrk(64);
        MemorySegment bound = heap.slice(heap.start(), 64).reinterpret(open, null);
        assertEquals(1, heap.openDependentArenas());
        heap.close();
        assertFalse(open.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> bound.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> native_.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, open::close, "already closed by its heap");
        assertThrows(IllegalStateException.class, heap::dependentArena, "no arena over a closed heap");
        assertEquals(0, heap.openDependentArenas());
    }

    @Test
    void slicesBoundToADependentArenaDieWithItAndOnlyItsOwnHeapsArenasAreAccepted() {
        try (Heap heap = Heap.reserve(1 << 16); Heap other = Heap.reserve(1 << 16); Arena confined = Arena.ofConfined()) {
            heap.sbrk(64);
            Arena open = heap.dependentArena();
            MemorySegment s = heap.slice(heap.start(), 64, open);
            s.set(ValueLayout.JAVA_LONG, 8, 42);
            assertEquals(42, heap.getLong(heap.start() + 8));
            assertEquals(heap.memory().address() + heap.start(), s.address());
            assertThrows(IllegalArgumentException.class, () -> heap.slice(heap.start(), 64, confined), "not a dependent arena");
            Arena foreign = other.dependentArena();
            assertThrows(IllegalArgumentException.class, () -> heap.slice(heap.start(), 64, foreign), "another heap's arena");
            assertThrows(IndexOutOfBoundsException.class, () -> heap.slice(heap.limit() - 8, 64, open));
            open.close();
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        }
    }
}
