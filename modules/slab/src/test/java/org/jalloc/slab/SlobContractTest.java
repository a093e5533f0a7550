package org.jalloc.slab;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The allocator contract for {@code slob}: every misuse is detected without the checker (the page descriptor's live
 * and freed bits screen every address in O(1)). The fuzzing checks HEAP-1..8, API-1..5, BUDDY-1..5 and SLOB-1..4
 * after every op, on the contract's 4 MiB heap and on 64 KiB.
 */
class SlobContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("slob", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }
}
