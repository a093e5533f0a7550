package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.trace.OpRunner;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.junit.jupiter.api.Test;

/**
 * Explicit cache handles and their misuse, virtual threads, detach, decay, and byte-for-byte reproduction with one
 * arena and the operation clock. Checked with the full heap checker (HEAP-1..8, TC-1..7) at quiescent points.
 */
class ThreadCacheBehaviourTest {
    private static ThreadCacheAllocator create(ThreadCacheAllocator.Builder b) {
        return b.build(Heap.reserve(16 << 20));
    }

    @Test
    void explicitHandlesAllocateFreeAndReallocWithoutTheThreadLocal() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(2))) {
            ThreadCache one = a.newCache();
            ThreadCache two = a.newCache();
            assertNotEquals(one.arena(), two.arena(), "round-robin arenas");
            List<Long> live = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                live.add(a.malloc(one, 16 + i % 300));
            }
            for (int i = 0; i < live.size(); i += 2) {
                a.free(two, live.get(i)); // remote frees into the other arena's cache
                live.set(i, 0L);
            }
            live.removeIf(p -> p == 0);
            long p = a.realloc(one, live.remove(0), 5000);
            live.add(p);
            assertTrue(a.usableSize(p) >= 5000);
            Quiescent.check(a, live);
            a.detach(two); // its blocks go home through arena 0's remote stacks
            Quiescent.check(a, live);
            a.scavenge();
            Quiescent.check(a, live);
            live.forEach(q -> a.free(one, q));
            a.detach(one);
            Quiescent.check(a, List.of());
            assertEquals(a.stats().heapBytes(), a.stats().freeBytes());
        }
    }

    /**
     * Remote-stack blocks a refill finds go straight to the refilling cache: the producer gets the consumer's frees back
     * without their span being emptied, returned to the page heap and carved again (issue 22, rptest and xmalloc).
     */
    @Test
    void aRefillTakesTheRemoteStackStraightIntoTheCacheWithoutRecyclingTheSpan() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(2))) {
            ThreadCache producer = a.newCache();
            ThreadCache consumer = a.newCache();
            assertEquals(0, producer.arena());
            int cls = SizeClasses.classFor(20_000);
            assertEquals(1, SizeClasses.BLOCKS[cls], "one block per span: a span whose block comes home is empty");
            List<Long> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // refills of 1 and 2 (slow start): the cache ends empty, the next refill wants 3
                sent.add(a.malloc(producer, 20_000));
            }
            assertEquals(0, producer.count(cls));
            assertEquals(3, producer.fill(cls));
            sent.forEach(p -> a.free(consumer, p));
            a.detach(consumer); // one chain onto arena 0's remote stack
            CentralList home = a.central[0][cls];
            assertTrue(home.hasRemote());
            Quiescent.check(a, List.of());
            long taken = home.spansTaken;
            long returned = home.spansReturned;
            long p = a.malloc(producer, 20_000);
            assertTrue(sent.contains(p), "a block the consumer freed");
            assertEquals(2, producer.count(cls), "the other two wait in the cache");
            assertFalse(home.hasRemote(), "the refill took the whole stack");
            assertEquals(returned, home.spansReturned, "no span emptied: none returned to the page heap");
            assertEquals(taken, home.spansTaken, "and none carved again");
            Quiescent.check(a, List.of(p));
            a.free(producer, p);
            a.detach(producer);
            Quiescent.check(a, List.of());
            assertEquals(a.stats().heapBytes(), a.stats().freeBytes());
        }
    }

    @Test
    void aDetachedOrForeignCacheIsMisuseAndChangesNothing() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1));
             ThreadCacheAllocator other = create(ThreadCacheAllocator.builder().arenas(1))) {
            ThreadCache c = a.newCache();
            long p = a.malloc(c, 64);
            a.detach(c);
            byte[] before = Inspection.of(a).heap().snapshot();
            assertThrows(CacheMisuseException.class, () -> a.malloc(c, 64));
            assertThrows(CacheMisuseException.class, () -> a.free(c, p));
            assertThrows(CacheMisuseException.class, () -> a.detach(c));
            ThreadCache foreign = other.newCache();
            assertThrows(CacheMisuseException.class, () -> a.malloc(foreign, 64));
            assertThrows(CacheMisuseException.class, () -> a.free(foreign, p));
            assertArrayEquals(before, Inspection.of(a).heap().snapshot());
            Quiescent.check(a, List.of(p));
            a.free(p);
            assertThrows(DoubleFreeException.class, () -> a.free(p));
        }
    }

    @Test
    void aDetachedOrForeignHandleIsNamedAsSuch() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1));
             ThreadCacheAllocator other = create(ThreadCacheAllocator.builder().arenas(1))) {
            ThreadCache c = a.newCache();
            ThreadCache foreign = other.newCache();
            long p = a.malloc(c, 64);
            assertTrue(assertThrows(CacheMisuseException.class, () -> a.malloc(foreign, 64)).getMessage().contains("belongs to another allocator"));
            assertTrue(assertThrows(CacheMisuseException.class, () -> a.free(foreign, p)).getMessage().contains("belongs to another allocator"));
            a.detach(c);
            assertTrue(assertThrows(CacheMisuseException.class, () -> a.malloc(c, 64)).getMessage().contains("is detached"));
            assertTrue(assertThrows(CacheMisuseException.class, () -> a.free(c, p)).getMessage().contains("is detached"));
            other.detach(foreign);
            assertTrue(assertThrows(CacheMisuseException.class, () -> a.free(foreign, p)).getMessage().contains("belongs to another allocator"),
                    "a detached handle of another allocator is still another allocator's");
            a.free(p);
        }
    }

    /** The handle's malloc screens the size with one unsigned compare: every edge behaves as the allocator's malloc. */
    @Test
    void theHandlesMallocKeepsEverySizeEdge() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            ThreadCache c = a.newCache();
            long capacity = Inspection.of(a).heap().capacity();
            byte[] before = Inspection.of(a).heap().snapshot();
            assertThrows(InvalidSizeException.class, () -> a.malloc(c, -1));
            assertThrows(InvalidSizeException.class, () -> a.malloc(c, Long.MIN_VALUE));
            assertEquals(0, a.malloc(c, capacity + 1));
            assertEquals(0, a.malloc(c, Long.MAX_VALUE));
            assertArrayEquals(before, Inspection.of(a).heap().snapshot(), "a refused size changes nothing");
            List<Long> live = new ArrayList<>();
            for (long size : new long[] {0, 1, 15, 16, 17, 1023, 1024, 1025, 1152, 1153, SizeClasses.MAX_SMALL - 1,
                    SizeClasses.MAX_SMALL, SizeClasses.MAX_SMALL + 1}) {
                long p = a.malloc(c, size);
                long q = a.malloc(size);
                assertNotEquals(0, p, "size " + size);
                assertEquals(a.usableSize(q), a.usableSize(p), "size " + size + ": the handle's block is the allocator's");
                assertTrue(a.usableSize(p) >= size);
                live.add(p);
                live.add(q);
            }
            Quiescent.check(a, live);
            live.forEach(p -> a.free(c, p));
            a.detach(c);
            Quiescent.check(a, List.of());
        }
    }

    /** Below 256 KiB of capacity the handle's one compare is against the capacity: a size above it is 0, not a block. */
    @Test
    void aHeapSmallerThanTheSmallLimitRefusesWhatItCannotHold() {
        try (ThreadCacheAllocator a = ThreadCacheAllocator.builder().arenas(1).build(Heap.reserve(64 << 10))) {
            ThreadCache c = a.newCache();
            long capacity = Inspection.of(a).heap().capacity();
            assertTrue(capacity < SizeClasses.MAX_SMALL, "capacity " + capacity);
            assertEquals(0, a.malloc(c, capacity + 1));
            assertEquals(0, a.malloc(capacity + 1));
            long p = a.malloc(c, 1000);
            assertNotEquals(0, p);
            a.free(c, p);
            a.detach(c);
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void anotherThreadsImplicitCacheCannotBeDetachedFromOutside() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            Thread t = Thread.ofPlatform().start(() -> a.free(a.malloc(32)));
            t.join();
            a.malloc(16); // this thread's cache
            ThreadCache mine = a.cacheSnapshot().stream().filter(c -> c.owner == Thread.currentThread()).findFirst().orElseThrow();
            Thread u = Thread.ofPlatform().unstarted(() -> assertThrows(CacheMisuseException.class, () -> a.detach(mine)));
            u.start();
            u.join();
            a.detach(mine);
        }
    }

    /** Eight virtual threads: 500 mallocs each, every other block freed, one LARGE block; returns the live blocks. */
    private static List<Long> virtualWorkload(ThreadCacheAllocator a) throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(executor.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        mine.add(a.malloc(24 + i % 700));
                    }
                    List<Long> kept = new ArrayList<>();
                    for (int i = 0; i < mine.size(); i++) {
                        if (i % 2 == 0) {
                            a.free(mine.get(i));
                        } else {
                            kept.add(mine.get(i));
                        }
                    }
                    long aligned = a.alignedAlloc(256, 1000);
                    assertEquals(0, aligned % 256);
                    kept.add(aligned);
                    kept.add(a.malloc(400_000));
                    return kept;
                }));
            }
            List<Long> live = new ArrayList<>();
            for (var r : results) {
                live.addAll(r.get());
            }
            return live;
        }
    }

    @Test
    void virtualThreadsCacheInStripedCachesThatTheCheckerSees() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(2).virtualThreadStripes(4))) {
            List<Long> live = virtualWorkload(a);
            List<ThreadCache> caches = a.cacheSnapshot();
            assertFalse(caches.isEmpty(), "virtual threads' calls went through striped caches");
            int stripes = 0;
            int promoted = 0;
            long cached = 0;
            for (ThreadCache c : caches) {
                Thread owner = c.owner;
                if (owner == null) {
                    assertTrue(c.stripe >= 0, c + " is a stripe's cache");
                    stripes++;
                } else {
                    assertTrue(owner.isVirtual() && c.stripe < 0, c + " is a promoted virtual thread's cache");
                    promoted++;
                }
                cached += c.cachedBytes();
            }
            assertTrue(stripes >= 1 && stripes <= 4, "at most one cache per stripe: " + caches);
            assertTrue(promoted <= 8, "at most twice the stripes promoted at once: " + caches);
            assertTrue(cached > 0, "freed blocks sit in the stripes' caches");
            Quiescent.check(a, live); // HEAP-3/HEAP-5, TC-3, TC-5 with the stripes' blocks counted as cached
            for (long p : live) {
                a.free(p);
            }
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void withoutStripesVirtualThreadsTakeTheArenaPath() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(2).virtualThreadStripes(0))) {
            List<Long> live = virtualWorkload(a);
            assertTrue(a.uncachedOps.get() > 0);
            assertTrue(a.cacheSnapshot().isEmpty(), "no stripes: virtual threads make no caches");
            Quiescent.check(a, live);
        }
    }

    @Test
    void aHeldStripeSendsAVirtualThreadToTheArenaPathAndItsReleaseLetsItBack() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).virtualThreadStripes(1))) {
            ThreadCache held = a.stripes.claim(); // this (platform) thread holds the only stripe
            assertTrue(held != null && held.stripe == 0);
            long p = onVirtualThread(() -> a.malloc(64));
            assertEquals(1, a.uncachedOps.get(), "the stripe was held: the arena path");
            assertEquals(0, held.cachedBytes());
            a.stripes.release(held);
            onVirtualThread(() -> {
                a.free(p);
                return 0L;
            });
            assertEquals(1, a.uncachedOps.get(), "the stripe was free: cached");
            assertEquals(64, held.cachedBytes(), "the freed block sits in the stripe's cache");
            assertEquals(p, onVirtualThread(() -> a.malloc(64)), "LIFO through the stripe");
            Quiescent.check(a, List.of(p));
            a.free(p);
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void theMaintenancePassFlushesStripesIdleSinceThePreviousPass() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).clock(ThreadCacheAllocator.Clock.OPS).decay(2000)
                .virtualThreadStripes(2))) {
            a.caches.maxVirtualCaches = 0; // stripes alone: no virtual thread promoted to a cache of its own
            List<Long> live = virtualWorkload(a);
            assertTrue(stripeBytes(a) > 0);
            // This platform thread's cache events drive the ops clock: one pass per event (an epoch is 100 ops); the
            // first pass records each stripe's activity, the next finds the stripes idle and flushes them.
            for (int i = 0; i < 4 * ThreadCache.EVENT_INTERVAL; i++) {
                a.free(a.malloc(64));
            }
            assertEquals(0, stripeBytes(a), "idle stripes flushed by the periodic pass");
            Quiescent.check(a, live);
            List<Long> after = new ArrayList<>(live);
            after.add(onVirtualThread(() -> a.malloc(32))); // a flushed stripe refills as any cache
            Quiescent.check(a, after);
        }
    }

    @Test
    void scavengeFlushesEveryStripeAtOnce() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(2).virtualThreadStripes(4))) {
            List<Long> live = virtualWorkload(a);
            assertTrue(stripeBytes(a) > 0);
            a.scavenge();
            assertEquals(0, stripeBytes(a));
            Quiescent.check(a, live);
        }
    }

    private static long stripeBytes(ThreadCacheAllocator a) {
        return a.cacheSnapshot().stream().filter(c -> c.stripe >= 0).mapToLong(ThreadCache::cachedBytes).sum();
    }

    private static long onVirtualThread(java.util.concurrent.Callable<Long> task) throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            return executor.submit(task).get();
        }
    }

    @Test
    void decayReturnsFreePagesToTheOsOverTheClock() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).clock(ThreadCacheAllocator.Clock.OPS).decay(2000))) {
            long big = a.malloc(4 << 20);
            Inspection.of(a).heap().fill(big, 4 << 20, (byte) 1);
            a.free(big);
            assertEquals(1024, a.pageHeap.dirtyPages, "freed, not yet returned");
            for (int i = 0; i < 20_000; i++) {
                a.free(a.malloc(32));
            }
            assertTrue(a.pageHeap.dirtyPages < 1024, "decay purged some pages: " + a.pageHeap.dirtyPages);
            assertTrue(Inspection.of(a).heap().releasedBytes() > 0);
            a.releaseFreeMemory();
            assertEquals(0, a.pageHeap.dirtyPages);
            assertEquals(0, Inspection.of(a).heap().getByte(big + 12345), "returned pages read as zero");
            Quiescent.check(a, List.of());
        }
    }

    @Test
    void decayZeroReturnsPagesAtOnce() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1).decay(0))) {
            long big = a.malloc(1 << 20);
            Inspection.of(a).heap().fill(big, 1 << 20, (byte) 1);
            a.free(big);
            assertEquals(0, a.pageHeap.dirtyPages);
            assertTrue(Inspection.of(a).heap().releasedBytes() >= (1 << 20));
        }
    }

    @Test
    void oneArenaAndTheOpClockReproduceByteForByte() {
        Trace trace = TraceGenerator.generate("full-api", 20_000, 9);
        byte[][] heaps = new byte[2][];
        String[] stats = new String[2];
        for (int run = 0; run < 2; run++) {
            Allocator a = AllocatorFactory.of("thread-cache:decay=500", 16 << 20).create(Heap.reserve(16 << 20));
            try (a) {
                OpRunner runner = new OpRunner(trace.numIds());
                trace.ops().forEach(op -> runner.apply(a, op));
                heaps[run] = Inspection.of(a).heap().snapshot();
                stats[run] = a.stats().toString();
            }
        }
        assertArrayEquals(heaps[0], heaps[1]);
        assertEquals(stats[0], stats[1]);
    }

    @Test
    void detachReturnsTheCallingThreadsCache() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                blocks.add(a.malloc(100));
            }
            blocks.forEach(a::free);
            assertEquals(1, a.cacheSnapshot().size());
            assertTrue(a.cacheSnapshot().get(0).cachedBytes() > 0);
            a.detach();
            assertTrue(a.cacheSnapshot().isEmpty());
            Quiescent.check(a, List.of());
            assertEquals(a.stats().heapBytes(), a.stats().freeBytes());
            // The next call starts a new cache: the detached one is not found again through the lookup hint.
            long p = a.malloc(100);
            assertEquals(1, a.cacheSnapshot().size());
            assertFalse(a.cacheSnapshot().get(0).isDetached());
            a.free(p);
            a.detach();
            Quiescent.check(a, List.of());
        }
    }

    /**
     * Detaching the calling thread's own implicit cache through {@code detach(ThreadCache)} forgets it as completely
     * as {@code detach()} does: later mallocs and frees on the thread go to a new cache, never into the detached one
     * (where the checker would find blocks in no list: HEAP-3, TC-3). Every operation after the detach runs through
     * {@link CheckedAllocator}, which walks the whole heap after each one.
     */
    @Test
    void detachingTheOwnImplicitCacheByHandleLeavesNoWayBackIntoIt() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            CheckedAllocator checked = new CheckedAllocator(a);
            checked.free(checked.malloc(64)); // this thread's implicit cache now exists and holds a block
            ThreadCache mine = ownImplicitCache(a);
            a.detach(mine);
            assertTrue(mine.isDetached());
            List<Long> live = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                live.add(checked.malloc(16 + 48 * (i % 7)));
            }
            for (int i = 0; i < live.size(); i += 2) {
                checked.free(live.get(i));
            }
            checked.verifyAll();
            assertEquals(0, mine.cachedBytes(), "the detached cache holds nothing");
            assertThrows(CacheMisuseException.class, () -> a.detach(mine));
            for (int i = 1; i < live.size(); i += 2) {
                checked.free(live.get(i));
            }
            a.detach();
            checked.verifyAll();
            assertEquals(a.stats().heapBytes(), a.stats().freeBytes());
        }
    }

    /** The calling thread's implicit cache (no public accessor: the implicit cache is found by the thread). */
    private static ThreadCache ownImplicitCache(ThreadCacheAllocator a) {
        return a.cacheSnapshot().stream().filter(c -> c.owner == Thread.currentThread()).findFirst().orElseThrow();
    }

    /**
     * The O(1) block-start screen (a divisibility test by one multiplication) refuses every offset that is not a block
     * start, the span's tail included, for the first eight classes whose spans have a tail, and changes nothing.
     */
    @Test
    void addressesInsideBlocksOrInASpansTailAreNotBlockStarts() {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            int tested = 0;
            for (int c = 1; c < SizeClasses.COUNT && tested < 8; c++) {
                long size = SizeClasses.size(c);
                long end = SizeClasses.blocksPerSpan(c) * size;
                long spanBytes = SizeClasses.pagesPerSpan(c) * Heap.PAGE_SIZE;
                if (end == spanBytes || size > 64 << 10) {
                    continue; // no tail, or spans too large for this small heap
                }
                long p = a.malloc(size);
                long start = a.pageHeap.map.get(p >>> SizeClasses.PAGE_SHIFT).start;
                // inside a block; the first and the last 16-aligned address of the tail
                for (long bad : new long[] {p + 16, start + end, start + spanBytes - 16}) {
                    String what = "class " + c + " offset " + (bad - start);
                    assertThrows(InvalidPointerException.class, () -> a.free(bad), what);
                }
                Quiescent.check(a, List.of(p));
                a.free(p);
                tested++;
            }
            assertTrue(tested > 0, "some class has a span tail");
            a.detach();
            Quiescent.check(a, List.of());
        }
    }

    /** Two live threads whose ids share a slot of the cache-lookup hint each keep using their own cache. */
    @Test
    void threadsSharingAHintSlotKeepTheirOwnCaches() throws Exception {
        try (ThreadCacheAllocator a = create(ThreadCacheAllocator.builder().arenas(1))) {
            CyclicBarrier step = new CyclicBarrier(2);
            long[] got = new long[4];
            Thread first = Thread.ofPlatform().unstarted(() -> lockstep(a, step, got, 0));
            Thread second;
            do {
                second = Thread.ofPlatform().unstarted(() -> lockstep(a, step, got, 1));
            } while ((second.threadId() - first.threadId()) % ThreadCacheAllocator.RECENT_SLOTS != 0);
            first.start();
            second.start();
            first.join();
            second.join();
            for (long p : got) {
                assertNotEquals(0, p, "every turn ran");
            }
            assertNotEquals(got[0], got[1], "two caches, two blocks");
            assertEquals(got[0], got[2], "the first thread's LIFO cache gives its own block back");
            assertEquals(got[1], got[3], "the second thread's LIFO cache gives its own block back");
            Quiescent.check(a, List.of());
            assertEquals(a.stats().heapBytes(), a.stats().freeBytes());
        }
    }

    /**
     * Turns of two threads: each mallocs and frees a 64-byte block, then mallocs again; finally both detach. A turn
     * that fails times the other thread's wait out, so the test fails instead of hanging.
     */
    private static void lockstep(ThreadCacheAllocator a, CyclicBarrier step, long[] got, int me) {
        try {
            for (int round = 0; round < 2; round++) {
                for (int turn = 0; turn < 2; turn++) {
                    if (turn == me) {
                        long p = a.malloc(64);
                        got[2 * round + me] = p;
                        a.free(p);
                    }
                    step.await(10, TimeUnit.SECONDS);
                }
            }
            a.detach();
            step.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
