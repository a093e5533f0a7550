package org.jalloc.stack;

import java.util.List;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.spi.Sizes;

/**
 * Offers {@code stack}, {@code arena} and {@code pool} to {@code ./jalloc}, the fuzz engine and trace replay (the
 * service is {@link org.jalloc.stack.internal.StackProvider}, in a package the module does not export).
 */
final class StackTypes implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        OptionSpec size = OptionSpec.number("size", Sizes.format(StackAllocator.DEFAULT_CAPACITY),
                "capacity in bytes, as ulimit -s (at most the heap's capacity)", StackAllocator.MIN_BLOCK, Heap.MAX_BYTES);
        OptionSpec chunk = OptionSpec.number("chunk", Sizes.format(ArenaAllocator.DEFAULT_CHUNK),
                "bytes the arena's break moves at a time (a multiple of 16)", 16, Heap.MAX_BYTES);
        OptionSpec object = OptionSpec.number("object", Long.toString(PoolAllocator.DEFAULT_OBJECT_SIZE),
                "object size in bytes (rounded up to 16)", 1, Heap.MAX_BYTES);
        OptionSpec count = OptionSpec.number("count", "0", "objects made at construction; 0: as many as the heap holds", 0,
                PoolAllocator.MAX_COUNT);
        return List.of(
                new AllocatorType("stack",
                        "LIFO frames over a fixed region growing down to a guard page (mprotect); only the newest block is freed",
                        ThreadSafety.SINGLE_OWNER, List.of(size),
                        (heap, options, name) -> new StackAllocator(heap, Sizes.parse(options.getOrDefault("size", "8M")), name), false),
                new AllocatorType("arena",
                        "bump allocation in chunks with marks, release and reset; older blocks' bytes come back with the blocks above",
                        ThreadSafety.SINGLE_OWNER, List.of(chunk),
                        (heap, options, name) -> new ArenaAllocator(heap, Sizes.parse(options.getOrDefault("chunk", "64K")), name), false),
                new AllocatorType("pool",
                        "N fixed-size objects made at construction, a free list through them; never grows",
                        ThreadSafety.SINGLE_OWNER, List.of(object, count, SecureLinks.OPTION),
                        (heap, options, name) -> new PoolAllocator(heap, Sizes.parse(options.getOrDefault("object", "64")),
                                Sizes.parse(options.getOrDefault("count", "0")), SecureLinks.requested(options), name), false));
    }
}
