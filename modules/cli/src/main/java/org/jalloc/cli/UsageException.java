package org.jalloc.cli;

import java.util.Locale;

/** A usage error found after parsing (unknown allocator, unreadable trace, bad combination): exit code 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }

    /** Throws unless {@code min <= value <= max}, naming the flag and the range. */
    static void requireRange(String flag, long value, long min, long max) {
        if (value < min || value > max) {
            throw new UsageException(String.format(Locale.ROOT, "%s must be %s, not %d", flag, range(min, max), value));
        }
    }

    /** Throws unless {@code value} is a number in {@code [min, max]} (NaN and infinities are not). */
    static void requireRange(String flag, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new UsageException(String.format(Locale.ROOT, "%s must be between %s and %s, not %s", flag, trim(min), trim(max), value));
        }
    }

    private static String range(long min, long max) {
        return max == Long.MAX_VALUE ? "at least " + min : String.format(Locale.ROOT, "between %d and %d", min, max);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
