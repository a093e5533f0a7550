package org.jalloc.buddy;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The allocator contract for {@code buddy} (16-byte minimum block, orders 0-24): every misuse is detected without
 * the checker, since the side table knows every block start and whether it is free.
 */
class BuddyContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("buddy", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }
}
