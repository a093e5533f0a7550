package org.jalloc.stack;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The arena's statistics (section {@code arena}).
 *
 * @param chunk          bytes the arena's break moves at a time
 * @param committedBytes bytes below the break
 * @param usedBytes      bytes below the bump pointer
 * @param deadBytes      bytes of freed blocks below the top, waiting for the blocks above them
 * @param deadBlocks     those blocks
 * @param marksOpen      marks taken and not yet released
 */
public record ArenaMetric(long chunk, long committedBytes, long usedBytes, long deadBytes, long deadBlocks, long marksOpen)
        implements AllocatorMetric {
    @Override
    public String section() {
        return "arena";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("chunk", chunk);
        sink.value("committedBytes", committedBytes);
        sink.value("usedBytes", usedBytes);
        sink.value("deadBytes", deadBytes);
        sink.value("deadBlocks", deadBlocks);
        sink.value("marksOpen", marksOpen);
    }
}
