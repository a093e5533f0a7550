package org.jalloc.buddy;

import java.util.List;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.spi.Sizes;

/** Offers {@code buddy} to {@code ./jalloc}, the fuzz engine and trace replay. */
final class BuddyTypes implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        OptionSpec minBlock = OptionSpec.number("min-block", Long.toString(BuddyAllocator.DEFAULT_MIN_BLOCK),
                "order-0 block in bytes, a power of two >= 16 (4096 gives Linux's page allocator)", 16, Long.MAX_VALUE).powersOfTwo();
        OptionSpec maxOrder = OptionSpec.number("max-order", Integer.toString(BuddyAllocator.DEFAULT_MAX_ORDER),
                "largest order: blocks of at most min-block << max-order bytes (24 with 16-byte blocks: 256 MiB)", 0, 58);
        return List.of(new AllocatorType("buddy",
                "binary buddy system: power-of-two blocks, a free list per order, XOR buddies, recursive merge",
                ThreadSafety.SINGLE_OWNER, List.of(minBlock, maxOrder, SecureLinks.OPTION),
                (heap, options, name) -> create(heap, options.getOrDefault("min-block", "16"), options.getOrDefault("max-order", "24"),
                        SecureLinks.requested(options), name)));
    }

    private static BuddyAllocator create(Heap heap, String minBlock, String maxOrder, boolean secure, String name) {
        long order = Sizes.parse(maxOrder);
        if (order > 62) {
            throw new IllegalArgumentException("buddy: max-order " + maxOrder + " is too large");
        }
        return new BuddyAllocator(heap, Sizes.parse(minBlock), (int) order, secure, name);
    }
}
