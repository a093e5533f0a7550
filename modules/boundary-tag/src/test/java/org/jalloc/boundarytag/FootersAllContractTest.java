package org.jalloc.boundarytag;

import org.jalloc.core.spi.AllocatorFactory;

/**
 * The allocator contract for Knuth's full layout, {@code boundary-tag:footers=all}: a footer on every block, the
 * left neighbour's state read from its footer. ({@code tlsf:footers=all} shares every line of this layout code;
 * {@link FootersAllTlsfContractTest} runs it too.)
 */
class FootersAllContractTest extends BoundaryTagContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("boundary-tag:footers=all", heapBytes);
    }
}
