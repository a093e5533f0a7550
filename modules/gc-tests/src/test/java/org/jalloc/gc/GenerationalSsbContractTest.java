package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for generational collection with a sequential store buffer, promotion at the first minor collection. */
class GenerationalSsbContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("generational:remset=ssb,promote=1", null, heapBytes);
    }
}
