package org.jalloc.slab;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The page allocator under a slab allocator (section {@code buddyinfo}): its page size, largest order, free bytes, and
 * {@code /proc/buddyinfo}.
 *
 * @param pageSize  bytes per page (4096)
 * @param maxOrder  the largest order
 * @param freeBytes bytes in free page blocks
 * @param table     the free blocks per order, as Linux prints them
 */
public record SlabPagesMetric(long pageSize, int maxOrder, long freeBytes, String table) implements AllocatorMetric {
    @Override
    public String section() {
        return "buddyinfo";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("pageSize", pageSize);
        sink.value("maxOrder", maxOrder);
        sink.value("freeBytes", freeBytes);
    }
}
