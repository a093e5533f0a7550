package org.jalloc.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A sampled {@code malloc}: one per {@link JallocEvents#sampleBytes()} requested bytes, per allocator. */
@Name("org.jalloc.AllocationSample")
@Label("Allocation Sample")
@Category({"jalloc", "Allocation"})
@Description("A sampled malloc/calloc/alignedAlloc: requested size, the size class (usable bytes) it got, the allocator; the thread is the event's thread")
@StackTrace(true)
public final class AllocationSampleEvent extends jdk.jfr.Event {
    @Label("Allocator")
    public String allocator = "";

    @Label("Requested Size")
    @DataAmount
    public long size;

    @Label("Size Class")
    @Description("The usable bytes granted: the size class for size-class allocators, the rounded block size for the others")
    @DataAmount
    public long sizeClass;

    @Label("Address")
    @Description("Heap address of the payload")
    public long address;

    @Label("Weight")
    @Description("Requested bytes this sample stands for")
    @DataAmount
    public long weight;
}
