package org.jalloc.freelist;

import org.jalloc.core.spi.AllocatorFactory;

/**
 * The allocator contract for {@code segregated} at its defaults (LIFO class lists, deferred coalescing): the same
 * O(1) misuse detections as first-fit.
 */
class SegregatedContractTest extends FirstFitContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("segregated", heapBytes);
    }
}
