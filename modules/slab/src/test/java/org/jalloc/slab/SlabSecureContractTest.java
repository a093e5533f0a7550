package org.jalloc.slab;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The allocator contract for {@code slab:magazines=off,secure=on}: every free goes to its slab's free list, whose
 * links are stored encoded and checked at every pop (SEC-1); the checker's walk decodes them (SLAB-1..7 after every
 * op of the fuzzing). Without magazines so every operation goes through the links.
 */
class SlabSecureContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("slab:magazines=off,secure=on", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }
}
