package org.jalloc.slab;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.pagemap.RadixPageMap;

/**
 * What each 4 KiB page of the heap belongs to in the slab family (slab, slub), Linux's {@code struct page} reduced to
 * one word ({@code page->slab}), kept in core's radix page map ({@link RadixPageMap.Words}, indexed by
 * {@code address >>> PAGE_SHIFT}):
 * <pre>
 *   entry &gt; 0           the address of the slab header of the slab whose pages these are (every page of the slab;
 *                       slub: the slab's base, which names its descriptor)
 *   entry = LARGE(k)    the first page of a large kmalloc block of order k:  LARGE(k) = -1 - k
 *   entry = LARGE_TAIL  the other pages of a large block
 *   entry = FREED_LARGE the first page of a large block that was freed (a tombstone: free() there is a double free)
 *   entry = 0           nothing of the slab layer (free in buddy, or never used)
 * </pre>
 * Leaves of 512 words (4 KiB each, for 2 MiB of heap), created on first use, so a small heap pays one leaf, not a
 * table for the whole reservation. Written under the slab layer's page lock; read without a lock by free paths,
 * which only look up pages of blocks they were handed (the entry was written before the block was handed out).
 */
final class SlabPageEntry {
    static final long LARGE_TAIL = -64;
    static final long FREED_LARGE = -65;
    /** The page shift of the map's index. */
    static final int PAGE_SHIFT = 12;
    /** Bits of a page number that index a leaf: 512 words a leaf. */
    static final int LEAF_BITS = 9;

    private SlabPageEntry() {}

    /** The page map of {@code heap}: pages {@code [0, limit >>> PAGE_SHIFT]} (absolute addresses). */
    static RadixPageMap.Words newMap(Heap heap) {
        return new RadixPageMap.Words((heap.limit() >>> PAGE_SHIFT) + 1, LEAF_BITS);
    }

    static long large(int order) {
        return -1 - order;
    }

    /** The order of a {@link #large} entry, or -1 when {@code entry} is not one. */
    static int largeOrder(long entry) {
        return entry < 0 && entry >= -32 ? (int) (-1 - entry) : -1;
    }
}
