package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/**
 * The collector contract for refcount with a 2-bit count in the header (any object held by more than 3 references
 * moves its count to the side table and back), a small candidate buffer (frequent cycle collections), over the
 * buddy system.
 */
class RefCountNarrowCountContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("refcount:countbits=2,buffer=8", "buddy", heapBytes);
    }
}
