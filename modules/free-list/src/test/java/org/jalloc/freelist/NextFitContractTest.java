package org.jalloc.freelist;

import org.jalloc.core.spi.AllocatorFactory;

/** The allocator contract for {@code next-fit} at its defaults: the same O(1) misuse detections as first-fit. */
class NextFitContractTest extends FirstFitContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("next-fit", heapBytes);
    }
}
