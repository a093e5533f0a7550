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

    /**
     * The library defaults (branch mx45): a lone cache may hold 4 MiB (tcmalloc's per-thread maximum), two caches
     * 2 MiB each, as the old 2 MiB limit with its 4 MiB budget gave them; setting only the per-thread limit keeps the
     * budget at twice it.
     */
    @Test
    void theDefaultsGiveALoneCacheFourMiBWithinAFourMiBBudget() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            assertEquals(4L << 20, a.caches.cacheLimit);
            assertEquals(4L << 20, a.caches.budget);
            ThreadCache one = a.newCache();
            assertEquals(4L << 20, a.caches.share(), "alone: the whole budget");
            ThreadCache two = a.newCache();
            assertEquals(2L << 20, a.caches.share(), "two caches: 2 MiB each, as before");
            a.detach(two);
            a.detach(one);
        }
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).threadCacheBytes(1 << 20))) {
            assertEquals(2L << 20, a.caches.budget, "the limit set alone: the budget is twice it");
            List<ThreadCache> four = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                four.add(a.newCache());
            }
            assertEquals(512 << 10, a.caches.share());
            four.forEach(a::detach);
        }
    }

    /**
     * A cache event returns half the low-water mark of its list, rounded up (it returned 3/4 until branch mx45), and
     * a list left idle still drains to nothing; the checker agrees at every step.
     */
    @Test
    void aCacheEventReturnsHalfTheLowWaterMarkAndAnIdleListDrains() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            ThreadCache c = a.newCache();
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                blocks.add(a.malloc(c, 64));
            }
            blocks.forEach(p -> a.free(c, p));
            int n = c.count(C64);
            assertTrue(n >= 60 && n <= SizeClasses.maxCached(C64), "cached " + n);
            for (int events = 0; c.count(C64) > 0; events++) {
                assertTrue(events < 10, "an idle list drains in a few events");
                int before = c.count(C64);
                c.lowWater(C64, before); // untouched since its last event: the whole list is below the mark
                c.gcCursor = C64;
                a.caches.collect(c);
                assertEquals(before - (before + 1) / 2, c.count(C64), "half of " + before + ", rounded up, went back");
                assertEquals(c.count(C64), c.lowWater(C64), "the mark restarts at the list's length");
                Quiescent.check(a, List.of());
            }
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
