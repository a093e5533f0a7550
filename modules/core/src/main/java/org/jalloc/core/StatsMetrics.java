package org.jalloc.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place the observability tools (JMX today) turn {@link AllocatorStats} into named numbers: the schema's
 * figures, then every numeric value of every {@link StatsSection} as {@code section.key}. When statistics become typed
 * metrics ({@code AllocatorStats.metrics()}, issue 16), this class maps those instead and the MBean stays as it is.
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
        for (StatsSection section : s.sections()) {
            section.values().forEach((k, v) -> {
                if (v instanceof Double || v instanceof Float) {
                    m.put(section.name() + "." + k, ((Number) v).doubleValue());
                } else if (v instanceof Number n) {
                    m.put(section.name() + "." + k, n.longValue());
                }
            });
        }
        return m;
    }
}
