package org.jalloc.dense;

import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The dense allocator's statistics (section {@code dense}): its options, the work of the tagged tier and the treap,
 * and the small pages when that tier is on.
 *
 * @param options             the options it runs with
 * @param blockAllocations    tagged blocks handed out
 * @param blockFrees          tagged blocks freed
 * @param splits              blocks split on allocation
 * @param coalescesWithLeft   merges with the left neighbour
 * @param coalescesWithRight  merges with the right neighbour
 * @param heapExtensions      times the break moved
 * @param reallocGrowsInPlace reallocs grown into the next free block
 * @param reallocGrowsAtBreak reallocs of the last block grown by moving the break
 * @param reallocShrinks      reallocs shrunk in place
 * @param reservesCarved      realloc reserves placed after a moved block
 * @param reservesKept        reserves still held
 * @param freeBlocksInTree    free blocks in the treap
 * @param treeSearchStepsMean treap nodes visited per search, on average
 * @param treeSearchStepsMax  the most nodes one search visited
 * @param smallPages          the headerless small tier, or null when {@code small=0}
 */
public record DenseMetric(DenseOptions options, long blockAllocations, long blockFrees, long splits,
                          long coalescesWithLeft, long coalescesWithRight, long heapExtensions, long reallocGrowsInPlace,
                          long reallocGrowsAtBreak, long reallocShrinks, long reservesCarved, long reservesKept,
                          long freeBlocksInTree, double treeSearchStepsMean, long treeSearchStepsMax,
                          @Nullable SmallPagesMetric smallPages) implements AllocatorMetric {
    /**
     * The small tier.
     *
     * @param slotAllocations small requests served from a page
     * @param slotFrees       slots freed
     * @param pagesCreated    pages carved from the tagged heap
     * @param pagesFreed      empty pages given back to it
     * @param classes         the classes with pages, smallest slot first
     */
    public record SmallPagesMetric(long slotAllocations, long slotFrees, long pagesCreated, long pagesFreed,
                                   List<ClassRow> classes) {
        public SmallPagesMetric {
            classes = List.copyOf(classes);
        }
    }

    /**
     * One small class with pages.
     *
     * @param slotSize  bytes of each slot
     * @param pages     its pages
     * @param slots     slots in them
     * @param live      slots handed out
     * @param pageBytes bytes of its pages
     */
    public record ClassRow(long slotSize, long pages, long slots, long live, long pageBytes) {}

    @Override
    public String section() {
        return "dense";
    }

    @Override
    public void describe(MetricSink sink) {
        sink.value("small", options.small());
        sink.value("page", options.page());
        sink.value("threshold", options.threshold());
        sink.value("footers", DenseOptions.spelled(options.footers()));
        sink.value("ties", DenseOptions.spelled(options.ties()));
        sink.value("coalesce", DenseOptions.spelled(options.coalescing()));
        sink.value("realloc", DenseOptions.spelled(options.realloc()));
        sink.value("grow", DenseOptions.spelled(options.growth()));
        sink.value("blockAllocations", blockAllocations);
        sink.value("blockFrees", blockFrees);
        sink.value("splits", splits);
        sink.value("coalescesWithLeft", coalescesWithLeft);
        sink.value("coalescesWithRight", coalescesWithRight);
        sink.value("heapExtensions", heapExtensions);
        sink.value("reallocGrowsInPlace", reallocGrowsInPlace);
        sink.value("reallocGrowsAtBreak", reallocGrowsAtBreak);
        sink.value("reallocShrinks", reallocShrinks);
        sink.value("reservesCarved", reservesCarved);
        sink.value("reservesKept", reservesKept);
        sink.value("freeBlocksInTree", freeBlocksInTree);
        sink.value("treeSearchStepsMean", treeSearchStepsMean);
        sink.value("treeSearchStepsMax", treeSearchStepsMax);
        SmallPagesMetric small = smallPages;
        if (small != null) {
            sink.value("slotAllocations", small.slotAllocations());
            sink.value("slotFrees", small.slotFrees());
            sink.value("pagesCreated", small.pagesCreated());
            sink.value("pagesFreed", small.pagesFreed());
            sink.group("classes", classes -> {
                for (ClassRow c : small.classes()) {
                    classes.group(Long.toString(c.slotSize()), row -> {
                        row.value("pages", c.pages());
                        row.value("slots", c.slots());
                        row.value("live", c.live());
                        row.value("pageBytes", c.pageBytes());
                    });
                }
            });
        }
    }

    /** The small classes as {@code ./jalloc stats} prints them, or "" without the small tier. */
    @Override
    public String table() {
        SmallPagesMetric small = smallPages;
        if (small == null) {
            return "";
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format("  %-8s %6s %10s %10s %12s%n", "class", "pages", "slots", "live", "page bytes"));
        for (ClassRow c : small.classes()) {
            table.append(String.format("  %-8s %6d %10d %10d %12d%n", c.slotSize() + " B", c.pages(), c.slots(), c.live(),
                    c.pageBytes()));
        }
        return table.toString();
    }
}
