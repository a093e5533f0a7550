package org.jalloc.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The one place the observability tools (JMX today) turn {@link AllocatorStats} into named numbers: the schema's
 * figures, then every top-level number an {@link AllocatorMetric} describes as {@code section.name} (strings, flags,
 * per-index lists and nested groups are left out, as they were when sections were maps).
 */
final class StatsMetrics {
    private StatsMetrics() {}

    /** Name to value (a {@link Long}, {@link Double} or {@link String}), in a stable order. */
    static Map<String, Object> of(AllocatorStats s, long releasedBytes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Allocator", s.allocator());
        m.put("HeapBytes", s.heapBytes());
        m.put("ReservedBytes", s.reservedBytes());
        m.put("HighWaterBytes", s.highWaterBytes());
        m.put("LiveGrantedBytes", s.liveGrantedBytes());
        m.put("FreeBytes", s.freeBytes());
        m.put("AllocatedBlocks", s.allocatedBlocks());
        m.put("FreeBlocks", s.freeBlocks());
        m.put("LargestFreeBlock", s.largestFreeBlock());
        m.put("MetadataBytes", s.metadataBytes());
        m.put("ExternalMetadataBytes", s.externalMetadataBytes());
        m.put("ExternalFragmentation", s.externalFragmentation());
        m.put("ReleasedBytes", releasedBytes);
        for (AllocatorMetric metric : s.metrics()) {
            String prefix = metric.section() + ".";
            metric.describe(new TopLevelNumbers(prefix, m));
        }
        return m;
    }

    /** Keeps a metric's top-level longs and doubles. */
    private record TopLevelNumbers(String prefix, Map<String, Object> into) implements MetricSink {
        @Override
        public void value(String name, long value) {
            into.put(prefix + name, value);
        }

        @Override
        public void value(String name, double value) {
            into.put(prefix + name, value);
        }

        @Override
        public void value(String name, String value) {}

        @Override
        public void value(String name, boolean value) {}

        @Override
        public void longs(String name, List<Long> values) {}

        @Override
        public void doubles(String name, List<Double> values) {}

        @Override
        public void group(String name, Consumer<MetricSink> values) {}
    }
}
