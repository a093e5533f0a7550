package org.jalloc.stack;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The pool's statistics (section {@code pool}).
 *
 * @param objectSize     bytes of every object
 * @param objects        objects made at construction
 * @param live           objects handed out now
 * @param peakLive       the most objects handed out at once
 * @param neverHandedOut objects above the watermark, never handed out yet
 */
public record PoolMetric(long objectSize, long objects, long live, long peakLive, long neverHandedOut)
        implements AllocatorMetric {
    @Override
    public String section() {
        return "pool";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("objectSize", objectSize);
        sink.value("objects", objects);
        sink.value("live", live);
        sink.value("peakLive", peakLive);
        sink.value("neverHandedOut", neverHandedOut);
    }
}
