package org.jalloc.freelist;

import java.util.List;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;

/** Offers {@code first-fit} to {@code ./jalloc}, the fuzz engine and trace replay. */
public final class FreeListProvider implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        OptionSpec coalesce = OptionSpec.choice("coalesce", "immediate",
                "merge free neighbours on every free (immediate) or only when a search fails (deferred)", "immediate", "deferred");
        return List.of(new AllocatorType("first-fit",
                "implicit free list, one header word per block, first fit, splitting, coalescing",
                ThreadSafety.SINGLE_OWNER, List.of(coalesce),
                (heap, options, name) -> new FreeListAllocator(heap,
                        "deferred".equals(options.get("coalesce")) ? FreeListAllocator.Coalescing.DEFERRED
                                : FreeListAllocator.Coalescing.IMMEDIATE, name)));
    }
}
