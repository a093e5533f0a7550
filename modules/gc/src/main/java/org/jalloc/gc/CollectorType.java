package org.jalloc.gc;

import java.util.List;

import org.jalloc.core.spi.OptionSpec;

/**
 * A collector {@code ./jalloc list} shows and {@link Collectors#create} builds.
 *
 * @param name            {@code mark-sweep}, {@code mark-compact}, {@code handles}, {@code refcount}
 * @param description     one line
 * @param options         its {@code key=value} options with defaults ({@code gogc} also takes {@code off})
 * @param usesAllocator   true when its space is a jalloc allocator chosen by name ({@code --allocator})
 * @param moving          true when a collection moves objects
 */
public record CollectorType(String name, String description, List<OptionSpec> options, boolean usesAllocator, boolean moving) {
    public CollectorType {
        options = List.copyOf(options);
    }
}
