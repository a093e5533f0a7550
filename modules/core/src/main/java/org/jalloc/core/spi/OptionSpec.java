package org.jalloc.core.spi;

import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One {@code key=value} option of an allocator variant ({@code NAME:key=value,...}).
 *
 * <p>A number option accepts the integers in {@code [min, max]} (sizes with K/M/G), optionally only powers of two;
 * {@link AllocatorType#resolve} rejects anything else with the range in the message, so a spec that resolves never
 * reaches an allocator's constructor with a value it cannot take on its own (combinations of values, and values
 * that depend on the heap, are still the constructor's to reject, with an {@link IllegalArgumentException}).
 *
 * @param key          the option name
 * @param defaultValue the value used when the spec does not name the option
 * @param values       the accepted values, or empty for a number option
 * @param description  one line for {@code ./jalloc list} and the docs
 * @param min          a number option's smallest accepted value
 * @param max          a number option's largest accepted value
 * @param powerOfTwo   whether a number option accepts only powers of two
 */
public record OptionSpec(String key, String defaultValue, List<String> values, String description, long min, long max,
                         boolean powerOfTwo) {
    public OptionSpec {
        values = List.copyOf(values);
        if (min < 0 || min > max) {
            throw new IllegalArgumentException("option " + key + ": bad range [" + min + ", " + max + "]");
        }
    }

    /** An option with a closed set of values, or (empty {@code values}) any non-negative number. */
    public OptionSpec(String key, String defaultValue, List<String> values, String description) {
        this(key, defaultValue, values, description, 0, Long.MAX_VALUE, false);
    }

    /** An option with a closed set of values. */
    public static OptionSpec choice(String key, String defaultValue, String description, String... values) {
        return new OptionSpec(key, defaultValue, List.of(values), description);
    }

    /** An option whose value is a non-negative integer (sizes accept K/M/G suffixes). */
    public static OptionSpec number(String key, String defaultValue, String description) {
        return new OptionSpec(key, defaultValue, List.of(), description);
    }

    /** An option whose value is an integer in {@code [min, max]} (sizes accept K/M/G suffixes). */
    public static OptionSpec number(String key, String defaultValue, String description, long min, long max) {
        return new OptionSpec(key, defaultValue, List.of(), description, min, max, false);
    }

    /** This number option, accepting only powers of two. */
    public OptionSpec powersOfTwo() {
        return new OptionSpec(key, defaultValue, values, description, min, max, true);
    }

    /** True if {@code value} is acceptable for this option. */
    public boolean accepts(String value) {
        return problem(value) == null;
    }

    /** Why {@code value} is not acceptable ("must be at most 62", ...), or null if it is. */
    public @Nullable String problem(String value) {
        if (!values.isEmpty()) {
            return values.contains(value) ? null : "must be one of " + String.join("|", values);
        }
        long n;
        try {
            n = Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            return value.strip().matches("-[0-9]+") ? "must be at least " + min : "not a number";
        }
        if (n < min) {
            return "must be at least " + min;
        }
        if (n > max) {
            return "must be at most " + max;
        }
        if (powerOfTwo && Long.bitCount(n) != 1) {
            return "must be a power of two";
        }
        return null;
    }

    /** {@code key=a|b|c (default a)}, {@code key=<number in [0, 58]> (default 24)}. */
    public String usage() {
        String range = max != Long.MAX_VALUE ? " in [" + min + ", " + max + "]" : min > 0 ? " >= " + min : "";
        String kind = powerOfTwo ? "<power of two" + range + ">" : "<number" + range + ">";
        return key + "=" + (values.isEmpty() ? kind : String.join("|", values)) + " (default " + defaultValue + ")";
    }
}
