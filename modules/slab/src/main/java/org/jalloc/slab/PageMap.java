package org.jalloc.slab;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What each 4 KiB page of the heap belongs to, Linux's {@code struct page} reduced to one word ({@code page->slab}):
 * <pre>
 *   entry &gt; 0           the address of the slab header of the slab whose pages these are (every page of the slab)
 *   entry = LARGE(k)    the first page of a large kmalloc block of order k:  LARGE(k) = -1 - k
 *   entry = LARGE_TAIL  the other pages of a large block
 *   entry = FREED_LARGE the first page of a large block that was freed (a tombstone: free() there is a double free)
 *   entry = 0           nothing of the slab layer (free in buddy, or never used)
 * </pre>
 * A two-level radix: chunks of 512 entries (4 KiB each, for 2 MiB of heap), allocated on first use, so a small heap
 * pays one chunk, not a table for the whole reservation. Written under the slab
 * layer's page lock; read without a lock by free paths, which only look up pages of blocks they were handed (the
 * entry was written before the block was handed out).
 */
final class PageMap {
    static final long LARGE_TAIL = -64;
    static final long FREED_LARGE = -65;
    private static final int CHUNK_BITS = 9;
    private static final int CHUNK = 1 << CHUNK_BITS;

    private final int pageShift;
    private final long [] @Nullable [] chunks;
    private int chunksAllocated;

    PageMap(long heapLimit, int pageShift) {
        this.pageShift = pageShift;
        this.chunks = new long[(int) ((heapLimit >>> pageShift >>> CHUNK_BITS) + 1)][];
    }

    static long large(int order) {
        return -1 - order;
    }

    /** The order of a {@link #large} entry, or -1 when {@code entry} is not one. */
    static int largeOrder(long entry) {
        return entry < 0 && entry >= -32 ? (int) (-1 - entry) : -1;
    }

    long get(long address) {
        long frame = address >>> pageShift;
        long c = frame >>> CHUNK_BITS;
        if (address < 0 || c >= chunks.length) {
            return 0;
        }
        long[] chunk = chunks[(int) c];
        return chunk == null ? 0 : chunk[(int) (frame & (CHUNK - 1))];
    }

    void set(long address, long entry) {
        long frame = address >>> pageShift;
        int c = (int) (frame >>> CHUNK_BITS);
        long[] chunk = chunks[c];
        if (chunk == null) {
            if (entry == 0) {
                return;
            }
            chunk = new long[CHUNK];
            chunks[c] = chunk;
            chunksAllocated++;
        }
        chunk[(int) (frame & (CHUNK - 1))] = entry;
    }

    /** Sets {@code pages} entries from {@code address}: the first to {@code head}, the others to {@code tail}. */
    void setRange(long address, long pages, long head, long tail) {
        set(address, head);
        for (long i = 1; i < pages; i++) {
            set(address + (i << pageShift), tail);
        }
    }

    /** Bytes of the chunks allocated (outside the heap). */
    long bytes() {
        return (long) chunksAllocated * CHUNK * Long.BYTES + (long) chunks.length * 8;
    }
}
