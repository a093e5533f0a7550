package org.jalloc.freelist;

import org.jalloc.core.spi.AllocatorFactory;

/** The allocator contract for {@code first-fit:coalesce=deferred}: the same detections, no adjacency promise. */
class FirstFitDeferredContractTest extends FirstFitContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("first-fit:coalesce=deferred", heapBytes);
    }
}
