package org.jalloc.dense;

import java.util.List;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;

/**
 * Offers {@code dense} to {@code ./jalloc}, the fuzz engine and trace replay; every technique is an option (the service
 * is {@link org.jalloc.dense.internal.DenseProvider}, in a package the module does not export).
 */
final class DenseTypes implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        List<OptionSpec> options = List.of(
                OptionSpec.number("small", "128",
                        "largest request served headerless from a page of its 16-byte size class (multiple of 16, <= 1K); 0 = every block has a header",
                        0, DenseOptions.MAX_SMALL),
                OptionSpec.number("page", "4K", "largest page a small class grows to (multiple of 256)", SmallPages.GRANULE, 1L << 20),
                OptionSpec.number("threshold", "8",
                        "a small class gets pages once this many tagged blocks of its size are live (0 = at once)", 0, Integer.MAX_VALUE),
                OptionSpec.choice("footers", "free-only",
                        "which blocks carry a footer: free-only (a prev-allocated bit in the next header) or all (Knuth)", "free-only", "all"),
                OptionSpec.choice("ties", "low", "best fit among equal sizes: the lowest address or the highest", "low", "high"),
                OptionSpec.choice("coalesce", "immediate", "free neighbours merge at once, or never", "immediate", "never"),
                OptionSpec.choice("realloc", "reserve",
                        "realloc grows in place with a reserve for blocks that keep growing, in place exactly, or always moves",
                        "reserve", "in-place", "move"),
                OptionSpec.choice("grow", "exact", "the heap grows by exactly what is missing, or by whole 4 KiB chunks", "exact", "chunk"));
        return List.of(new AllocatorType("dense",
                "density first: headerless small-class pages, boundary tags with footer elision, exact best fit, exact growth",
                ThreadSafety.SINGLE_OWNER, options,
                (heap, resolved, name) -> new DenseAllocator(heap, DenseOptions.of(resolved), name)));
    }
}
