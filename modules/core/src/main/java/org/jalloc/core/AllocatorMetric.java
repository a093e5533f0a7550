package org.jalloc.core;

/**
 * One allocator-specific part of {@link AllocatorStats}, read only, in Netty's {@code *Metric} style: each allocator
 * module exports its own metric types (records or interfaces with typed getters, such as buddy's orders or slab's
 * caches), and every metric can also describe itself, in order, to a {@link MetricSink} — which is how
 * {@code ./jalloc stats} prints the text report and the {@code --json} line for any allocator without knowing its
 * types.
 */
public interface AllocatorMetric {
    /** The section name, e.g. {@code "free-list"}, {@code "buddyinfo"}: a key of {@code --json}'s {@code sections}. */
    String section();

    /** Emits this metric's named values in their report order. */
    void describe(MetricSink sink);

    /** Preformatted text printed as is after the values (a {@code /proc/buddyinfo}-style table), or "". */
    default String table() {
        return "";
    }
}
