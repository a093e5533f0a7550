package org.jalloc.core.spi;

import org.jalloc.core.Allocator;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;

/**
 * Makes fresh allocators of one kind over a given heap: what the fuzz engine, trace replay and benchmarks use to
 * run many independent heaps (they reuse one reservation through {@link Heap#reset()}).
 */
public interface AllocatorFactory {
    /** The allocator's canonical name. */
    String name();

    /** The heap size to reserve for it. */
    long heapBytes();

    /** A new allocator over {@code heap} (which starts empty: {@code brk == start}). */
    Allocator create(Heap heap);

    /** Whether several threads may call the allocators made. */
    ThreadSafety threadSafety();

    /** A factory for an allocator spec such as {@code first-fit:coalesce=deferred}, found through the provider SPI. */
    static AllocatorFactory of(String spec, long heapBytes) {
        var parsed = AllocatorSpec.parse(spec);
        var type = AllocatorTypes.require(parsed.name());
        var split = org.jalloc.core.debug.DebugOptions.split(type, parsed);
        var options = type.resolve(split.rest());
        String base = type.displayName(options);
        var debug = split.options();
        String name = debug.displayName(base);
        return of(name, heapBytes, type.threadSafety(), heap -> debug.wrap(type.factory().create(heap, options, base), name));
    }

    /** A factory from a constructor reference, for allocators built in code. */
    static AllocatorFactory of(String name, long heapBytes, ThreadSafety safety, java.util.function.Function<Heap, Allocator> create) {
        return new AllocatorFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long heapBytes() {
                return heapBytes;
            }

            @Override
            public Allocator create(Heap heap) {
                return create.apply(heap);
            }

            @Override
            public ThreadSafety threadSafety() {
                return safety;
            }
        };
    }
}
