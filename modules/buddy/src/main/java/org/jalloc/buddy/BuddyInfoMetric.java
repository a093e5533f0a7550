package org.jalloc.buddy;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * {@code /proc/buddyinfo} for a buddy heap (section {@code buddyinfo}): free blocks per order per zone.
 *
 * @param zone   the zone name ({@code Normal})
 * @param orders orders per row
 * @param table  the rows, as Linux prints them
 */
public record BuddyInfoMetric(String zone, int orders, String table) implements AllocatorMetric {
    @Override
    public String section() {
        return "buddyinfo";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("zone", zone);
        sink.value("orders", orders);
    }
}
