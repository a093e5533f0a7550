package org.jalloc.core.walk;

/**
 * Receives every entry of an allocator's free structures (free lists, bins, bitmaps, caches), in the order the
 * allocator would search them. A walker stops when this returns false: the checker does so when a list is longer
 * than the number of free blocks (a cycle) or an entry lies outside the heap.
 */
@FunctionalInterface
public interface FreeEntryVisitor {
    /**
     * @param list       the allocator's index of the structure (size class, order, ...), see {@link HeapWalk#describeList}
     * @param blockStart the start of the free block the entry names (as in {@link ExtentVisitor#extent})
     * @param blockSize  the block size the structure or block metadata records
     * @return false to stop
     */
    boolean entry(int list, long blockStart, long blockSize);
}
