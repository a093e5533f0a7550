package org.jalloc.core.events;

import java.util.function.LongSupplier;

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

    /** Runs {@code trim} (returning the bytes it released) as one timed event of {@code allocator}; returns its result. */
    public static long timed(String allocator, LongSupplier trim) {
        TrimEvent event = new TrimEvent();
        event.begin();
        long released = trim.getAsLong();
        event.end();
        if (event.shouldCommit()) {
            event.allocator = allocator;
            event.releasedBytes = released;
            event.commit();
        }
        return released;
    }
}
