package org.jalloc.dense;

import static org.jalloc.testkit.contract.Misuse.BEYOND_BREAK;
import static org.jalloc.testkit.contract.Misuse.DOUBLE_FREE;
import static org.jalloc.testkit.contract.Misuse.EXPAND_FREED;
import static org.jalloc.testkit.contract.Misuse.FOREIGN;
import static org.jalloc.testkit.contract.Misuse.GUARD_PAGE;
import static org.jalloc.testkit.contract.Misuse.MISALIGNED;
import static org.jalloc.testkit.contract.Misuse.REALLOC_FREED;
import static org.jalloc.testkit.contract.Misuse.USABLE_SIZE_FREED;

import java.util.EnumSet;
import java.util.Set;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The contract for {@code dense:small=0,footers=all,ties=high,realloc=in-place}: the tagged tier alone, with
 * Knuth's full footers and the other tie-break, where misuse detection is what boundary tags allow.
 */
class DenseTaggedContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("dense:small=0,footers=all,ties=high,realloc=in-place", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.of(DOUBLE_FREE, REALLOC_FREED, EXPAND_FREED, USABLE_SIZE_FREED, MISALIGNED, BEYOND_BREAK, GUARD_PAGE, FOREIGN);
    }
}
