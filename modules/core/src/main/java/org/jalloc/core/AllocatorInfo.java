package org.jalloc.core;

import java.util.List;

/**
 * What a user may know about an allocator type found on the module or class path ({@link Allocators#types()}): enough
 * to choose one and spell its spec for {@link Allocators#create}.
 *
 * @param name         the name ({@code first-fit}, {@code buddy}, ...)
 * @param description  one line
 * @param threadSafety whether several threads may call it
 * @param options      the {@code key=value} options it accepts, in declaration order
 */
public record AllocatorInfo(String name, String description, ThreadSafety threadSafety, List<Option> options) {
    public AllocatorInfo {
        options = List.copyOf(options);
    }

    /**
     * One {@code key=value} option.
     *
     * @param key          the option name
     * @param defaultValue the value used when a spec does not name the option
     * @param values       the accepted values, or empty for a number option
     * @param accepted     what is accepted, as {@code ./jalloc list} prints it ({@code a|b}, {@code <number in [0, 30]>})
     * @param description  one line
     */
    public record Option(String key, String defaultValue, List<String> values, String accepted, String description) {
        public Option {
            values = List.copyOf(values);
        }
    }
}
