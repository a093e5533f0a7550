package org.jalloc.core;

import java.util.List;
import java.util.function.Consumer;

/**
 * The visitor an {@link AllocatorMetric} describes itself to: one call per named value, in report order. Names are
 * camelCase ({@code searchStepsMean}); a {@link #group} is a nested set of named values (such as boundary-tag's free
 * list lengths by list).
 */
public interface MetricSink {
    /** A count or a size. */
    void value(String name, long value);

    /** A ratio or a mean. */
    void value(String name, double value);

    /** A setting or a description. */
    void value(String name, String value);

    /** A flag. */
    void value(String name, boolean value);

    /** One count per index (per order, per size class). */
    void longs(String name, List<Long> values);

    /** One ratio per index. */
    void doubles(String name, List<Double> values);

    /** Nested named values, described to the sink {@code values} is given. */
    void group(String name, Consumer<MetricSink> values);
}
