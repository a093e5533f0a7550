package org.jalloc.threadcache;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The radix tree from page number to span descriptor, two levels as tcmalloc's {@code PageMap2}: a root array of
 * leaves of {@link #LEAF} pages (4 MiB of heap each), leaves created on first use.
 *
 * <p>Concurrency: written only under the page-heap lock. Read without a lock by any thread, with plain loads: the
 * entries of a live block's pages are written (and their leaf created) before the block is handed out, which
 * happens-before any free of it, and they are not rewritten while a block of the span is live. Entries of free
 * pages may change under a racing reader, which only matters for a misused (not live) address.
 */
final class PageMap {
    static final int LEAF_BITS = 10;
    static final int LEAF = 1 << LEAF_BITS;

    private final @Nullable Span[][] root;
    private int leaves;

    PageMap(long limitBytes) {
        long pages = (limitBytes + SizeClasses.PAGE - 1) >>> SizeClasses.PAGE_SHIFT;
        root = new Span[(int) ((pages + LEAF - 1) >>> LEAF_BITS)][];
    }

    /**
     * The span of page {@code page}, or null. Any {@code page} is safe: a page number from a hostile address (high
     * bits set, or a negative address shifted unsigned) is compared as a long before it becomes an index, never
     * truncated to an int first.
     */
    @Nullable Span get(long page) {
        long r = page >>> LEAF_BITS;
        if (r >= root.length) {
            return null;
        }
        @Nullable Span[] leaf = root[(int) r];
        return leaf == null ? null : leaf[(int) page & (LEAF - 1)];
    }

    /** Maps pages {@code [first, first + count)} to {@code span} (null clears). Page-heap lock held. */
    void set(long first, long count, @Nullable Span span) {
        for (long p = first; p < first + count; p++) {
            int r = (int) (p >>> LEAF_BITS);
            @Nullable Span[] leaf = root[r];
            if (leaf == null) {
                if (span == null) {
                    p = ((long) (r + 1) << LEAF_BITS) - 1;
                    continue;
                }
                leaf = new Span[LEAF];
                root[r] = leaf;
                leaves++;
            }
            leaf[(int) p & (LEAF - 1)] = span;
        }
    }

    /** Java-heap bytes of the tree (compressed references): the root plus every leaf. */
    long bytes() {
        return 16 + 4L * root.length + (long) leaves * (16 + 4L * LEAF);
    }
}
