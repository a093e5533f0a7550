package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for mark-sweep with lazy sweeping over the buddy system (power-of-two blocks). */
class MarkSweepBuddyContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("mark-sweep:lazy=on", "buddy", heapBytes);
    }
}
