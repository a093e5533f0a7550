package org.jalloc.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/**
 * Lifetimes of the FFM views ({@link Allocator#segment}, {@link Allocator#asSegmentAllocator},
 * {@link Allocator#asArena}) and {@code AllocatorArena.close()}: after the allocator closes every view throws
 * {@link IllegalStateException} (never a crash, never a write into memory mapped later); after {@code free} a view
 * still reads the heap; an arena's segments die with the arena or the heap, whichever ends first.
 */
class ViewLifetimeTest {
    private static final long HEAP = 1 << 20;

    private static void assertDead(MemorySegment s) {
        assertFalse(s.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        assertThrows(IllegalStateException.class, () -> s.fill((byte) 2));
    }

    @Test
    void arenaSegmentsThrowOnceTheirAllocatorIsClosed() {
        Allocator a = new BumpAllocator(Heap.reserve(HEAP));
        Arena arena = a.asArena();
        MemorySegment s = arena.allocate(100);
        s.set(ValueLayout.JAVA_BYTE, 99, (byte) 9);
        a.close();
        assertDead(s); // today's main: SIGSEGV, the segment's confined scope outlived the unmapped heap
        assertThrows(IllegalStateException.class, () -> arena.allocate(16), "the arena closed with its heap");
        IllegalStateException again = assertThrows(IllegalStateException.class, arena::close, "Arena.close: already closed");
        assertTrue(again.getMessage().contains("heap"), again.getMessage());
    }

    @Test
    void anOldArenaSegmentNeverReachesAHeapMappedAfterItsOwnWasClosed() {
        List<MemorySegment> old = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Allocator a = new BumpAllocator(Heap.reserve(HEAP));
            old.add(a.asArena().allocate(4096));
            a.close();
        }
        try (Heap fresh = Heap.reserve(HEAP)) { // likely at the address one of the closed heaps had
            fresh.sbrk(64 << 10);
            fresh.fill(fresh.start(), 64 << 10, (byte) 0x5A);
            byte[] before = fresh.snapshot();
            for (MemorySegment s : old) {
                assertDead(s);
            }
            assertArrayEquals(before, fresh.snapshot());
        }
    }

    @Test
    void everyViewThrowsOnceTheAllocatorIsClosed() {
        Allocator a = new BumpAllocator(Heap.reserve(HEAP));
        TrackingAllocator tracking = Allocators.tracking(a);
        MemorySegment slice = a.segment(a.malloc(64));
        MemorySegment fromSegmentAllocator = a.asSegmentAllocator().allocate(32);
        MemorySegment fromDecorator = tracking.asArena().allocate(48);
        MemorySegment whole = a.heap().memory();
        a.close();
        for (MemorySegment s : List.of(slice, fromSegmentAllocator, fromDecorator, whole)) {
            assertDead(s);
        }
        assertThrows(IllegalStateException.class, a::asArena, "no arena over a closed heap");
    }

    @Test
    void viewsOutliveFreeAndReadTheHeap() {
        try (Allocator a = new BumpAllocator(Heap.reserve(HEAP))) {
            long p = a.malloc(64);
            MemorySegment view = a.segment(p);
            MemorySegment fromSa = a.asSegmentAllocator().allocate(64);
            view.fill((byte) 3);
            a.free(p);
            a.free(a.offsetOf(fromSa));
            // Documented: nothing detects use after free through a plain view; it reads (and writes) the heap.
            assertEquals(3, view.get(ValueLayout.JAVA_BYTE, 0));
            view.set(ValueLayout.JAVA_BYTE, 1, (byte) 4);
            assertEquals(4, a.heap().getByte(p + 1));
            fromSa.set(ValueLayout.JAVA_BYTE, 0, (byte) 5);
            assertEquals(5, a.heap().getByte(a.offsetOf(fromSa)));
            assertThrows(DoubleFreeException.class, () -> a.segment(p), "segment() itself asks usableSize");
        }
    }

    @Test
    void arenaSegmentsDieWithTheirArena() {
        try (Allocator a = new BumpAllocator(Heap.reserve(HEAP))) {
            MemorySegment s;
            try (Arena arena = a.asArena()) {
                s = arena.allocate(64, 64);
                assertEquals(0, s.address() % 64);
                assertEquals(1, ((BumpAllocator) a).liveBlocks());
            }
            assertDead(s);
            assertEquals(0, ((BumpAllocator) a).liveBlocks());
        }
    }

    @Test
    void closeFreesEveryBlockEvenWhenSomeFailAndReportsThemAll() {
        try (Allocator a = new BumpAllocator(Heap.reserve(HEAP))) {
            BumpAllocator bump = (BumpAllocator) a;
            Arena arena = a.asArena();
            List<MemorySegment> segments = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                segments.add(arena.allocate(40));
            }
            a.free(a.offsetOf(segments.get(1))); // misuse: the arena's blocks are the arena's to free
            a.free(a.offsetOf(segments.get(4)));
            RuntimeException e = assertThrows(RuntimeException.class, arena::close);
            assertInstanceOf(DoubleFreeException.class, e);
            assertEquals(1, e.getSuppressed().length, "one exception, the others suppressed");
            assertInstanceOf(DoubleFreeException.class, e.getSuppressed()[0]);
            assertEquals(0, bump.liveBlocks(), "every other block was freed");
            assertFalse(arena.scope().isAlive());
            segments.forEach(ViewLifetimeTest::assertDead);
            assertThrows(IllegalStateException.class, arena::close, "closed once, consistently");
            assertThrows(IllegalStateException.class, () -> arena.allocate(8));
        }
    }

    @Test
    void arenaSegmentsAreSharedButTheArenaBelongsToItsCreator() throws Exception {
        try (Allocator a = new BumpAllocator(Heap.reserve(HEAP))) {
            Arena arena = a.asArena();
            MemorySegment s = arena.allocate(16);
            // Segments: any thread may read and write them (as every view of the heap).
            onOtherThread(x -> s.set(ValueLayout.JAVA_LONG, 0, 0x1234L));
            assertEquals(0x1234L, s.get(ValueLayout.JAVA_LONG, 0));
            // The arena itself: allocate and close belong to the creating thread (its block list is unsynchronized).
            assertInstanceOf(WrongThreadException.class, failureOnOtherThread(x -> arena.allocate(8)));
            assertInstanceOf(WrongThreadException.class, failureOnOtherThread(x -> arena.close()));
            assertTrue(s.scope().isAlive());
            arena.close();
            assertDead(s);
        }
    }

    @Test
    void closingTheAllocatorFromAnotherThreadKillsTheArenasSegments() throws Exception {
        Allocator a = new BumpAllocator(Heap.reserve(HEAP));
        Arena arena = a.asArena();
        MemorySegment s = arena.allocate(16);
        onOtherThread(x -> a.close());
        assertDead(s);
        assertThrows(IllegalStateException.class, arena::close);
    }

    @Test
    void resettingTheHeapClosesItsArenas() {
        try (Heap heap = Heap.reserve(HEAP)) {
            Allocator first = new BumpAllocator(heap);
            MemorySegment s = first.asArena().allocate(64);
            heap.reset(); // the next allocator over this heap will hand out the same addresses
            assertDead(s);
            Allocator second = new BumpAllocator(heap);
            assertEquals(first.heap().start(), second.malloc(64));
        }
    }

    private static void onOtherThread(Consumer<Void> body) throws Exception {
        CompletableFuture.runAsync(() -> body.accept(null), r -> new Thread(r).start()).get(30, TimeUnit.SECONDS);
    }

    private static Throwable failureOnOtherThread(Consumer<Void> body) throws Exception {
        try {
            onOtherThread(body);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure on the other thread");
    }
}
