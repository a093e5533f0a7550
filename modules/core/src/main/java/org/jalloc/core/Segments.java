package org.jalloc.core;

/** Shared code of the FFM adapters ({@link Allocator#asSegmentAllocator()}, {@link Allocator#asArena()}). */
final class Segments {
    private Segments() {}

    /** Allocates for an FFM caller; FFM's contract is an exception, not NULL, when memory runs out. */
    static long allocate(Allocator allocator, long byteSize, long byteAlignment, boolean zero) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("negative byteSize " + byteSize);
        }
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("byteAlignment " + byteAlignment + " is not a power of two");
        }
        long address = byteAlignment <= 16 ? allocator.malloc(byteSize) : allocator.alignedAlloc(byteAlignment, byteSize);
        if (address == 0) {
            throw new OutOfMemoryError(allocator.name() + ": heap exhausted allocating " + byteSize + " bytes");
        }
        if (zero && byteSize > 0) {
            org.jalloc.core.walk.Inspection.of(allocator).heap().fill(address, byteSize, (byte) 0);
        }
        return address;
    }
}
