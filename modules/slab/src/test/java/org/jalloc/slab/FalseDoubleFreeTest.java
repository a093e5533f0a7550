package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.LongUnaryOperator;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A live object's bytes are the caller's: whatever they hold, the object can be freed (without the F flag as with
 * it), and an object that is free or a round in a magazine is refused as a double free. The bait is the on-slab free
 * marker ({@code slot ^ FREE_TAG} at {@code slot + markerOffset}, inside the object for caches without constructor
 * and poisoning, read from {@link SlabCache#FREE_TAG} and the cache's geometry): bytes holding it, saved from the
 * object while it was free and written back after it came back, or crafted. kmalloc with and without magazines, a
 * cache of one's own, a virtual thread (no magazines), remote frees.
 */
class FalseDoubleFreeTest {
    private static SlabAllocator create(boolean magazines) {
        return SlabAllocator.builder().magazines(magazines).build(Heap.reserve(16 << 20));
    }

    private static long markerAddress(SlabCache c, long obj) {
        return obj - c.g.redLeft() + c.g.markerOffset();
    }

    private static long marker(SlabCache c, long obj) {
        return (obj - c.g.redLeft()) ^ SlabLayer.FREE_TAG;
    }

    private static void assertClean(SlabAllocator slab, List<Long> live) {
        assertClean(slab, live, slab::usableSize);
    }

    /** The full checker against the objects the test holds (objects of caches of one's own need their usable size). */
    private static void assertClean(SlabAllocator slab, List<Long> live, LongUnaryOperator usable) {
        LiveBlocks shadow = new LiveBlocks();
        live.forEach(p -> shadow.put(p, 1, 0));
        List<Violation> v = new HeapChecker().check(Inspection.of(slab).heapWalk(), shadow, usable);
        assertTrue(v.isEmpty(), v::toString);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void bytesSavedWhileFreeAndRestoredIntoTheLiveObjectDoNotMakeItFree(boolean magazines) {
        try (SlabAllocator slab = create(magazines)) {
            for (int size : new int[] {16, 64, 96, 256}) {
                SlabCache c = slab.kmallocCache(size);
                long p = slab.malloc(size);
                Inspection.of(slab).heap().fill(p, size, (byte) 0x5a);
                slab.free(p);
                byte[] saved = Inspection.of(slab).heap().memory().asSlice(p, size).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(marker(c, p), Inspection.of(slab).heap().getLong(markerAddress(c, p)), "the saved bytes hold the marker");
                List<Long> others = new ArrayList<>();
                long q;
                while ((q = slab.malloc(size)) != p) {
                    assertNotEquals(0, q, "the object comes back before the heap is full");
                    others.add(q);
                }
                MemorySegment.copy(saved, 0, Inspection.of(slab).heap().memory(), ValueLayout.JAVA_BYTE, p, size);
                assertEquals(c.usableSize(), slab.usableSize(p));
                assertTrue(slab.tryExpand(p, size));
                assertEquals(p, slab.realloc(p, size));
                slab.free(p); // a live object, not a double free
                byte[] before = Inspection.of(slab).heap().snapshot();
                assertThrows(DoubleFreeException.class, () -> slab.free(p), "a real double free is still one");
                assertThrows(DoubleFreeException.class, () -> slab.usableSize(p));
                assertThrows(DoubleFreeException.class, () -> slab.realloc(p, size + 1));
                assertArrayEquals(before, Inspection.of(slab).heap().snapshot(), "refusals change nothing");
                others.forEach(slab::free);
                assertClean(slab, List.of());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "F", "U", "FU"})
    void theMarkerWrittenIntoALiveObjectIsData(String debug) throws Exception {
        try (SlabAllocator slab = create(true)) {
            SlabCache own = slab.newCache("crafted", 40).debug(debug).emptySlabLimit(100).build(); // slabs stay: a second free is a double free
            assertTrue(own.g.markerOffset() < own.g.redLeft() + own.usableSize(), "the marker lies inside the object");
            List<Long> objects = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                long p = own.alloc();
                Inspection.of(slab).heap().putLong(markerAddress(own, p), marker(own, p));
                objects.add(p);
            }
            List<Long> kmalloced = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                long p = slab.malloc(16 + 16 * (i % 12));
                SlabCache c = slab.kmallocCache(16 + 16 * (i % 12));
                Inspection.of(slab).heap().putLong(markerAddress(c, p), marker(c, p));
                kmalloced.add(p);
            }
            List<Long> all = new ArrayList<>(objects);
            all.addAll(kmalloced);
            assertClean(slab, all, p -> objects.contains(p) ? own.usableSize() : slab.usableSize(p)); // the walk sees them live
            List<Long> kept = new ArrayList<>();
            for (int i = 0; i < objects.size(); i++) {
                if (i % 2 == 0) {
                    own.free(objects.get(i));
                } else {
                    kept.add(objects.get(i));
                }
            }
            for (int i = 0; i < kmalloced.size(); i += 2) {
                slab.free(kmalloced.get(i));
            }
            Thread other = Thread.ofPlatform().start(() -> {
                kept.forEach(own::free); // remote frees into another thread's magazines
                for (int i = 1; i < kmalloced.size(); i += 2) {
                    slab.free(kmalloced.get(i));
                }
            });
            other.join();
            for (long p : objects) {
                assertThrows(DoubleFreeException.class, () -> own.free(p));
            }
            for (long p : kmalloced) {
                assertThrows(DoubleFreeException.class, () -> slab.free(p));
            }
            long v;
            try (var virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                v = virtual.submit(() -> {
                    long p = own.alloc();
                    Inspection.of(slab).heap().putLong(markerAddress(own, p), marker(own, p));
                    own.free(p); // no magazines: the slab layer directly
                    return p;
                }).get();
            }
            assertThrows(DoubleFreeException.class, () -> own.free(v));
            slab.scavenge();
            slab.detach();
            assertClean(slab, List.of());
        }
    }
}
