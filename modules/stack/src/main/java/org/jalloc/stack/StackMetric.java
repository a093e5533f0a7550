package org.jalloc.stack;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The stack's statistics (section {@code stack}).
 *
 * @param capacity      bytes between the limit and the base
 * @param usedBytes     bytes from the stack pointer up to the base
 * @param peakUsedBytes the most bytes ever in use
 * @param framesOpen    frames pushed and not yet popped
 * @param guardPage     whether the page below the limit is a protected guard page
 */
public record StackMetric(long capacity, long usedBytes, long peakUsedBytes, long framesOpen, boolean guardPage)
        implements AllocatorMetric {
    @Override
    public String section() {
        return "stack";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("capacity", capacity);
        sink.value("usedBytes", usedBytes);
        sink.value("peakUsedBytes", peakUsedBytes);
        sink.value("framesOpen", framesOpen);
        sink.value("guardPage", guardPage);
    }
}
