package org.jalloc.freelist;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The free-list allocators' statistics (section {@code free-list}): the policy, the work done, and the free lists.
 *
 * @param placement             first-fit, next-fit, best-fit or segregated
 * @param list                  the free-block index: implicit, lifo, address, or size classes
 * @param coalescing            immediate or deferred
 * @param allocations           successful allocations
 * @param searchStepsMean       blocks examined per allocation, on average
 * @param searchStepsMax        the most blocks one allocation examined
 * @param splits                blocks split on allocation
 * @param coalesces             merges of free neighbours
 * @param leftNeighbourSteps    list steps spent finding a left neighbour (no footers)
 * @param insertSteps           list steps spent keeping an address-ordered list sorted
 * @param coalescePasses        deferred coalescing passes
 * @param freeBlocks            free blocks
 * @param freeBytes             bytes in free blocks
 * @param largestFreeBlock      the largest free block
 * @param externalFragmentation {@code 1 - largestFreeBlock / freeBytes}
 * @param table                 the free lists, as {@code ./jalloc stats} prints them
 */
public record FreeListMetric(String placement, String list, String coalescing, long allocations, double searchStepsMean,
                             long searchStepsMax, long splits, long coalesces, long leftNeighbourSteps, long insertSteps,
                             long coalescePasses, long freeBlocks, long freeBytes, long largestFreeBlock,
                             double externalFragmentation, String table) implements AllocatorMetric {
    @Override
    public String section() {
        return "free-list";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("placement", placement);
        sink.value("list", list);
        sink.value("coalescing", coalescing);
        sink.value("allocations", allocations);
        sink.value("searchStepsMean", searchStepsMean);
        sink.value("searchStepsMax", searchStepsMax);
        sink.value("splits", splits);
        sink.value("coalesces", coalesces);
        sink.value("leftNeighbourSteps", leftNeighbourSteps);
        sink.value("insertSteps", insertSteps);
        sink.value("coalescePasses", coalescePasses);
        sink.value("freeBlocks", freeBlocks);
        sink.value("freeBytes", freeBytes);
        sink.value("largestFreeBlock", largestFreeBlock);
        sink.value("externalFragmentation", externalFragmentation);
    }
}
