package org.jalloc.slab;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The allocator contract for {@code slob:secure=on}: the free blocks' links stored encoded and checked before a first
 * fit or a free follows them (SEC-1); the checker's walk decodes them (SLOB-1..4 after every op of the fuzzing).
 */
class SlobSecureContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("slob:secure=on", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }
}
