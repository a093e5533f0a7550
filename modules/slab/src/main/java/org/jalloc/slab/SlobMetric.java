package org.jalloc.slab;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * SLOB's statistics (section {@code slob}): its pages on the three free lists, large blocks and the page layer.
 *
 * @param pages            4 KiB pages holding small blocks
 * @param smallListPages   pages on the list for requests below 256 bytes
 * @param mediumListPages  pages on the list for requests below 1 KiB
 * @param largeListPages   pages on the list for the rest
 * @param freeBytesInPages free bytes inside those pages
 * @param largeBlocks      live blocks of whole pages
 * @param pagesTaken       pages taken from buddy
 * @param pagesReturned    pages given back
 * @param largeAllocations large allocations so far
 * @param largeFrees       large frees so far
 * @param merges           free neighbours merged inside pages
 * @param descriptorBytes  bytes of the page descriptor table (outside the heap)
 */
public record SlobMetric(long pages, long smallListPages, long mediumListPages, long largeListPages, long freeBytesInPages,
                         long largeBlocks, long pagesTaken, long pagesReturned, long largeAllocations, long largeFrees,
                         long merges, long descriptorBytes) implements AllocatorMetric {
    @Override
    public String section() {
        return "slob";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("pages", pages);
        sink.value("smallListPages", smallListPages);
        sink.value("mediumListPages", mediumListPages);
        sink.value("largeListPages", largeListPages);
        sink.value("freeBytesInPages", freeBytesInPages);
        sink.value("largeBlocks", largeBlocks);
        sink.value("pagesTaken", pagesTaken);
        sink.value("pagesReturned", pagesReturned);
        sink.value("largeAllocations", largeAllocations);
        sink.value("largeFrees", largeFrees);
        sink.value("merges", merges);
        sink.value("descriptorBytes", descriptorBytes);
    }
}
