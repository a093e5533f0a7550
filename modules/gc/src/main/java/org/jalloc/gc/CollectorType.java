package org.jalloc.gc;

import java.util.List;

import org.jalloc.core.AllocatorInfo;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.gc.inspect.CollectorOptions;

/**
 * A collector {@code ./jalloc list} shows and {@link Collectors#create} builds: what a user may know to choose one and
 * spell its spec. The options' full declarations (ranges included) are for tools, through
 * {@code org.jalloc.gc.inspect.CollectorOptions}.
 */
public final class CollectorType {
    static {
        CollectorOptions.install(t -> t.specs);
    }

    private final String name;
    private final String description;
    private final List<OptionSpec> specs;
    private final List<AllocatorInfo.Option> options;
    private final boolean usesAllocator;
    private final boolean moving;

    /**
     * @param name          {@code mark-sweep}, {@code mark-compact}, {@code handles}, {@code refcount}, ...
     * @param description   one line
     * @param specs         its {@code key=value} options with defaults ({@code gogc} also takes {@code off})
     * @param usesAllocator true when its space is a jalloc allocator chosen by name ({@code --allocator})
     * @param moving        true when a collection moves objects
     */
    CollectorType(String name, String description, List<OptionSpec> specs, boolean usesAllocator, boolean moving) {
        this.name = name;
        this.description = description;
        this.specs = List.copyOf(specs);
        this.options = this.specs.stream()
                .map(o -> new AllocatorInfo.Option(o.key(), o.defaultValue(), o.values(), o.accepted(), o.description()))
                .toList();
        this.usesAllocator = usesAllocator;
        this.moving = moving;
    }

    /** The name a spec starts with. */
    public String name() {
        return name;
    }

    /** One line. */
    public String description() {
        return description;
    }

    /** Its {@code key=value} options with defaults, in declaration order. */
    public List<AllocatorInfo.Option> options() {
        return options;
    }

    /** True when its space is a jalloc allocator chosen by name ({@code --allocator}). */
    public boolean usesAllocator() {
        return usesAllocator;
    }

    /** True when a collection moves objects. */
    public boolean moving() {
        return moving;
    }

    /** The options' declarations, for resolving a spec. */
    List<OptionSpec> specs() {
        return specs;
    }

    @Override
    public String toString() {
        return "CollectorType[" + name + "]";
    }
}
