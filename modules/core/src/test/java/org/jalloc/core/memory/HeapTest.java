package org.jalloc.core.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

class HeapTest {
    @Test
    void sbrkMovesTheBreakWithinTheReservation() {
        try (Heap heap = Heap.reserve(64 << 10)) {
            assertEquals(Heap.PAGE_SIZE, heap.start());
            assertEquals(heap.start(), heap.brk());
            assertEquals(64 << 10, heap.capacity());
            assertEquals(heap.start(), heap.sbrk(100));
            assertEquals(heap.start() + 100, heap.brk());
            assertEquals(-1, heap.sbrk(64 << 10), "beyond the reservation");
            assertEquals(heap.start() + 100, heap.brk(), "a failed sbrk changes nothing");
            assertEquals(heap.start() + 100, heap.sbrk(-50));
            assertEquals(heap.start() + 100, heap.highWater());
            assertEquals(-1, heap.sbrk(-1000), "never below the start");
            heap.reset();
            assertEquals(heap.start(), heap.brk());
            assertEquals(heap.start(), heap.highWater());
        }
    }

    @Test
    void theBaseIsAlignedToTheReservationSoHeapAlignmentIsRealAlignment() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            assertTrue(heap.baseAlignment() >= 2 << 20, "base aligned to the power of two covering the reservation");
            assertEquals(0, heap.memory().address() % (1 << 20));
        }
        try (Heap heap = Heap.reserveInArena(64 << 10)) {
            assertTrue(heap.baseAlignment() >= 128 << 10);
        }
    }

    @Test
    void mmapIsUsedWhenNativeAccessIsGranted() {
        try (Heap heap = Heap.reserve(1L << 30)) {
            assertEquals(Libc.available(), heap.isMmapBacked(), Libc.unavailableReason());
        }
    }

    @Test
    void releaseZeroesWholePagesAndCountsThem() {
        for (Heap heap : new Heap[] {Heap.reserve(1 << 20), Heap.reserveInArena(1 << 20)}) {
            try (heap) {
                heap.sbrk(5 * Heap.PAGE_SIZE);
                heap.fill(heap.start(), 5 * Heap.PAGE_SIZE, (byte) 0x7F);
                long released = heap.release(heap.start() + 100, 3 * Heap.PAGE_SIZE);
                assertEquals(2 * Heap.PAGE_SIZE, released, "only whole pages inside the range");
                assertEquals(0, heap.getByte(heap.start() + Heap.PAGE_SIZE));
                assertEquals(0x7F, heap.getByte(heap.start() + 100));
                assertEquals(0x7F, heap.getByte(heap.start() + 3 * Heap.PAGE_SIZE + 100));
                assertEquals(2 * Heap.PAGE_SIZE, heap.releasedBytes());
            }
        }
    }

    @Test
    void accessorsAndAddressMapping() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            heap.sbrk(4096);
            long a = heap.start() + 24;
            heap.putLong(a, -2);
            heap.putInt(a + 8, 7);
            assertEquals(-2, heap.getLong(a));
            assertEquals(7, heap.getInt(a + 8));
            heap.copy(a, a + 4, 12);
            assertEquals(-2, heap.getInt(a + 4));
            assertEquals(a, heap.addressOf(heap.slice(a, 16)));
            assertEquals(-1, heap.addressOf(java.lang.foreign.MemorySegment.ofArray(new byte[4])));
            assertEquals(heap.brk(), heap.snapshot().length);
        }
    }

    @Test
    void closingInvalidatesViews() {
        Heap heap = Heap.reserve(1 << 16);
        heap.sbrk(64);
        var view = heap.slice(heap.start(), 64);
        heap.close();
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
        heap.close(); // idempotent
    }

    @Test
    void sizesMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> Heap.reserve(0));
        assertThrows(IllegalArgumentException.class, () -> Heap.reserve(-5));
    }
}
