package org.jalloc.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A slow path worth seeing: a span carved from the page heap (thread-cache), a slab created or destroyed (slab). One
 * event type with a {@code what} field keeps the set small; filter on it in {@code jfr print} or JMC.
 */
@Name("org.jalloc.SlowPath")
@Label("Allocator Slow Path")
@Category({"jalloc", "Allocation"})
@Description("span carved, slab created, slab destroyed")
public final class SlowPathEvent extends jdk.jfr.Event {
    /** {@link #what} values. */
    public static final String SPAN_CARVED = "span carved";
    public static final String SLAB_CREATED = "slab created";
    public static final String SLAB_DESTROYED = "slab destroyed";

    @Label("Allocator")
    public String allocator = "";

    @Label("What")
    public String what = "";

    @Label("Cache")
    @Description("The size class or cache (kmalloc-64, class 12 (128 bytes)), or empty")
    public String cache = "";

    @Label("Address")
    public long address;

    @Label("Bytes") @DataAmount
    public long bytes;

    /** Commits one slow-path event if a recording enables it (costs one allocation-free check otherwise). */
    public static void emit(String allocator, String what, String cache, long address, long bytes) {
        SlowPathEvent e = new SlowPathEvent();
        if (e.shouldCommit()) {
            e.allocator = allocator;
            e.what = what;
            e.cache = cache;
            e.address = address;
            e.bytes = bytes;
            e.commit();
        }
    }
}
