package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/**
 * Issue 22: a busy virtual thread is promoted from the striped caches to a cache of its own (at most twice the
 * stripes at once), reclaimed by the dead-owner sweep when the thread ends. Checked at quiescent points.
 */
class VirtualPromotionTest {
    private static ThreadCacheAllocator create(ThreadCacheAllocator.Builder b) {
        return b.build(Heap.reserve(32 << 20));
    }

    private static @Nullable ThreadCache ownCache(ThreadCacheAllocator a) {
        Thread me = Thread.currentThread();
        for (ThreadCache c : a.cacheSnapshot()) {
            if (c.owner == me) {
                return c;
            }
        }
        return null;
    }

    @Test
    void aBusyVirtualThreadGetsItsOwnCacheWhichTheSweepReclaimsWhenItEnds() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).virtualThreadStripes(2))) {
            List<Long> kept = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<@Nullable ThreadCache> early = new AtomicReference<>();
            AtomicReference<@Nullable ThreadCache> late = new AtomicReference<>();
            Thread v = Thread.ofVirtual().start(() -> {
                a.free(a.malloc(64));
                early.set(ownCache(a));
                for (int i = 0; i < 1000; i++) {
                    a.free(a.malloc(16 + i % 200));
                }
                kept.add(a.malloc(100));
                a.free(a.malloc(48)); // one block left cached in its own cache
                late.set(ownCache(a));
            });
            v.join();
            assertNull(early.get(), "a virtual thread starts on the stripes");
            ThreadCache c = late.get();
            assertNotNull(c, "promoted after " + ThreadCaches.PROMOTE_AFTER + " ops");
            assertTrue(c.isImplicit());
            assertTrue(c.cachedBytes() > 0);
            assertEquals(1, a.caches.virtualCaches.get());
            Quiescent.check(a, kept); // a dead virtual thread's cached blocks are cached blocks to the checker
            a.scavenge();
            assertTrue(c.isDetached(), "the sweep reclaimed the ended virtual thread's cache");
            assertEquals(0, a.caches.virtualCaches.get());
            Quiescent.check(a, kept);
            a.free(kept.get(0));
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void atMostTwiceTheStripesHoldACacheAtOnceAndEndedOnesMakeRoom() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).virtualThreadStripes(1))) {
            CountDownLatch busy = new CountDownLatch(4);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 3 * ThreadCaches.PROMOTE_AFTER; i++) {
                        a.free(a.malloc(32));
                    }
                    busy.countDown();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            busy.await();
            int owned = 0;
            for (ThreadCache c : a.cacheSnapshot()) {
                if (c.owner != null && c.owner.isVirtual()) {
                    owned++;
                }
            }
            assertEquals(2, owned, "two of the four busy virtual threads hold a cache (stripes = 1)");
            assertEquals(2, a.caches.virtualCaches.get());
            Quiescent.check(a, List.of());
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            AtomicReference<@Nullable ThreadCache> next = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2 * ThreadCaches.PROMOTE_AFTER; i++) {
                    a.free(a.malloc(32));
                }
                next.set(ownCache(a));
            }).join();
            assertNotNull(next.get(), "the ended threads' caches were swept to make room");
            a.scavenge();
            assertEquals(0, a.caches.virtualCaches.get());
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void aPromotedVirtualThreadDetachesItsOwnCacheAndCarriesOn() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).virtualThreadStripes(2))) {
            AtomicReference<@Nullable ThreadCache> before = new AtomicReference<>();
            AtomicReference<@Nullable ThreadCache> after = new AtomicReference<>();
            List<Long> kept = Collections.synchronizedList(new ArrayList<>());
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2 * ThreadCaches.PROMOTE_AFTER; i++) {
                    a.free(a.malloc(64));
                }
                before.set(ownCache(a));
                a.detach();
                after.set(ownCache(a));
                kept.add(a.malloc(64)); // through a stripe again
            }).join();
            ThreadCache c = before.get();
            assertNotNull(c);
            assertTrue(c.isDetached());
            assertEquals(0, c.cachedBytes());
            assertNull(after.get());
            assertEquals(0, a.caches.virtualCaches.get());
            assertFalse(kept.isEmpty());
            Quiescent.check(a, kept);
            a.free(kept.get(0));
        }
    }
}
