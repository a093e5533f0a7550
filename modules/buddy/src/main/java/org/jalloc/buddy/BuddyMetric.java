package org.jalloc.buddy;

import java.util.List;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The buddy allocator's statistics (section {@code buddy}): counters, internal fragmentation, and per order the free
 * blocks with Linux's unusable-free-space and fragmentation indexes.
 *
 * @param minBlock              the order-0 block in bytes
 * @param maxOrder              the largest order
 * @param zones                 zones (contiguous runs of address space)
 * @param allocations           blocks allocated
 * @param frees                 blocks freed
 * @param splits                blocks split in two
 * @param merges                buddies merged
 * @param heapGrowths           times the break moved
 * @param inPlaceGrowths        reallocs grown in place by absorbing free buddies
 * @param requestedBytes        bytes requested over live blocks
 * @param grantedBytes          block bytes over live blocks
 * @param internalFragmentation {@code 1 - requestedBytes / grantedBytes}
 * @param orders                one row per order, 0 to {@code maxOrder}
 * @param table                 the orders as {@code ./jalloc stats} prints them
 */
public record BuddyMetric(long minBlock, int maxOrder, int zones, long allocations, long frees, long splits, long merges,
                          long heapGrowths, long inPlaceGrowths, long requestedBytes, long grantedBytes,
                          double internalFragmentation, List<Order> orders, String table) implements AllocatorMetric {

    /**
     * One order.
     *
     * @param order                  k
     * @param blockBytes             {@code minBlock << k}
     * @param freeBlocks             free blocks of this order
     * @param unusableFreeSpaceIndex free bytes in blocks too small for an order-k request, over free bytes
     * @param fragmentationIndex     Linux's extfrag index for an order-k request
     */
    public record Order(int order, long blockBytes, long freeBlocks, double unusableFreeSpaceIndex,
                        double fragmentationIndex) {}

    public BuddyMetric {
        orders = List.copyOf(orders);
    }

    @Override
    public String section() {
        return "buddy";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("minBlock", minBlock);
        sink.value("maxOrder", maxOrder);
        sink.value("zones", zones);
        sink.value("allocations", allocations);
        sink.value("frees", frees);
        sink.value("splits", splits);
        sink.value("merges", merges);
        sink.value("heapGrowths", heapGrowths);
        sink.value("inPlaceGrowths", inPlaceGrowths);
        sink.value("requestedBytes", requestedBytes);
        sink.value("grantedBytes", grantedBytes);
        sink.value("internalFragmentation", internalFragmentation);
        sink.longs("freeBlocks", orders.stream().map(Order::freeBlocks).toList());
        sink.doubles("unusableFreeSpaceIndex", orders.stream().map(Order::unusableFreeSpaceIndex).toList());
        sink.doubles("fragmentationIndex", orders.stream().map(Order::fragmentationIndex).toList());
    }
}
