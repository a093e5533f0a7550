package org.jalloc.slab;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The slab layer's statistics (section {@code slab}): settings, the magazine layer, the slab layer, large blocks and
 * maintenance.
 *
 * @param debug                the kmalloc caches' debug flags ({@code -} for none)
 * @param magazines            {@code on} or {@code off}
 * @param magazineResize       {@code on} or {@code off}: magazines grow under depot contention
 * @param emptySlabLimit       empty slabs each cache keeps
 * @param threadsWithMagazines threads holding magazines
 * @param roundsInMagazines    objects (rounds) held in threads' magazines
 * @param roundsInDepots       rounds held in the depots' full magazines
 * @param magazinesAllocated   magazines made
 * @param depotExchanges       magazines exchanged with a depot
 * @param depotContentions     depot lock acquisitions that found the lock taken
 * @param magazineResizes      magazine size increases
 * @param slabLayerOps         allocations and frees that reached the slab layer
 * @param slabsCreated         slabs made
 * @param slabsDestroyed       slabs returned to the page allocator
 * @param constructorCalls     object constructor calls
 * @param destructorCalls      object destructor calls
 * @param largeBlocks          live blocks served as buddy pages
 * @param largeBytes           their bytes
 * @param largeAllocations     large allocations so far
 * @param reclaims             reclaim passes (memory pressure)
 * @param scavenges            scavenger passes
 * @param deadThreadsReclaimed dead threads whose magazines were taken back
 * @param threadsDetached      threads detached explicitly
 */
public record SlabMetric(String debug, String magazines, String magazineResize, long emptySlabLimit,
                         long threadsWithMagazines, long roundsInMagazines, long roundsInDepots, long magazinesAllocated,
                         long depotExchanges, long depotContentions, long magazineResizes, long slabLayerOps, long slabsCreated, long slabsDestroyed, long constructorCalls,
                         long destructorCalls, long largeBlocks, long largeBytes, long largeAllocations, long reclaims,
                         long scavenges, long deadThreadsReclaimed, long threadsDetached) implements AllocatorMetric {
    @Override
    public String section() {
        return "slab";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("debug", debug);
        sink.value("magazines", magazines);
        sink.value("magazineResize", magazineResize);
        sink.value("emptySlabLimit", emptySlabLimit);
        sink.value("threadsWithMagazines", threadsWithMagazines);
        sink.value("roundsInMagazines", roundsInMagazines);
        sink.value("roundsInDepots", roundsInDepots);
        sink.value("magazinesAllocated", magazinesAllocated);
        sink.value("depotExchanges", depotExchanges);
        sink.value("depotContentions", depotContentions);
        sink.value("magazineResizes", magazineResizes);
        sink.value("slabLayerOps", slabLayerOps);
        sink.value("slabsCreated", slabsCreated);
        sink.value("slabsDestroyed", slabsDestroyed);
        sink.value("constructorCalls", constructorCalls);
        sink.value("destructorCalls", destructorCalls);
        sink.value("largeBlocks", largeBlocks);
        sink.value("largeBytes", largeBytes);
        sink.value("largeAllocations", largeAllocations);
        sink.value("reclaims", reclaims);
        sink.value("scavenges", scavenges);
        sink.value("deadThreadsReclaimed", deadThreadsReclaimed);
        sink.value("threadsDetached", threadsDetached);
    }
}
