package org.jalloc.core.walk;

import org.jalloc.core.memory.Heap;

/**
 * The inspection face of an allocator: what the checker, the fuzzer, the CLI and the benchmarks need and users do
 * not (the raw heap with its metadata, and the block-walk SPI). Every jalloc allocator has it (through
 * {@link org.jalloc.core.spi.AbstractAllocator}); wrappers forward it ({@link org.jalloc.core.spi.ForwardingAllocator}).
 * Tools reach it through {@link Inspection#of}; the package is exported only to allocator modules and tools.
 */
public interface Inspectable {
    /** The heap the allocator manages. */
    Heap heap();

    /** The block-walk SPI through which the shared checker sees the heap. */
    HeapWalk heapWalk();
}
