package org.jalloc.freelist;

import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.SecureLinks;

/**
 * The block format every free-list organisation shares: one header word per block, and in a free block of an
 * explicit organisation two link words at the start of its payload (see {@link FreeListAllocator} for the diagram).
 * Reads and writes go straight to the heap; nothing here keeps state besides where the blocks start.
 */
final class Blocks {
    static final long HEADER = 8;
    static final long MIN_BLOCK = 32;
    static final long ALLOCATED_BIT = 1;
    static final long FLAG_MASK = 15;
    static final long EPILOGUE = ALLOCATED_BIT;
    /** Offsets of the links inside a free block of an explicit list: next, then prev (both heap addresses, 0 = none). */
    static final long NEXT = 8;
    static final long PREV = 16;

    final Heap heap;
    /** Header address of the first block; the pad word sits just before it. */
    final long firstBlock;
    private final String owner;
    private final long maxBlocksEver;

    /** The links' encoding: {@code secure=on} stores them XOR-ed with a per-heap key and checks them (SEC-1). */
    final SecureLinks links;

    Blocks(Heap heap, long firstBlock, String owner, SecureLinks links) {
        this.heap = heap;
        this.links = links;
        this.firstBlock = firstBlock;
        this.owner = owner;
        this.maxBlocksEver = heap.capacity() / MIN_BLOCK + 1;
    }

    long header(long block) {
        return heap.getLong(block);
    }

    static long sizeOf(long header) {
        return header & ~FLAG_MASK;
    }

    static boolean isAllocated(long header) {
        return (header & ALLOCATED_BIT) != 0;
    }

    long size(long block) {
        return sizeOf(header(block));
    }

    boolean isFree(long block) {
        return !isAllocated(header(block));
    }

    void setHeader(long block, long size, boolean allocated) {
        heap.putLong(block, size | (allocated ? ALLOCATED_BIT : 0));
    }

    long epilogue() {
        return heap.brk() - HEADER;
    }

    /** The next link of a free block, checked when secure (a corrupted one throws FreeListCorruptionException). */
    long next(long block) {
        return links.load(block, block + NEXT);
    }

    long prev(long block) {
        return links.load(block, block + PREV);
    }

    /** The next link as stored, decoded but unchecked: for the checker's walks, which report a bad one (FL-5). */
    long nextUnchecked(long block) {
        return links.loadUnchecked(block + NEXT);
    }

    long prevUnchecked(long block) {
        return links.loadUnchecked(block + PREV);
    }

    void setNext(long block, long next) {
        links.store(block + NEXT, next);
    }

    void setPrev(long block, long prev) {
        links.store(block + PREV, prev);
    }

    /** The size of the block at {@code block} as a walk step; a size that cannot advance a walk is corruption. */
    long stepSize(long block) {
        return stepSize(block, header(block));
    }

    /** {@link #stepSize(long)} of a header already read. */
    long stepSize(long block, long header) {
        long size = sizeOf(header);
        if (size < MIN_BLOCK) {
            throw new HeapCorruptionException(owner + ": block at " + hex(block) + " has size " + size
                    + " (a write past the end of a block?)", block);
        }
        return size;
    }

    /** The most blocks the heap can hold now: a bound on any list traversal that has not lost its way. */
    long maxBlocks() {
        return (epilogue() - firstBlock) / MIN_BLOCK + 1;
    }

    /**
     * Throws when a traversal has visited more nodes than the reservation can hold blocks (a corrupted link made a
     * cycle); a constant bound, so the check is one comparison on the search paths.
     */
    void requireProgress(long visited, long at) {
        if (visited > maxBlocksEver) {
            throw new HeapCorruptionException(owner + ": a free list does not end (visited " + visited + " nodes, at "
                    + hex(at) + "; a corrupted link?)", at);
        }
    }

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
