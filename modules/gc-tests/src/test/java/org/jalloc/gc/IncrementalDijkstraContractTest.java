package org.jalloc.gc;

import org.jalloc.testkit.contract.CollectorContractTest;
import org.jalloc.testkit.gc.CollectorFactory;

/** The collector contract for incremental collection with the Dijkstra insertion barrier (default) over tlsf. */
class IncrementalDijkstraContractTest extends CollectorContractTest {
    @Override
    protected CollectorFactory factory(long heapBytes) {
        return CollectorFactory.of("incremental", null, heapBytes);
    }
}
