package org.jalloc.core;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jalloc.core.debug.DebugOptions;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorSpec;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.AllocatorTypes;

/**
 * Finds allocators by name (through the provider services of the modules on the module or class path), creates them
 * from a spec such as {@code first-fit:coalesce=deferred}, and decorates them.
 */
public final class Allocators {
    /** The order the book and the CLI present allocators in; names not listed sort after, alphabetically. */
    public static final List<String> CANONICAL_ORDER = List.of(
            "first-fit", "next-fit", "best-fit", "segregated", "boundary-tag", "tlsf", "buddy", "slab", "slub", "slob", "thread-cache", "dense");

    private Allocators() {}

    /** Every allocator type on the module or class path, in {@link #CANONICAL_ORDER}, as users see it. */
    public static List<AllocatorInfo> types() {
        return AllocatorTypes.all().stream().map(Allocators::info).toList();
    }

    /** The type called {@code name}, if a module provides it. */
    public static Optional<AllocatorInfo> type(String name) {
        return AllocatorTypes.find(name).map(Allocators::info);
    }

    private static AllocatorInfo info(AllocatorType t) {
        return new AllocatorInfo(t.name(), t.description(), t.threadSafety(), DebugOptions.optionsOf(t).stream()
                .map(o -> new AllocatorInfo.Option(o.key(), o.defaultValue(), o.values(), o.accepted(), o.description()))
                .toList());
    }

    /**
     * Creates an allocator from a spec over a new heap of {@code heapBytes}.
     *
     * @throws IllegalArgumentException for an unknown name, option or value (the message lists what is accepted)
     */
    public static Allocator create(String spec, long heapBytes) {
        AllocatorSpec parsed = AllocatorSpec.parse(spec);
        AllocatorType type = AllocatorTypes.require(parsed.name());
        DebugOptions.Split split = DebugOptions.split(type, parsed);
        Map<String, String> options = type.resolve(split.rest());
        String base = type.displayName(options);
        Heap heap = Heap.reserve(heapBytes);
        Allocator engine;
        try {
            engine = type.factory().create(heap, options, base);
        } catch (RuntimeException | Error e) {
            heap.close();
            throw e;
        }
        return split.options().wrap(engine, split.options().displayName(base));
    }

    /** Wraps {@code allocator} so its stats report live and peak requested bytes. */
    public static TrackingAllocator tracking(Allocator allocator) {
        return new Tracker(allocator);
    }

    /** Wraps a single-owner allocator with one lock, making it safe for many threads. */
    public static Allocator synchronizedAllocator(Allocator allocator) {
        return allocator.threadSafety() == ThreadSafety.CONCURRENT ? allocator : new SynchronizedAllocator(allocator);
    }
}
