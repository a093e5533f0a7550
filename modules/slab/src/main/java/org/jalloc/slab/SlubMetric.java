package org.jalloc.slab;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * SLUB's statistics (section {@code slub}): settings, per-thread active slabs, the partial lists and the page layer.
 *
 * @param arenas                 node arenas (partial lists)
 * @param emptySlabLimit         empty slabs each arena keeps per cache
 * @param hardened               whether free pointers are stored obfuscated
 * @param merge                  whether caches of one size are merged
 * @param threadsWithActiveSlabs threads holding an active slab
 * @param partialSlabs           slabs on the partial lists
 * @param emptySlabsKept         empty slabs kept on them
 * @param slabsCreated           slabs made
 * @param slabsDestroyed         slabs returned to the page allocator
 * @param largeBlocks            live blocks above the largest cache (whole page runs)
 * @param largeBytes             their bytes
 * @param largeAllocations       large allocations so far
 * @param reclaims               dead threads' active slabs reclaimed
 */
public record SlubMetric(long arenas, long emptySlabLimit, boolean hardened, boolean merge, long threadsWithActiveSlabs,
                         long partialSlabs, long emptySlabsKept, long slabsCreated, long slabsDestroyed, long largeBlocks,
                         long largeBytes, long largeAllocations, long reclaims) implements AllocatorMetric {
    @Override
    public String section() {
        return "slub";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("arenas", arenas);
        sink.value("emptySlabLimit", emptySlabLimit);
        sink.value("hardened", hardened);
        sink.value("merge", merge);
        sink.value("threadsWithActiveSlabs", threadsWithActiveSlabs);
        sink.value("partialSlabs", partialSlabs);
        sink.value("emptySlabsKept", emptySlabsKept);
        sink.value("slabsCreated", slabsCreated);
        sink.value("slabsDestroyed", slabsDestroyed);
        sink.value("largeBlocks", largeBlocks);
        sink.value("largeBytes", largeBytes);
        sink.value("largeAllocations", largeAllocations);
        sink.value("reclaims", reclaims);
    }
}
