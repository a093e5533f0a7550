package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for incremental collection with the Yuasa snapshot barrier and 7-object steps. */
class IncrementalYuasaContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("incremental:barrier=yuasa,step=7", null, heapBytes);
    }
}
