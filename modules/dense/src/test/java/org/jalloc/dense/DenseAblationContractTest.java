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
 * The contract for the ablations that keep it, all at once: pages of every class up to 1 KiB from the first request,
 * footers on every block, the highest of equal holes, realloc in place without a reserve, heap growth by chunks.
 * {@code coalesce=never} and {@code realloc=move} are measurement ablations that give up two of the contract's
 * promises by design (after freeing everything a large block fits again; {@code tryExpand} grows back into what a
 * shrink released): {@code DenseAllocatorTest} and {@code DenseFuzzTest} check them (docs/dense.md).
 */
class DenseAblationContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("dense:small=1K,page=16K,threshold=0,footers=all,ties=high,realloc=in-place,grow=chunk", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.of(DOUBLE_FREE, REALLOC_FREED, EXPAND_FREED, USABLE_SIZE_FREED, INTERIOR, MISALIGNED, BEYOND_BREAK, GUARD_PAGE,
                FOREIGN);
    }
}
