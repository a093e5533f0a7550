package org.jalloc.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * Renders typed metrics for {@code ./jalloc stats}: as the {@code --json} line's nested objects and as the text
 * report's rows. Both shapes are a public contract (the golden tests hold them byte for byte).
 */
final class MetricRender {
    private MetricRender() {}

    /** The named values of a metric, in order, as JSON-ready objects (numbers, strings, booleans, lists, maps). */
    static Map<String, Object> values(AllocatorMetric metric) {
        Map<String, Object> values = new LinkedHashMap<>();
        metric.describe(new MapSink(values));
        return values;
    }

    /** Appends {@code "  name" value} rows, values as the text report prints them (ratios to three decimals). */
    static void rows(AllocatorMetric metric, RowWriter rows) {
        metric.describe(new MetricSink() {
            @Override
            public void value(String name, long value) {
                rows.row("  " + name, String.valueOf(value));
            }

            @Override
            public void value(String name, double value) {
                rows.row("  " + name, String.format("%.3f", value));
            }

            @Override
            public void value(String name, String value) {
                rows.row("  " + name, value);
            }

            @Override
            public void value(String name, boolean value) {
                rows.row("  " + name, String.valueOf(value));
            }

            @Override
            public void longs(String name, List<Long> values) {
                rows.row("  " + name, String.valueOf(values));
            }

            @Override
            public void doubles(String name, List<Double> values) {
                rows.row("  " + name, String.valueOf(values));
            }

            @Override
            public void group(String name, Consumer<MetricSink> values) {
                Map<String, Object> nested = new LinkedHashMap<>();
                values.accept(new MapSink(nested));
                rows.row("  " + name, String.valueOf(nested));
            }
        });
    }

    /** Receives one text row. */
    @FunctionalInterface
    interface RowWriter {
        void row(String key, String value);
    }

    /** Collects values into an insertion-ordered map. */
    private record MapSink(Map<String, Object> map) implements MetricSink {
        @Override
        public void value(String name, long value) {
            map.put(name, value);
        }

        @Override
        public void value(String name, double value) {
            map.put(name, value);
        }

        @Override
        public void value(String name, String value) {
            map.put(name, value);
        }

        @Override
        public void value(String name, boolean value) {
            map.put(name, value);
        }

        @Override
        public void longs(String name, List<Long> values) {
            map.put(name, List.copyOf(values));
        }

        @Override
        public void doubles(String name, List<Double> values) {
            map.put(name, List.copyOf(values));
        }

        @Override
        public void group(String name, Consumer<MetricSink> values) {
            Map<String, Object> nested = new LinkedHashMap<>();
            values.accept(new MapSink(nested));
            map.put(name, nested);
        }
    }
}
