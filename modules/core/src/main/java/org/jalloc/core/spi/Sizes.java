package org.jalloc.core.spi;

import java.util.Locale;

/** Byte sizes written as {@code 4096}, {@code 64K}, {@code 16M}, {@code 1G} (powers of 1024). */
public final class Sizes {
    private Sizes() {}

    /** Parses a size; throws {@link IllegalArgumentException} naming the bad text. */
    public static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                default -> unit = 1;
            }
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            if (t.matches("[+-]?[0-9]+")) {
                throw new IllegalArgumentException("size too large: " + Messages.quote(text) + " (at most " + Long.MAX_VALUE + " bytes)");
            }
            throw new IllegalArgumentException("not a size: " + Messages.quote(text) + " (use bytes or K/M/G, e.g. 64K, 16M)");
        }
        if (n < 0) {
            throw new IllegalArgumentException("size must not be negative: " + Messages.cut(text));
        }
        if (n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("size too large: " + Messages.quote(text) + " (at most " + Long.MAX_VALUE + " bytes)");
        }
        return n * unit;
    }

    /** Formats a size the way {@link #parse} reads it, exactly (e.g. 16M, 65537). */
    public static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return Long.toString(bytes);
    }
}
