package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for incremental collection with a budget of 512 bytes per step. */
class IncrementalBytesContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("incremental:step=512,step-unit=bytes", null, heapBytes);
    }
}
