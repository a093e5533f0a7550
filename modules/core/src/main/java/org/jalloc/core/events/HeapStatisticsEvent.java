package org.jalloc.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Percentage;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * The figures of {@code stats()} of a watched allocator ({@link JallocEvents#watch}), every period (1 s by default):
 * requested by JFR's periodic hook, emitted by the next thread that calls the allocator.
 */
@Name("org.jalloc.HeapStatistics")
@Label("Heap Statistics")
@Category({"jalloc", "Heap"})
@Description("An allocator's statistics snapshot: heap, live, free, largest free block, metadata, fragmentation, bytes returned to the OS")
@Period("1 s")
@StackTrace(false)
public final class HeapStatisticsEvent extends jdk.jfr.Event {
    @Label("Allocator")
    public String allocator = "";

    @Label("Heap") @DataAmount
    public long heapBytes;

    @Label("High-Water") @DataAmount
    public long highWaterBytes;

    @Label("Live Granted") @DataAmount
    public long liveGrantedBytes;

    @Label("Allocated Blocks")
    public long allocatedBlocks;

    @Label("Free") @DataAmount
    public long freeBytes;

    @Label("Free Blocks")
    public long freeBlocks;

    @Label("Largest Free Block") @DataAmount
    public long largestFreeBlock;

    @Label("Metadata") @DataAmount
    public long metadataBytes;

    @Label("External Fragmentation") @Percentage
    public double externalFragmentation;

    @Label("Returned to the OS") @DataAmount
    @Description("Bytes given back with madvise so far (whole pages, counted each time)")
    public long releasedBytes;
}
