package org.jalloc.boundarytag;

import org.jalloc.core.spi.AllocatorFactory;

/** The allocator contract for {@code tlsf} (footer elision): the same O(1) detections as {@code boundary-tag}. */
class TlsfContractTest extends BoundaryTagContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("tlsf", heapBytes);
    }
}
