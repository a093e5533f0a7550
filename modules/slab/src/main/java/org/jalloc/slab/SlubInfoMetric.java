package org.jalloc.slab;

import java.util.List;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * {@code /proc/slabinfo} for SLUB (section {@code slabinfo}): totals over its kmalloc caches, one typed row per cache,
 * and the rows as Linux prints them.
 *
 * @param caches        caches
 * @param activeObjects objects in use
 * @param objects       objects in slabs, in use or not
 * @param slabs         slabs
 * @param slabBytes     bytes of pages held by slabs
 * @param rows          one row per cache, largest first (as printed)
 * @param table         {@code slabinfo - version: 2.1} and its rows
 */
public record SlubInfoMetric(long caches, long activeObjects, long objects, long slabs, long slabBytes, List<Row> rows,
                             String table) implements AllocatorMetric {
    public SlubInfoMetric {
        rows = List.copyOf(rows);
    }

    /**
     * One cache.
     *
     * @param name           {@code kmalloc-64}, ...
     * @param activeObjects  objects in use
     * @param objects        objects in its slabs
     * @param objectSize     bytes of each object
     * @param objectsPerSlab objects one slab holds
     * @param pagesPerSlab   pages of one slab
     * @param activeSlabs    slabs with an object in use
     * @param slabs          slabs
     */
    public record Row(String name, long activeObjects, long objects, long objectSize, long objectsPerSlab,
                      long pagesPerSlab, long activeSlabs, long slabs) {}

    @Override
    public String section() {
        return "slabinfo";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("caches", caches);
        sink.value("activeObjects", activeObjects);
        sink.value("objects", objects);
        sink.value("slabs", slabs);
        sink.value("slabBytes", slabBytes);
    }
}
