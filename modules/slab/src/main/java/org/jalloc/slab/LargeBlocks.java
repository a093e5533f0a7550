package org.jalloc.slab;

import static org.jalloc.slab.AddressScreen.hex;

import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.pagemap.RadixPageMap;

/**
 * kmalloc's large blocks, for slab and slub alike: requests above the largest cache take a whole buddy block of
 * {@code 2^order} pages, marked in the page map ({@link SlabPageEntry#large(int)} on its first page,
 * {@link SlabPageEntry#LARGE_TAIL} on the rest; {@link SlabPageEntry#FREED_LARGE} once freed), and counted here.
 * Every method runs under the owner's page lock, which also guards {@code pages} and {@code pageMap}.
 */
final class LargeBlocks {
    private final BuddyPages pages;
    private final RadixPageMap.Words pageMap;
    long allocs;
    long frees;
    long liveBytes;

    LargeBlocks(BuddyPages pages, RadixPageMap.Words pageMap) {
        this.pages = pages;
        this.pageMap = pageMap;
    }

    /** A large block of {@code 2^order} pages, or 0 when buddy has none. Caller holds the page lock. */
    long alloc(int order) {
        long a = pages.allocPages(order);
        if (a != 0) {
            pageMap.setRange(a >>> SlabPageEntry.PAGE_SHIFT, 1L << order, SlabPageEntry.large(order), SlabPageEntry.LARGE_TAIL);
            allocs++;
            liveBytes += SlabAllocator.PAGE_SIZE << order;
        }
        return a;
    }

    /** Frees the large block at {@code a} the page map names with {@code order}. Caller holds the page lock. */
    void free(String owner, long a, int order) {
        if (!pages.isAllocatedBlock(a, order)) {
            throw new HeapCorruptionException(owner + ": the page map names a large block of order " + order + " at " + hex(a)
                    + ", but buddy has no such allocated block", a);
        }
        pageMap.setRange(a >>> SlabPageEntry.PAGE_SHIFT, 1L << order, SlabPageEntry.FREED_LARGE, 0);
        pages.freePages(a, order);
        frees++;
        liveBytes -= SlabAllocator.PAGE_SIZE << order;
    }
}
