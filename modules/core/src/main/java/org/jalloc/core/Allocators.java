package org.jalloc.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorSpec;
import org.jalloc.core.spi.AllocatorType;

/**
 * Finds allocators by name (through {@link AllocatorProvider} services on the module or class path), creates them
 * from a spec such as {@code first-fit:coalesce=deferred}, and decorates them.
 */
public final class Allocators {
    /** The order the book and the CLI present allocators in; names not listed sort after, alphabetically. */
    public static final List<String> CANONICAL_ORDER = List.of(
            "first-fit", "next-fit", "best-fit", "segregated", "boundary-tag", "tlsf", "buddy", "slab", "slub", "slob", "thread-cache", "dense");

    private Allocators() {}

    /** Every allocator type on the module or class path, in {@link #CANONICAL_ORDER}. */
    public static List<AllocatorType> types() {
        List<AllocatorType> all = new ArrayList<>();
        for (AllocatorProvider p : ServiceLoader.load(AllocatorProvider.class, Allocators.class.getClassLoader())) {
            all.addAll(p.allocatorTypes());
        }
        if (Allocators.class.getModule().isNamed()) {
            // On the module path, ServiceLoader.load(Class) with the context loader finds providers in other layers
            // too. That loader may also see another copy of jalloc (on the class path beside a module layer): its
            // providers implement another AllocatorProvider and are skipped, not fatal.
            Iterator<AllocatorProvider> it = ServiceLoader.load(AllocatorProvider.class).iterator();
            while (true) {
                AllocatorProvider p;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    p = it.next();
                } catch (ServiceConfigurationError foreign) {
                    continue;
                }
                for (AllocatorType t : p.allocatorTypes()) {
                    if (all.stream().noneMatch(x -> x.name().equals(t.name()))) {
                        all.add(t);
                    }
                }
            }
        }
        all.sort(Comparator.comparingInt((AllocatorType t) -> {
            int i = CANONICAL_ORDER.indexOf(t.name());
            return i < 0 ? Integer.MAX_VALUE : i;
        }).thenComparing(AllocatorType::name));
        return List.copyOf(all);
    }

    /** The type called {@code name}, if a module provides it. */
    public static Optional<AllocatorType> type(String name) {
        return types().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * Creates an allocator from a spec over a new heap of {@code heapBytes}.
     *
     * @throws IllegalArgumentException for an unknown name, option or value (the message lists what is accepted)
     */
    public static Allocator create(String spec, long heapBytes) {
        AllocatorSpec parsed = AllocatorSpec.parse(spec);
        AllocatorType type = require(parsed.name());
        Map<String, String> options = type.resolve(parsed);
        Heap heap = Heap.reserve(heapBytes);
        try {
            return type.factory().create(heap, options, type.displayName(options));
        } catch (RuntimeException | Error e) {
            heap.close();
            throw e;
        }
    }

    /** The type called {@code name}, or an {@link IllegalArgumentException} listing the known names. */
    public static AllocatorType require(String name) {
        return type(name).orElseThrow(() -> new IllegalArgumentException("unknown allocator " + org.jalloc.core.spi.Messages.quote(name) + "; known: "
                + String.join(", ", types().stream().map(AllocatorType::name).toList())));
    }

    /** Wraps {@code allocator} so its stats report live and peak requested bytes. */
    public static TrackingAllocator tracking(Allocator allocator) {
        return new TrackingAllocator(allocator);
    }

    /** Wraps a single-owner allocator with one lock, making it safe for many threads. */
    public static Allocator synchronizedAllocator(Allocator allocator) {
        return allocator.threadSafety() == ThreadSafety.CONCURRENT ? allocator : new SynchronizedAllocator(allocator);
    }
}
