package org.jalloc.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** One {@code Allocator.trim()} (glibc's {@code malloc_trim}): its duration and what it gave back. */
@Name("org.jalloc.Trim")
@Label("Trim")
@Category({"jalloc", "Heap"})
public final class TrimEvent extends jdk.jfr.Event {
    @Label("Allocator")
    public String allocator = "";

    @Label("Released") @DataAmount
    public long releasedBytes;
}
