package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scenarios users of jemalloc, tcmalloc, mimalloc and Netty report as bugs, each checked with the full heap
 * checker (HEAP-1..8, TC-1..7) at the end: a consumer that only frees; a thread pool that grows and shrinks; sizes
 * on both sides of every class boundary; aligned blocks next to their neighbours.
 */
class ThreadCacheScenarioTest {
    private final Heap heap = Heap.reserve(64 << 20);
    private final ThreadCacheAllocator allocator = ThreadCacheAllocator.builder().arenas(2).clock(ThreadCacheAllocator.Clock.OPS)
            .decay(20_000).build(heap);

    @AfterEach
    void close() {
        allocator.close();
    }

    @Test
    void aConsumerThatOnlyFreesGivesTheMemoryBackForReuse() throws Exception {
        BlockingQueue<Long> queue = new ArrayBlockingQueue<>(1024);
        final long poison = -1;
        Thread consumer = Thread.ofPlatform().name("consumer").start(() -> {
            try {
                for (long p; (p = queue.take()) != poison; ) {
                    allocator.free(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long afterFirstRound = 0;
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 20_000; i++) {
                queue.put(allocator.malloc(64 + (i % 5) * 16L));
            }
            if (round == 0) {
                afterFirstRound = heap.brk();
            }
        }
        queue.put(poison);
        consumer.join();
        // 400,000 blocks of up to 128 B went through; the heap stayed near what one round needed.
        assertTrue(heap.brk() - heap.start() <= 2 * (afterFirstRound - heap.start()) + (8L << 20),
                "heap grew to " + heap.brk() + " (after one round " + afterFirstRound + ")");
        allocator.scavenge(); // the consumer has ended: its cache is reclaimed
        assertEquals(1, allocator.caches.deadCachesReclaimed, "the consumer's cache");
        allocator.detach();
        Quiescent.check(allocator, List.of());
        assertEquals(heap.brk() - heap.start(), allocator.stats().freeBytes(), "everything is free again");
    }

    @Test
    void aThreadPoolThatGrowsAndShrinksStrandsNoMemory() throws Exception {
        for (int wave = 0; wave < 3; wave++) {
            int threads = 24;
            CountDownLatch done = new CountDownLatch(threads);
            List<Thread> pool = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                pool.add(Thread.ofPlatform().start(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 3000; i++) {
                        mine.add(allocator.malloc(16 + (i * 37L + seed) % 2000));
                        if (i % 3 == 0) {
                            allocator.free(mine.remove(mine.size() / 2));
                        }
                    }
                    mine.forEach(allocator::free); // everything freed, much of it into this thread's cache
                    done.countDown();
                }));
            }
            done.await();
            for (Thread t : pool) {
                t.join();
            }
        }
        allocator.scavenge();
        assertEquals(72, allocator.caches.deadCachesReclaimed, "every dead thread's cache was reclaimed");
        assertTrue(allocator.cacheSnapshot().isEmpty());
        Quiescent.check(allocator, List.of());
        allocator.releaseFreeMemory();
        var stats = allocator.stats();
        assertEquals(stats.heapBytes(), stats.freeBytes(), "no block stranded: the whole heap is free");
        assertEquals(1, stats.freeBlocks(), "and coalesced into one span");
    }

    @Test
    void sizesOnBothSidesOfEveryClassBoundary() {
        CheckedAllocator checked = new CheckedAllocator(allocator);
        List<Long> blocks = new ArrayList<>();
        for (int c = 1; c < SizeClasses.COUNT; c++) {
            long size = SizeClasses.size(c);
            for (long n : new long[] {size - 1, size, size + 1}) {
                long p = checked.malloc(n);
                assertNotEquals(0, p, "malloc(" + n + ")");
                long expected = n <= SizeClasses.MAX_SMALL ? SizeClasses.size(SizeClasses.classFor(n)) : 65 * Heap.PAGE_SIZE;
                assertEquals(expected, checked.usableSize(p), "malloc(" + n + ")");
                blocks.add(p);
            }
        }
        checked.verifyAll();
        blocks.forEach(checked::free);
        checked.verifyAll();
    }

    @Test
    void alignedBlocksNeverOverlapTheirNeighbours() {
        CheckedAllocator checked = new CheckedAllocator(allocator);
        List<Long> blocks = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (long alignment = 32; alignment <= (1 << 20); alignment <<= 1) {
                for (long size : new long[] {1, 48, 1000, 5000, 70_000, 300_000}) {
                    blocks.add(checked.malloc(size / 3 + 1));
                    long p = checked.alignedAlloc(alignment, size);
                    assertEquals(0, (heap.memory().address() + p) % alignment);
                    blocks.add(p); // the checker proves the tiling (HEAP-1) and that no live block overlaps another (HEAP-5)
                }
            }
            for (int i = round % 2; i < blocks.size(); i += 2) {
                checked.free(blocks.get(i));
                blocks.set(i, 0L);
            }
            blocks.removeIf(p -> p == 0);
        }
        blocks.forEach(checked::free);
        checked.verifyAll();
    }
}
