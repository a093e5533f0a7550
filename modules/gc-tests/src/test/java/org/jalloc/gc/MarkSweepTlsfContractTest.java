package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for mark-sweep over tlsf (two-level segregated fit, boundary tags), eager sweep. */
class MarkSweepTlsfContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("mark-sweep", "tlsf", heapBytes);
    }
}
