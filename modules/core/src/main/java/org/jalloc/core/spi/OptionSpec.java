package org.jalloc.core.spi;

import java.util.List;

/**
 * One {@code key=value} option of an allocator variant ({@code NAME:key=value,...}).
 *
 * @param key          the option name
 * @param defaultValue the value used when the spec does not name the option
 * @param values       the accepted values, or empty when any non-negative number (sizes with K/M/G) is accepted
 * @param description  one line for {@code ./jalloc list} and the docs
 */
public record OptionSpec(String key, String defaultValue, List<String> values, String description) {
    public OptionSpec {
        values = List.copyOf(values);
    }

    /** An option with a closed set of values. */
    public static OptionSpec choice(String key, String defaultValue, String description, String... values) {
        return new OptionSpec(key, defaultValue, List.of(values), description);
    }

    /** An option whose value is a positive integer (sizes accept K/M/G suffixes). */
    public static OptionSpec number(String key, String defaultValue, String description) {
        return new OptionSpec(key, defaultValue, List.of(), description);
    }

    /** True if {@code value} is acceptable for this option. */
    public boolean accepts(String value) {
        if (!values.isEmpty()) {
            return values.contains(value);
        }
        try {
            return Sizes.parse(value) >= 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code key=a|b|c (default a)}. */
    public String usage() {
        return key + "=" + (values.isEmpty() ? "<number>" : String.join("|", values)) + " (default " + defaultValue + ")";
    }
}
