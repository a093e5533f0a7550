package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/**
 * Issue 22's memory levers: the overall thread-cache budget divided among the registered caches, and the slow-start
 * refill. Checked with the full heap checker (TC-5 included) at quiescent points.
 */
class ThreadCacheBudgetTest {
    private static final int C64 = SizeClasses.classOf(64);

    private static ThreadCacheAllocator create(ThreadCacheAllocator.Builder b) {
        return b.build(Heap.reserve(64 << 20));
    }

    /** Runs one cache event on {@code c} (its slow path adopts the current share). */
    private static void runToEvent(ThreadCacheAllocator a, ThreadCache c) {
        for (int i = 0; i < ThreadCache.EVENT_INTERVAL; i++) {
            a.free(c, a.malloc(c, 16));
        }
    }

    @Test
    void theBudgetIsDividedAmongTheCachesAndReturnsWhenTheyGo() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).threadCacheBytes(2 << 20)
                .threadCacheBudget(2 << 20))) {
            ThreadCache one = a.newCache();
            assertEquals(2 << 20, a.caches.share(), "alone: the whole per-thread limit (= the budget)");
            runToEvent(a, one);
            assertEquals(2 << 20, one.limitBytes);
            List<ThreadCache> more = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                more.add(a.newCache());
            }
            assertEquals(512 << 10, a.caches.share(), "four caches: a quarter of the budget each");
            assertEquals(2 << 20, one.limitBytes, "one write per rebalance: no other cache is touched");
            runToEvent(a, one);
            assertEquals(512 << 10, one.limitBytes, "adopted at its next cache event");
            for (ThreadCache c : more) {
                runToEvent(a, c);
                assertEquals(512 << 10, c.limitBytes);
            }
            for (int i = 0; i < 8; i++) {
                more.add(a.newCache());
            }
            assertEquals(ThreadCaches.MIN_SHARE, a.caches.share(), "never below one largest block");
            runToEvent(a, one);
            assertEquals(ThreadCaches.MIN_SHARE, one.limitBytes);
            for (ThreadCache c : more) {
                a.detach(c);
            }
            assertEquals(2 << 20, a.caches.share(), "detached caches give their share back");
            runToEvent(a, one);
            assertEquals(2 << 20, one.limitBytes);
            a.detach(one);
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void aCacheOverItsNewShareShrinksAtItsNextEventAndTheCheckerAgrees() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).threadCacheBytes(2 << 20)
                .threadCacheBudget(4 << 20))) {
            ThreadCache one = a.newCache();
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                blocks.add(a.malloc(one, 2048 + (i % 9) * 256)); // nine classes, 2-4 KiB
            }
            blocks.forEach(p -> a.free(one, p)); // about 1.8 MB freed into the cache: within its 2 MiB share
            long before = one.cachedBytes();
            assertTrue(before > (1 << 20), "the cache holds what was freed: " + before);
            List<ThreadCache> more = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                more.add(a.newCache()); // 8 caches: 512 KiB each
            }
            assertEquals(512 << 10, a.caches.share());
            assertEquals(before, one.cachedBytes(), "nothing changes until the owner runs");
            Quiescent.check(a, List.of()); // TC-5 bounds a cache by its configured limit, not by its moving share
            runToEvent(a, one);
            assertEquals(512 << 10, one.limitBytes);
            assertTrue(one.cachedBytes() <= one.limitBytes, "shrunk at its cache event: " + one.cachedBytes());
            Quiescent.check(a, List.of());
            more.forEach(a::detach);
            a.detach(one);
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void aNewCacheRefillsOneBlockThenOneMoreEachTimeUpToTheBatch() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            ThreadCache c = a.newCache();
            List<Long> live = new ArrayList<>();
            live.add(a.malloc(c, 64)); // refill of 1: nothing left cached
            assertEquals(0, c.count(C64));
            live.add(a.malloc(c, 64)); // refill of 2: one left
            assertEquals(1, c.count(C64));
            live.add(a.malloc(c, 64));
            live.add(a.malloc(c, 64)); // refill of 3: two left
            assertEquals(2, c.count(C64));
            Quiescent.check(a, live);
            for (int i = 0; i < 2000; i++) {
                live.add(a.malloc(c, 64));
            }
            assertEquals(SizeClasses.batch(C64), c.fill(C64), "the refill grows to the batch and stops there");
            Quiescent.check(a, live);
            live.forEach(p -> a.free(c, p));
            a.detach(c);
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void aBudgetBelowTheSmallestCacheIsRefusedWithAClearMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ThreadCacheAllocator.builder().threadCacheBudget(4096));
        assertTrue(e.getMessage().contains("thread cache budget must be at least"), e.getMessage());
    }
}
