package org.jalloc.threadcache;

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

import org.jalloc.core.walk.Inspection;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/**
 * A live block's bytes are the caller's: whatever they hold, the block can be freed, its size asked and it can be
 * resized; a block that is free is refused as a double free. The free marker ({@code address ^ FREE_TAG} at
 * {@code address + 8}, read from {@link ThreadCacheAllocator#FREE_TAG}) is the bait: bytes holding it, saved from
 * the block while it was free and written back after it came back, or crafted, must not make a live block look
 * free. Every path: the implicit cache, an explicit handle, a virtual thread (no cache), remote frees.
 */
class FalseDoubleFreeTest {
    private static final int[] SIZES = {16, 48, 64, 256, 4096, 40960};

    private static ThreadCacheAllocator create() {
        return ThreadCacheAllocator.builder().arenas(2).build(Heap.reserve(16 << 20));
    }

    private static long marker(long p) {
        return p ^ ThreadCacheAllocator.FREE_TAG;
    }

    /**
     * Saves the bytes of a block while it is free (a checkpoint of the region, say), gets the same address back and
     * restores them: the block holds the marker again, yet it is live and must be freed.
     */
    @Test
    void bytesSavedWhileFreeAndRestoredIntoTheLiveBlockDoNotMakeItFree() {
        try (ThreadCacheAllocator a = create()) {
            for (int size : SIZES) {
                long p = a.malloc(size);
                Inspection.of(a).heap().fill(p, size, (byte) 0x5a);
                a.free(p);
                byte[] saved = Inspection.of(a).heap().memory().asSlice(p, size).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(marker(p), Inspection.of(a).heap().getLong(p + 8), "the saved bytes hold the marker");
                List<Long> others = new ArrayList<>();
                long q;
                while ((q = a.malloc(size)) != p) {
                    assertNotEquals(0, q, "the block comes back before the heap is full");
                    others.add(q);
                }
                MemorySegment.copy(saved, 0, Inspection.of(a).heap().memory(), ValueLayout.JAVA_BYTE, p, size);
                assertEquals(size <= 256 * 1024 ? SizeClasses.size(SizeClasses.classOf(size)) : size, a.usableSize(p));
                assertTrue(a.tryExpand(p, size));
                assertEquals(p, a.realloc(p, size));
                a.free(p); // the fix: a live block, not a double free
                byte[] before = Inspection.of(a).heap().snapshot();
                assertThrows(DoubleFreeException.class, () -> a.free(p), "a real double free is still one");
                assertThrows(DoubleFreeException.class, () -> a.usableSize(p));
                assertThrows(DoubleFreeException.class, () -> a.realloc(p, size + 1));
                assertThrows(DoubleFreeException.class, () -> a.tryExpand(p, size));
                assertArrayEquals(before, Inspection.of(a).heap().snapshot(), "refusals change nothing");
                others.forEach(a::free);
                Quiescent.check(a, List.of());
            }
            a.detach();
            Quiescent.check(a, List.of());
        }
    }

    /** Crafted data: the marker written into a live block's payload, on every path that frees. */
    @Test
    void theMarkerWrittenIntoALiveBlockIsData() throws Exception {
        try (ThreadCacheAllocator a = create()) {
            List<Long> live = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                long p = a.malloc(16 + 16 * (i % 20));
                Inspection.of(a).heap().putLong(p + 8, marker(p));
                live.add(p);
            }
            Quiescent.check(a, live); // the checker sees them live too
            ThreadCache handle = a.newCache();
            List<Long> kept = new ArrayList<>();
            for (int i = 0; i < live.size(); i++) {
                long p = live.get(i);
                switch (i % 3) {
                    case 0 -> a.free(p);
                    case 1 -> a.free(handle, p);
                    default -> {
                        assertEquals(p, a.realloc(handle, p, a.usableSize(p)));
                        kept.add(p);
                    }
                }
            }
            Quiescent.check(a, kept);
            Thread other = Thread.ofPlatform().start(() -> kept.forEach(a::free)); // remote frees
            other.join();
            for (long p : kept) {
                assertThrows(DoubleFreeException.class, () -> a.free(p));
            }
            long v;
            try (var virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                v = virtual.submit(() -> {
                    long p = a.malloc(96);
                    Inspection.of(a).heap().putLong(p + 8, marker(p));
                    a.free(p); // a virtual thread: into a striped cache (scavenge() below flushes it)
                    return p;
                }).get();
            }
            assertThrows(DoubleFreeException.class, () -> a.free(v));
            a.detach(handle);
            a.detach();
            a.scavenge();
            Quiescent.check(a, List.of());
            assertEquals(a.stats().heapBytes(), a.stats().freeBytes());
        }
    }
}
