package org.jalloc.core.spi;

/**
 * Quoting input in error messages: whatever a user passed (a flag value, a spec, a trace line) is shown with
 * control and non-ASCII characters escaped ({@code \x1b}, {@code \u20ac}) and cut to {@value #QUOTE_LIMIT}
 * characters of output with "…", so a message stays one readable line however long or binary the input was.
 */
public final class Messages {
    /** Characters of quoted input kept before the cut. */
    public static final int QUOTE_LIMIT = 80;

    private Messages() {}

    /** {@code text} in single quotes, cut to {@link #QUOTE_LIMIT} characters ("…" marks the cut), escaped. */
    public static String quote(CharSequence text) {
        return "'" + cut(text) + "'";
    }

    /** {@code text} escaped and cut to {@link #QUOTE_LIMIT} characters ("…" marks the cut). */
    public static String cut(CharSequence text) {
        StringBuilder sb = new StringBuilder(QUOTE_LIMIT + 8);
        int i = 0;
        for (; i < text.length() && sb.length() < QUOTE_LIMIT; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c <= 0xff) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        if (i < text.length()) {
            sb.append('…');
        }
        return sb.toString();
    }
}
