package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.AllocatorFactory;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.fuzz.ConcurrentFuzz;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SLUB's mechanisms one by one, under the checker: the fast path (an active slab per thread), remote frees into
 * another thread's active slab (the remote list, taken whole by the owner), frees into a detached slab (the partial
 * list), deactivation on detach and for a dead thread, the empty-slab limit, hardened free pointers, merged caches,
 * slabinfo, and a two-thread checked fuzz with remote frees.
 */
class SlubTest {
    private final Heap heap = Heap.reserve(8L << 20);
    private final SlubAllocator slub = SlubAllocator.create("slub", heap, 1, 1, true, false);
    private final CheckedAllocator checked = new CheckedAllocator(slub);

    @AfterEach
    void close() {
        slub.close();
    }

    private static void clean(SlubAllocator a) {
        List<Violation> v = new HeapChecker().check(a.heapWalk());
        assertTrue(v.isEmpty(), v::toString);
    }

    @Test
    void theFastPathHandsOutTheActiveSlabsObjectsInOrderAndTakesFreesBackLifo() {
        long a = checked.malloc(64);
        long b = checked.malloc(64);
        assertEquals(a + 64, b, "a new slab's free list is in address order");
        checked.free(a);
        assertEquals(a, checked.malloc(64), "the cpu free list is a stack");
        SlubAllocator.Cache c = slub.cacheFor(64);
        assertEquals(64, c.objects);
        assertEquals(32, c.offset, "the free pointer sits in the middle of the object");
    }

    @Test
    void hardenedFreePointersDoNotHoldThePlainAddress() {
        long a = slub.malloc(64);
        long b = slub.malloc(64);
        slub.free(b);
        slub.free(a); // a's free pointer names b
        SlubAllocator.Cache c = slub.cacheFor(64);
        assertNotEquals(b, heap.getLong(a + c.offset));
        assertEquals(b, slub.nextFree(c, a));
        try (SlubAllocator plain = SlubAllocator.create("slub", Heap.reserve(1 << 20), 1, 2, false, false)) {
            long x = plain.malloc(64);
            long y = plain.malloc(64);
            plain.free(y);
            plain.free(x);
            assertEquals(y, plain.heap().getLong(x + plain.cacheFor(64).offset));
        }
    }

    @Test
    void mergedCachesShareOneCache() {
        try (SlubAllocator merged = SlubAllocator.create("slub", Heap.reserve(1 << 20), 1, 2, true, true)) {
            assertSame(merged.cacheFor(96), merged.cacheFor(128));
            assertSame(merged.cacheFor(192), merged.cacheFor(256));
            assertEquals(10, merged.caches.length);
            assertTrue(!merged.slabinfo().contains("kmalloc-96 "));
        }
        assertNotEquals(slub.cacheFor(96), slub.cacheFor(128));
    }

    @Test
    void aRemoteFreeGoesOnTheSlabsRemoteListAndTheOwnerTakesItWhole() throws Exception {
        SlubAllocator.Cache c = slub.cacheFor(64);
        List<Long> mine = new ArrayList<>();
        for (int i = 0; i < c.objects; i++) {
            mine.add(slub.malloc(64)); // the whole active slab
        }
        long slab = mine.get(0);
        Thread t = Thread.ofPlatform().start(() -> {
            slub.free(mine.get(3));
            slub.free(mine.get(5));
        });
        t.join();
        SlubAllocator.Chunk ch = slub.chunk(slab);
        assertEquals(mine.get(5), ch.remote[SlubAllocator.slot(slab)], "the last remote free heads the remote list");
        clean(slub);
        assertEquals(mine.get(5), slub.malloc(64), "the owner's slow path takes the remote list as its cpu free list");
        assertEquals(mine.get(3), slub.malloc(64));
        assertEquals(0, ch.remote[SlubAllocator.slot(slab)]);
        clean(slub);
    }

    @Test
    void detachDeactivatesAndFreesIntoADetachedSlabTakeTheArenaLockPath() throws Exception {
        long[] got = new long[10];
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < got.length; i++) {
                got[i] = slub.malloc(64);
            }
            slub.free(got[9]);
            slub.detach();
        });
        t.join();
        long slab = got[0];
        SlubAllocator.Chunk ch = slub.chunk(slab);
        int i = SlubAllocator.slot(slab);
        assertEquals(SlubAllocator.DETACHED, ch.remote[i]);
        assertEquals(-1, ch.owner[i]);
        assertEquals(9, ch.inuse[i]);
        assertEquals(slab, slub.arenas[0].head[slub.cacheFor(64).index], "a partial slab is on its arena's list");
        clean(slub);
        slub.free(got[0]); // a detached slab: under the arena lock
        assertEquals(8, ch.inuse[i]);
        clean(slub);
        for (int k = 1; k < 9; k++) {
            slub.free(got[k]);
        }
        clean(slub);
        assertEquals(1, slub.arenas[0].empties[slub.cacheFor(64).index], "one empty slab kept (the limit)");
    }

    @Test
    void theSlabsOfAThreadThatEndedAreDeactivatedByTheScavenger() throws Exception {
        long[] got = new long[3];
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < got.length; i++) {
                got[i] = slub.malloc(100);
            }
        });
        t.join();
        assertEquals(1, slub.registry.snapshot().size());
        slub.scavenge();
        assertEquals(0, slub.registry.snapshot().size());
        long slab = got[0];
        assertEquals(-1, slub.chunk(slab).owner[SlubAllocator.slot(slab)]);
        clean(slub);
        for (long p : got) {
            slub.free(p);
        }
        clean(slub);
    }

    @Test
    void emptySlabsBeyondTheLimitGoBackToBuddy() {
        SlubAllocator.Cache c = slub.cacheFor(2048);
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 4 * c.objects; i++) {
            all.add(checked.malloc(2000));
        }
        slub.detach();
        for (long p : all) {
            checked.free(p);
        }
        assertEquals(1, slub.arenas[0].empties[c.index]);
        long before = slub.pages.freeBytes();
        assertEquals(c.slabBytes, slub.shrink());
        assertEquals(before + c.slabBytes, slub.pages.freeBytes());
        checked.verifyAll();
    }

    @Test
    void slabinfoHasLinuxsColumns() {
        long p = checked.malloc(100);
        String info = slub.slabinfo();
        assertTrue(info.startsWith("slabinfo - version: 2.1\n# name            <active_objs> <num_objs>"), info);
        assertTrue(info.contains("kmalloc-128            1     32    128   32    1 : tunables    0    0    0 : slabdata      1      1      0"), info);
        checked.free(p);
    }

    @Test
    void twoThreadsWithRemoteFreesStayCheckedClean() {
        ConcurrentFuzz fuzz = new ConcurrentFuzz(AllocatorFactory.of("slub:arenas=2", 4L << 20), 2).opsBetweenChecks(200);
        FuzzReport r = fuzz.run(79, 40_000, null);
        assertTrue(r.failures().isEmpty(), () -> r.failures().get(0).toString());
    }
}
