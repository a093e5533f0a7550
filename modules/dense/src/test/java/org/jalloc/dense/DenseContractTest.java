package org.jalloc.dense;

import static org.jalloc.testkit.contract.Misuse.BEYOND_BREAK;
import static org.jalloc.testkit.contract.Misuse.DOUBLE_FREE;
import static org.jalloc.testkit.contract.Misuse.EXPAND_FREED;
import static org.jalloc.testkit.contract.Misuse.FOREIGN;
import static org.jalloc.testkit.contract.Misuse.GUARD_PAGE;
import static org.jalloc.testkit.contract.Misuse.INTERIOR;
import static org.jalloc.testkit.contract.Misuse.MISALIGNED;
import static org.jalloc.testkit.contract.Misuse.REALLOC_FREED;
import static org.jalloc.testkit.contract.Misuse.USABLE_SIZE_FREED;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The allocator contract for {@code dense} at its defaults. The misuse fixture's 48-byte blocks are slots of a
 * page, where every misuse, an interior address included, is detected exactly in O(1).
 */
class DenseContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("dense", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.of(DOUBLE_FREE, REALLOC_FREED, EXPAND_FREED, USABLE_SIZE_FREED, INTERIOR, MISALIGNED, BEYOND_BREAK, GUARD_PAGE,
                FOREIGN);
    }
}
