package org.jalloc.boundarytag;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The boundary-tag allocators' statistics (section {@code boundary-tag} or {@code tlsf}): the work done and the free
 * lists (bins) with their lengths.
 *
 * @param section             {@code boundary-tag} (segregated lists) or {@code tlsf}
 * @param policy              the free-block index's policy
 * @param footers             {@code free-only} or {@code all}
 * @param allocations         successful allocations
 * @param frees               frees
 * @param splits              blocks split on allocation
 * @param coalescesWithLeft   merges with the left neighbour
 * @param coalescesWithRight  merges with the right neighbour
 * @param heapExtensions      times the break moved
 * @param reallocGrowsInPlace reallocs grown into the free right neighbour
 * @param reallocGrowsAtBreak reallocs grown by moving the break
 * @param reallocShrinks      reallocs shrunk in place
 * @param searchStepsMean     blocks examined per search (segregated lists only)
 * @param searchStepsMax      the most blocks one search examined (segregated lists only)
 * @param flBitmap            TLSF's first-level bitmap, in hex (TLSF only)
 * @param bins                every free list (TLSF: the non-empty ones) with its length
 * @param table               the bins as {@code ./jalloc stats} prints them
 */
public record BoundaryTagMetric(String section, String policy, String footers, long allocations, long frees, long splits,
                                long coalescesWithLeft, long coalescesWithRight, long heapExtensions,
                                long reallocGrowsInPlace, long reallocGrowsAtBreak, long reallocShrinks,
                                OptionalDouble searchStepsMean, OptionalLong searchStepsMax, Optional<String> flBitmap,
                                long lists, List<Bin> bins, String table) implements AllocatorMetric {

    /**
     * One free list.
     *
     * @param list   its name ({@code class 3 [256, 512)}, {@code fl 8 sl 3 [...]})
     * @param blocks free blocks on it
     */
    public record Bin(String list, long blocks) {}

    public BoundaryTagMetric {
        bins = List.copyOf(bins);
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("policy", policy);
        sink.value("footers", footers);
        sink.value("allocations", allocations);
        sink.value("frees", frees);
        sink.value("splits", splits);
        sink.value("coalescesWithLeft", coalescesWithLeft);
        sink.value("coalescesWithRight", coalescesWithRight);
        sink.value("heapExtensions", heapExtensions);
        sink.value("reallocGrowsInPlace", reallocGrowsInPlace);
        sink.value("reallocGrowsAtBreak", reallocGrowsAtBreak);
        sink.value("reallocShrinks", reallocShrinks);
        searchStepsMean.ifPresent(v -> sink.value("searchStepsMean", v));
        searchStepsMax.ifPresent(v -> sink.value("searchStepsMax", v));
        flBitmap.ifPresent(v -> sink.value("flBitmap", v));
        sink.value("lists", lists);
        sink.group("listLengths", g -> bins.forEach(b -> g.value(b.list(), b.blocks())));
    }
}
