package org.jalloc.buddy;

import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.memory.Heap;

/**
 * A page allocator: Linux's {@code alloc_pages(order)} / {@code free_pages(addr, order)} over a heap of its own,
 * blocks of {@code pageSize << order} bytes, each aligned to its size on the real address (a binary buddy system:
 * docs/buddy.md). What slab builds its slabs on, and useful alone wherever memory comes in power-of-two runs of pages
 * (page tables, DMA-style buffers, arena chunks).
 *
 * <pre>{@code
 * try (PageAllocator pages = PageAllocator.create(64 << 20)) {   // 4 KiB pages, orders 0-10
 *     long a = pages.allocPages(2);                               // 16 KiB, 16 KiB-aligned; 0 when none is free
 *     pages.freePages(a, 2);
 * }
 * }</pre>
 *
 * <p>Single owner: a client sharing it across threads serializes every call.
 */
public interface PageAllocator extends AutoCloseable {
    /** Linux's page size, the default. */
    long DEFAULT_PAGE_SIZE = 4096;
    /** Linux's default largest order (orders 0-10: blocks of 4 KiB to 4 MiB). */
    int DEFAULT_MAX_ORDER = 10;

    /** Linux's configuration (4 KiB pages, orders 0-10) over a new heap of {@code heapBytes}. */
    static PageAllocator create(long heapBytes) {
        return create(heapBytes, DEFAULT_PAGE_SIZE, DEFAULT_MAX_ORDER);
    }

    /**
     * A page allocator over a new heap of {@code heapBytes}.
     *
     * @param pageSize the order-0 block, a power of two of at least 16 bytes
     * @param maxOrder the largest order: blocks of at most {@code pageSize << maxOrder} bytes
     * @throws IllegalArgumentException for a bad page size or order
     */
    static PageAllocator create(long heapBytes, long pageSize, int maxOrder) {
        Heap heap = Heap.reserve(heapBytes);
        try {
            return new BuddyPages(heap, pageSize, maxOrder);
        } catch (RuntimeException | Error e) {
            heap.close();
            throw e;
        }
    }

    /**
     * Allocates a block of {@code pageSize << order} bytes aligned to its size; 0 when no such block is free and the
     * heap cannot grow.
     *
     * @throws org.jalloc.core.InvalidSizeException for an order outside {@code [0, maxOrder]}
     */
    long allocPages(int order);

    /**
     * Frees the order-{@code order} block at {@code address} and merges it with its free buddies.
     *
     * @throws org.jalloc.core.InvalidPointerException (or a subclass: {@link UnalignedBlockException},
     *         {@link WrongOrderException}, {@link SplitBlockException}, {@link org.jalloc.core.DoubleFreeException})
     *         for an address that is not the start of an allocated order-{@code order} block; nothing changes
     */
    void freePages(long address, int order);

    /** The smallest order whose block holds {@code bytes} bytes (order 0 for 0), or -1 when the largest is too small. */
    int orderFor(long bytes);

    /** Bytes of an order-0 block. */
    long pageSize();

    /** The largest order. */
    int maxOrder();

    /** Bytes of an order-{@code order} block. */
    long blockBytes(int order);

    /** Bytes in free blocks right now. */
    long freeBytes();

    /** Releases the heap; every address becomes invalid. */
    @Override
    void close();
}
