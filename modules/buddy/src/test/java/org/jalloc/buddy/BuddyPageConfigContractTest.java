package org.jalloc.buddy;

import org.jalloc.core.spi.AllocatorFactory;

/**
 * The allocator contract for {@code malloc} on Linux's page configuration ({@code buddy:min-block=4096,max-order=10}):
 * every block is at least a page and at most 4 MiB, so the contract runs at page granularity.
 */
class BuddyPageConfigContractTest extends BuddyContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("buddy:min-block=4096,max-order=10", heapBytes);
    }
}
