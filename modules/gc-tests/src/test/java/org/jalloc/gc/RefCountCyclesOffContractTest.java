package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/**
 * The collector contract for refcount without a cycle collector, over segregated fits: unrooted cycles stay and are
 * reported; the oracle expects exactly the cyclic garbage to remain after every collection (GC-34).
 */
class RefCountCyclesOffContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("refcount:cycles=off", "segregated", heapBytes);
    }

    @Override
    protected boolean collectsCycles() {
        return false;
    }
}
