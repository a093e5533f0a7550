package org.jalloc.slab;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The allocator contract for {@code slub} (hardened free pointers, per-thread active slabs, larger requests as buddy
 * pages): every misuse is detected without the checker (the page map, the slot arithmetic and the state map screen
 * every address in O(1)). The fuzzing checks HEAP-1..8, API-1..5, BUDDY-1..5 and SLUB-1..3 after every op.
 */
class SlubContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("slub", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }
}
