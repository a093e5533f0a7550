package org.jalloc.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An allocator-specific part of {@link AllocatorStats}: named values (numbers, strings, nested maps or lists of
 * them, in insertion order) and optionally a preformatted table such as {@code /proc/buddyinfo}.
 *
 * @param name   section name, e.g. {@code "free-list"}, {@code "buddyinfo"}
 * @param values named values for {@code --json} and the text report
 * @param table  preformatted text printed as is, or the empty string
 */
public record StatsSection(String name, Map<String, Object> values, String table) {
    public StatsSection {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public StatsSection(String name, Map<String, Object> values) {
        this(name, values, "");
    }
}
