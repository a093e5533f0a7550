package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CyclicBarrier;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Magazines that grow (Bonwick &amp; Adams 2001, 3.6): Solaris' size steps and their slot limits, a cache whose depot
 * is contended stepping its magazine size up (shown in slabinfo's limit column), older magazines phased out, never
 * below the start size, and {@code resize=off} keeping the size.
 */
class MagazineResizeTest {
    private final Heap heap = Heap.reserve(16L << 20);
    private SlabAllocator slab = SlabAllocator.builder().build(heap);

    @AfterEach
    void close() {
        slab.close();
    }

    @Test
    void theStepsFollowSolarisMagtypesAndStopAtTheSlotLimit() {
        assertEquals(15, SlabCache.nextMagazineSize(7, 256));
        assertEquals(143, SlabCache.nextMagazineSize(95, 256));
        assertEquals(143, SlabCache.nextMagazineSize(143, 16), "143 is the largest");
        assertEquals(95, SlabCache.nextMagazineSize(95, 512), "512-byte slots stop at 95 rounds (mt_maxbuf 512)");
        assertEquals(3, SlabCache.nextMagazineSize(3, 32768), "32 KiB slots stop at 3 rounds");
    }

    private static void clean(SlabAllocator a) {
        List<Violation> v = new HeapChecker().check(a.heapWalk());
        assertTrue(v.isEmpty(), v::toString);
    }

    /**
     * Two threads hammer the depot with 64-object batches, {@code rounds} times, or until the magazine size grew when
     * {@code untilGrown} (the threads must meet in the depot, which a loaded machine may delay); returns the cache.
     */
    private SlabCache contend(SlabAllocator a, int resizeAfter, int rounds, boolean untilGrown) throws Exception {
        SlabCache c = a.newCache("batch", 256).magazineResizeAfter(resizeAfter).build();
        CyclicBarrier go = new CyclicBarrier(2);
        Runnable work = () -> {
            try {
                go.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            long[] objs = new long[64];
            for (int round = 0; round < rounds && !(untilGrown && c.magazineSize() > c.startMagazineSize()); round++) {
                for (int i = 0; i < objs.length; i++) {
                    objs[i] = c.alloc();
                }
                for (long p : objs) {
                    c.free(p);
                }
            }
            a.detach();
        };
        Thread t1 = Thread.ofPlatform().start(work);
        Thread t2 = Thread.ofPlatform().start(work);
        t1.join();
        t2.join();
        return c;
    }

    @Test
    void aContendedDepotGrowsTheMagazinesAndSlabinfoShowsIt() throws Exception {
        SlabCache c = contend(slab, 1, 1_000_000, true);
        assertEquals(7, c.startMagazineSize());
        assertTrue(c.depotContentions() > 0, "two threads exchanging 64-object batches meet in the depot");
        assertTrue(c.magazineSize() > 7, "grown: " + c.magazineSize());
        assertTrue(c.magazineResizes() >= 1);
        String row = slab.slabinfo().lines().filter(l -> l.startsWith("batch ")).findFirst().orElseThrow();
        assertTrue(row.contains(": tunables " + String.format("%4d %4d", c.magazineSize(), c.magazineSize())), row);
        clean(slab);
        slab.shrink();
        clean(slab);
        assertTrue(c.magazineSize() >= c.startMagazineSize(), "never below the start size");
    }

    @Test
    void resizeOffKeepsTheStartSize() throws Exception {
        slab.close();
        slab = SlabAllocator.builder().magazineResize(false).build(Heap.reserve(16L << 20));
        SlabCache c = contend(slab, 1, 2000, false);
        assertEquals(7, c.magazineSize());
        assertEquals(0, c.magazineResizes());
        clean(slab);
    }
}
