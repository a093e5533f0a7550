package org.jalloc.core.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed allocator name with options, spelled {@code NAME} or {@code NAME:key=value,key=value}
 * (e.g. {@code first-fit:list=address,coalesce=deferred}).
 *
 * @param name    the allocator name
 * @param options the options as written, in order
 */
public record AllocatorSpec(String name, Map<String, String> options) {
    public AllocatorSpec {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** Parses {@code NAME[:key=value,...]}; throws {@link IllegalArgumentException} with the offending part. */
    public static AllocatorSpec parse(String text) {
        String t = text.trim();
        int colon = t.indexOf(':');
        String name = colon < 0 ? t : t.substring(0, colon);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("allocator spec " + Messages.quote(text) + " has no name");
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (colon >= 0) {
            for (String part : t.substring(colon + 1).split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1) {
                    throw new IllegalArgumentException("allocator spec " + Messages.quote(text) + ": option " + Messages.quote(part) + " is not key=value");
                }
                String key = part.substring(0, eq).trim();
                if (options.put(key, part.substring(eq + 1).trim()) != null) {
                    throw new IllegalArgumentException("allocator spec " + Messages.quote(text) + ": option " + Messages.quote(key) + " given twice");
                }
            }
        }
        return new AllocatorSpec(name, options);
    }

    @Override
    public String toString() {
        if (options.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name).append(':');
        options.forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
