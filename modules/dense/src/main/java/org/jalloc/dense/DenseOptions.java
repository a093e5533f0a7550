package org.jalloc.dense;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jalloc.core.spi.Sizes;

/**
 * The techniques of {@link DenseAllocator}, each one switchable so that its worth can be measured on its own. The
 * defaults ({@link #DENSEST}) are the densest configuration measured (docs/dense.md, docs/fragmentation.md).
 *
 * @param small       largest request served from a headerless small-class page (a multiple of 16 up to 1024); 0
 *                    turns pages off, so every block carries a header
 * @param page        the largest page a small class grows to (bytes, a multiple of 256)
 * @param threshold   a small class gets pages once this many tagged blocks of its block size are live (0: at once);
 *                    below it a class's few objects cost a header each instead of a mostly empty page
 * @param footers     which blocks carry a footer
 * @param ties        which of several equally good free blocks best fit takes
 * @param coalescing  whether a freed block merges with its free neighbours at once
 * @param realloc     how realloc grows a block
 * @param growth      how the heap grows when no free block fits
 */
public record DenseOptions(long small, long page, long threshold, Footers footers, Ties ties, Coalescing coalescing,
                           Realloc realloc, Growth growth) {
    /** Which blocks carry a footer. */
    public enum Footers {
        /** Only free blocks; an allocated block's right neighbour says in its p bit that its left is allocated. */
        FREE_ONLY,
        /** Every block (Knuth's layout): 8 more bytes per allocated block. */
        ALL
    }

    /** Best fit's tie-break among free blocks of the same size. */
    public enum Ties {
        /** The lowest address (address-ordered best fit: keeps the high end of the heap free). */
        LOW,
        /** The highest address (the ablation of LOW). */
        HIGH
    }

    /** When free neighbours merge. */
    public enum Coalescing {
        /** At every free: no two free blocks are ever adjacent. */
        IMMEDIATE,
        /** Never (the ablation: only the heap's free last block grows). */
        NEVER
    }

    /** How realloc grows a block. */
    public enum Realloc {
        /**
         * In place (into a free right neighbour, or at the break); the free block right after a block realloc
         * touched lately is kept for its growth, and a block grown before takes a quarter more.
         */
        RESERVE,
        /** In place, exactly. */
        IN_PLACE,
        /** Never in place: allocate, copy, free (shrinking stays in place). */
        MOVE
    }

    /** How the heap grows. */
    public enum Growth {
        /** By exactly what the request lacks (extending a free last block): mdriver charges the high-water mark. */
        EXACT,
        /** By whole 4 KiB chunks, as CS:APP's mm.c does with CHUNKSIZE. */
        CHUNK
    }

    /** The largest {@link #small} accepted: 64 classes of 16 bytes. */
    public static final long MAX_SMALL = 1024;

    /** The defaults: the densest configuration. */
    public static final DenseOptions DENSEST = new DenseOptions(128, 4096, 8, Footers.FREE_ONLY, Ties.LOW, Coalescing.IMMEDIATE,
            Realloc.RESERVE, Growth.EXACT);

    public DenseOptions {
        if (small < 0 || small > MAX_SMALL || small % 16 != 0) {
            throw new IllegalArgumentException("small must be a multiple of 16 in [0, " + MAX_SMALL + "], got " + small);
        }
        if (threshold < 0 || threshold > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("threshold must be in [0, " + Integer.MAX_VALUE + "], got " + threshold);
        }
        if (page % SmallPages.GRANULE != 0 || page < SmallPages.GRANULE || page > (1L << 20)) {
            throw new IllegalArgumentException("page must be a multiple of " + SmallPages.GRANULE + " in [256, 1M], got " + page);
        }
        if (small > 0 && page < SmallPages.minPageBytes((int) (small / 16 - 1), footers == Footers.ALL ? 16 : 8)) {
            throw new IllegalArgumentException("page " + page + " cannot hold 8 slots of the largest small class (" + small + " bytes)");
        }
    }

    /** The options named by {@code ./jalloc}'s {@code key=value} pairs (every key resolved by the provider). */
    static DenseOptions of(Map<String, String> o) {
        return new DenseOptions(
                Sizes.parse(o.getOrDefault("small", "128")),
                Sizes.parse(o.getOrDefault("page", "4K")),
                Sizes.parse(o.getOrDefault("threshold", "8")),
                Footers.valueOf(constant(o.getOrDefault("footers", "free-only"))),
                Ties.valueOf(constant(o.getOrDefault("ties", "low"))),
                Coalescing.valueOf(constant(o.getOrDefault("coalesce", "immediate"))),
                Realloc.valueOf(constant(o.getOrDefault("realloc", "reserve"))),
                Growth.valueOf(constant(o.getOrDefault("grow", "exact"))));
    }

    private static String constant(String value) {
        return value.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** {@code free-only} for {@code FREE_ONLY}: how an enum value is spelled in a spec. */
    static String spelled(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The spec of these options: {@code dense}, then {@code :key=value,...} for each option that differs from {@link #DENSEST}. */
    static String specName(DenseOptions o) {
        List<String> differ = new ArrayList<>();
        DenseOptions d = DENSEST;
        if (o.small() != d.small()) {
            differ.add("small=" + o.small());
        }
        if (o.page() != d.page()) {
            differ.add("page=" + o.page());
        }
        if (o.threshold() != d.threshold()) {
            differ.add("threshold=" + o.threshold());
        }
        if (o.footers() != d.footers()) {
            differ.add("footers=" + spelled(o.footers()));
        }
        if (o.ties() != d.ties()) {
            differ.add("ties=" + spelled(o.ties()));
        }
        if (o.coalescing() != d.coalescing()) {
            differ.add("coalesce=" + spelled(o.coalescing()));
        }
        if (o.realloc() != d.realloc()) {
            differ.add("realloc=" + spelled(o.realloc()));
        }
        if (o.growth() != d.growth()) {
            differ.add("grow=" + spelled(o.growth()));
        }
        return differ.isEmpty() ? "dense" : "dense:" + String.join(",", differ);
    }
}
