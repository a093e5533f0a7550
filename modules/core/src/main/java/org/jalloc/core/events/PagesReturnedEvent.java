package org.jalloc.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Whole pages given back to the OS ({@code madvise(MADV_DONTNEED)} through {@code Heap.release}). */
@Name("org.jalloc.PagesReturned")
@Label("Pages Returned to the OS")
@Category({"jalloc", "Heap"})
@Description("madvise(DONTNEED) of a run of free pages: they leave the resident set and read back as zero")
public final class PagesReturnedEvent extends jdk.jfr.Event {
    @Label("Address")
    @Description("Heap address of the first page")
    public long address;

    @Label("Bytes") @DataAmount
    public long bytes;

    @Label("Madvise")
    @Description("true when madvise gave the pages back; false in the eager Arena fallback, which only zeroes them")
    public boolean madvised;
}
