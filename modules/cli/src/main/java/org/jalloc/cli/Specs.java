package org.jalloc.cli;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorFactory;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.Sizes;

/**
 * Turns {@code --allocator} and {@code --heap} into a factory the commands can trust: the spec is parsed and its
 * options checked against their ranges, a heap of the size is reserved and one allocator is made on it and closed.
 * Whatever fails there is the user's input, so it ends as one line and exit 2 before any fuzzing or replay starts,
 * instead of showing up later as "violations".
 */
final class Specs {
    private Specs() {}

    /** The factory for {@code spec} over heaps of {@code heapBytes}, proven by making one allocator. */
    static AllocatorFactory usable(String spec, long heapBytes) {
        AllocatorFactory factory = AllocatorFactory.of(spec, heapBytes);
        Heap heap = reserve(heapBytes);
        Allocator a;
        try {
            a = factory.create(heap);
        } catch (IllegalArgumentException e) {
            heap.close();
            throw new UsageException(factory.name() + " cannot run on a heap of " + size(heapBytes) + ": " + e.getMessage());
        }
        a.close();
        return factory;
    }

    /**
     * A heap of {@code heapBytes}; a size that cannot be reserved is {@code Heap.reserve}'s one
     * {@link IllegalArgumentException} ("cannot reserve a heap of N bytes: REASON"), which ends as exit 2.
     */
    static Heap reserve(long heapBytes) {
        return Heap.reserve(heapBytes);
    }

    /** {@code 4G (4294967296 bytes)} or {@code 65537 bytes}. */
    static String size(long bytes) {
        String s = Sizes.format(bytes);
        return s.equals(Long.toString(bytes)) ? bytes + " bytes" : s + " (" + bytes + " bytes)";
    }
}
