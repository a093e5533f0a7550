package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for concurrent collection with the marker's work in step() calls (deterministic), 5-object units and 4-entry buffers. */
class ConcurrentStepsContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("concurrent:marker=steps,step=5,satb-buffer=4", null, heapBytes);
    }
}
