package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for mark-sweep with lazy sweeping over boundary tags (segregated explicit lists, immediate coalescing). */
class MarkSweepLazyContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("mark-sweep:lazy=on", "boundary-tag", heapBytes);
    }
}
