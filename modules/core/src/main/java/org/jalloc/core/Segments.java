package org.jalloc.core;

import org.jalloc.core.spi.Arguments;

/** Shared code of the FFM adapters ({@link Allocator#asSegmentAllocator()}, {@link Allocator#asArena()}). */
final class Segments {
    private Segments() {}

    /** Allocates for an FFM caller; FFM's contract is an exception, not NULL, when memory runs out. */
    static long allocate(Allocator allocator, long byteSize, long byteAlignment, boolean zero) {
        long address = Arguments.allocateForSegment(allocator, byteSize, byteAlignment);
        if (zero && byteSize > 0) {
            org.jalloc.core.walk.Inspection.of(allocator).heap().fill(address, byteSize, (byte) 0);
        }
        return address;
    }
}
