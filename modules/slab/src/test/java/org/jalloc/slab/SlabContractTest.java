package org.jalloc.slab;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The allocator contract for {@code slab} (kmalloc caches with magazines, larger requests as buddy pages): every
 * misuse is detected without the checker (the page map, the slot arithmetic and the free marker screen every address in
 * O(1)). The fuzzing checks HEAP-1..8, API-1..5, BUDDY-1..5 and SLAB-1..7 after every op.
 */
class SlabContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("slab", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }
}
