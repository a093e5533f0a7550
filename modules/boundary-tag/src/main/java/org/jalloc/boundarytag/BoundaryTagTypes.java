package org.jalloc.boundarytag;

import java.util.List;
import java.util.Map;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.spi.Sizes;

/** Offers {@code boundary-tag} and {@code tlsf} to {@code ./jalloc}, the fuzz engine and trace replay. */
final class BoundaryTagTypes implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        OptionSpec footers = OptionSpec.choice("footers", "free-only",
                "which blocks carry a footer: free-only (dlmalloc's elision, a prev-allocated bit in the next header) or all (Knuth)",
                "free-only", "all");
        OptionSpec fit = OptionSpec.choice("fit", "best",
                "which fitting block of a segregated list is taken: the smallest seen (best) or the first (first)",
                "best", "first");
        OptionSpec scan = OptionSpec.number("scan", "16",
                "blocks examined per size class before settling for the best seen; 0 = no bound (exact best fit, O(n))");
        return List.of(
                new AllocatorType("boundary-tag",
                        "boundary tags, O(1) coalescing, segregated explicit free lists by power-of-two size class",
                        ThreadSafety.SINGLE_OWNER, List.of(footers, fit, scan, SecureLinks.OPTION),
                        (heap, options, name) -> new BoundaryTagAllocator(heap,
                                "first".equals(options.get("fit")) ? BoundaryTagAllocator.Policy.SEGREGATED_FIRST_FIT
                                        : BoundaryTagAllocator.Policy.SEGREGATED,
                                footers(options), Sizes.parse(options.getOrDefault("scan", "16")), SecureLinks.requested(options), name)),
                new AllocatorType("tlsf",
                        "boundary tags, O(1) coalescing, two-level segregated fit: bitmaps, O(1) malloc and free",
                        ThreadSafety.SINGLE_OWNER, List.of(footers, SecureLinks.OPTION),
                        (heap, options, name) -> new BoundaryTagAllocator(heap, BoundaryTagAllocator.Policy.TLSF,
                                footers(options), SegregatedLists.DEFAULT_SCAN, SecureLinks.requested(options), name)));
    }

    private static BoundaryTagAllocator.Footers footers(Map<String, String> options) {
        return "all".equals(options.get("footers")) ? BoundaryTagAllocator.Footers.ALL : BoundaryTagAllocator.Footers.FREE_ONLY;
    }
}
