package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for mark-sweep over segregated fits (63 size-class lists), eager sweep. */
class MarkSweepSegregatedContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("mark-sweep", "segregated", heapBytes);
    }
}
