package org.jalloc.slab;

import java.util.List;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * {@code /proc/slabinfo} for a slab allocator (section {@code slabinfo}): totals over its caches, one typed row per
 * cache, and the rows as Linux prints them.
 *
 * @param caches        caches
 * @param activeObjects objects in use
 * @param objects       objects in slabs, in use or not
 * @param activeSlabs   slabs with an object in use
 * @param slabs         slabs
 * @param slabBytes     bytes of pages held by slabs
 * @param rows          one row per cache
 * @param table         {@code slabinfo - version: 2.1} and its rows
 */
public record SlabInfoMetric(long caches, long activeObjects, long objects, long activeSlabs, long slabs, long slabBytes,
                             List<SlabCache.SlabInfoRow> rows, String table) implements AllocatorMetric {
    public SlabInfoMetric {
        rows = List.copyOf(rows);
    }

    @Override
    public String section() {
        return "slabinfo";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("caches", caches);
        sink.value("activeObjects", activeObjects);
        sink.value("objects", objects);
        sink.value("activeSlabs", activeSlabs);
        sink.value("slabs", slabs);
        sink.value("slabBytes", slabBytes);
    }
}
