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

import org.jalloc.core.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;

/**
 * The contract for the ablations that change the most code paths at once: no coalescing, moving realloc, heap
 * growth by chunks, and pages of every class up to 1 KiB with footers on every block.
 */
class DenseAblationContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("dense:small=1K,page=16K,footers=all,coalesce=never,realloc=move,grow=chunk", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.of(DOUBLE_FREE, REALLOC_FREED, EXPAND_FREED, USABLE_SIZE_FREED, INTERIOR, MISALIGNED, BEYOND_BREAK, GUARD_PAGE,
                FOREIGN);
    }
}
