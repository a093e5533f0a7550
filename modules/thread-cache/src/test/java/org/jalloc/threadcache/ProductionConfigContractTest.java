package org.jalloc.threadcache;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.ThreadSafety;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The contract again for the builder's production configuration (4 arenas, the time clock, decay 0 so every freed
 * span is returned to the OS at once and its pages read as zero), with fewer fuzz sequences.
 */
class ProductionConfigContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("thread-cache:arenas=4,clock=time,decay=0", heapBytes, ThreadSafety.CONCURRENT,
                heap -> ThreadCacheAllocator.builder().arenas(4).clock(ThreadCacheAllocator.Clock.TIME).decay(0)
                        .name("thread-cache:arenas=4,clock=time,decay=0").build(heap));
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }

    @Override
    protected int fuzzSequences() {
        return 200;
    }
}
