package org.jalloc.threadcache;

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
 * The whole allocator contract for the explicit-handle view ({@code thread-cache:cache=explicit}): every call goes
 * through an explicit cache handle, with the argument checks and edge cases of {@code AbstractAllocator}; the same
 * misuse is detected in O(1) as through implicit caches.
 */
class ExplicitCacheContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("thread-cache:cache=explicit", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.of(DOUBLE_FREE, REALLOC_FREED, EXPAND_FREED, USABLE_SIZE_FREED, INTERIOR, MISALIGNED, BEYOND_BREAK,
                GUARD_PAGE, FOREIGN);
    }
}
