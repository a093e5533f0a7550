package org.jalloc.freelist;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.freelist.FreeListAllocator.Coalescing;
import org.jalloc.freelist.FreeListAllocator.ListKind;
import org.jalloc.freelist.FreeListAllocator.Policy;

/**
 * Offers {@code first-fit}, {@code next-fit}, {@code best-fit} and {@code segregated} to {@code ./jalloc}, the fuzz
 * engine and trace replay, each with the options {@code list} and {@code coalesce} (see docs/free-list.md).
 */
final class FreeListTypes implements AllocatorProvider {
    private static final OptionSpec COALESCE = OptionSpec.choice("coalesce", "immediate",
            "merge free neighbours on every free (immediate) or only when a search fails (deferred)", "immediate", "deferred");
    private static final OptionSpec LIST = OptionSpec.choice("list", "implicit",
            "free blocks found by walking every block (implicit) or kept in an explicit doubly linked list, "
                    + "most recently freed first (lifo) or sorted by address (address)", "implicit", "lifo", "address");
    private static final OptionSpec CLASS_ORDER = OptionSpec.choice("list", "lifo",
            "order within each size-class list: most recently freed first (lifo) or by address (address)", "lifo", "address");
    private static final OptionSpec SEGREGATED_COALESCE = OptionSpec.choice("coalesce", "deferred",
            "merge free neighbours only when a search fails (deferred) or on every free (immediate: the left neighbour "
                    + "costs a scan of the lists)", "deferred", "immediate");

    @Override
    public List<AllocatorType> allocatorTypes() {
        return List.of(
                type(Policy.FIRST_FIT, "first fit: the first free block that fits, in list order", LIST, COALESCE),
                type(Policy.NEXT_FIT, "next fit: first fit from where the last search ended (a roving pointer)", LIST, COALESCE),
                type(Policy.BEST_FIT, "best fit: the free block leaving the least over, stopping at a perfect fit", LIST, COALESCE),
                type(Policy.SEGREGATED, "segregated fits: 63 size-class lists, first fit within the class (approximate best fit)",
                        CLASS_ORDER, SEGREGATED_COALESCE));
    }

    private static AllocatorType type(Policy policy, String description, OptionSpec list, OptionSpec coalesce) {
        return new AllocatorType(policy.specName(), description + "; one header word per block, splitting, coalescing",
                ThreadSafety.SINGLE_OWNER, List.of(list, coalesce, SecureLinks.OPTION),
                (heap, options, name) -> new FreeListAllocator(heap, policy, listKind(options), coalescing(options),
                        SecureLinks.requested(options), name));
    }

    private static ListKind listKind(Map<String, String> options) {
        return ListKind.valueOf(String.valueOf(options.get("list")).toUpperCase(Locale.ROOT));
    }

    private static Coalescing coalescing(Map<String, String> options) {
        return "deferred".equals(options.get("coalesce")) ? Coalescing.DEFERRED : Coalescing.IMMEDIATE;
    }
}
