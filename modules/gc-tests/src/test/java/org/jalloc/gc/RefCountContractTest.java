package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for refcount with trial deletion over tlsf (the defaults). */
class RefCountContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("refcount", null, heapBytes);
    }
}
