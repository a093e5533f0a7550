package org.jalloc.boundarytag;

import java.lang.foreign.MemorySegment;

import org.jalloc.core.memory.Heap;

/**
 * Segregated free lists by power-of-two size class (Wilson's "segregated fits"): list {@code k} holds the free
 * blocks of {@code [32·2^k, 32·2^(k+1))} bytes, so {@code k = floor(log2(size)) - 5}.
 *
 * <pre>
 *   class    0        1         2          3           ...   k
 *   sizes  [32,64)  [64,128)  [128,256)  [256,512)     ...   [32·2^k, 32·2^(k+1))
 * </pre>
 *
 * <h2>Search (malloc of a block of {@code asize} bytes)</h2>
 * <ol>
 *   <li>In {@code asize}'s own class, whose blocks may be too small, examine at most {@code scan} blocks:
 *       {@link Fit#BEST} takes the smallest block of at least {@code asize} seen (an exact fit ends the scan),
 *       {@link Fit#FIRST} the first one.</li>
 *   <li>Otherwise the first non-empty larger class, where every block fits: the smallest of its first {@code scan}
 *       blocks ({@code BEST}) or its head ({@code FIRST}).</li>
 * </ol>
 * A search costs at most {@code 2·scan} block visits plus one look at each head: bounded, but by a constant that
 * is neither small nor free of list contents, the contrast to {@link Tlsf}. With {@code scan = 0} (unbounded) the
 * search is exact best fit over the whole heap at the price of O(class length) per malloc: on binary2 (4,000 free
 * 128-byte blocks in the class every 144-byte request searches first) that is dozens of times slower than
 * {@code scan = 16} for the same utilization (docs/boundary-tag.md). The heads array grows to the largest class used, so small heaps pay for few heads (they
 * count as external metadata).
 */
final class SegregatedLists extends BinIndex {
    /** How a block is chosen among those that fit. */
    enum Fit {
        /** The smallest block that fits (exact fit stops the scan). */
        BEST,
        /** The first block that fits. */
        FIRST
    }

    /** The default of {@code scan}: blocks examined per list before settling for the best seen. */
    static final long DEFAULT_SCAN = 16;

    private final Fit fit;
    /** Blocks examined per list at most; {@link Long#MAX_VALUE} for exact best fit. */
    private final long scan;
    long searches;
    long searchSteps;
    long maxSearchSteps;

    SegregatedLists(Heap heap, Fit fit, long scan) {
        super(heap, 1);
        this.fit = fit;
        this.scan = scan <= 0 ? Long.MAX_VALUE : scan;
    }

    static int classOf(long size) {
        return 58 - Long.numberOfLeadingZeros(size); // floor(log2(size)) - 5; size >= 32
    }

    @Override
    int listOf(long size) {
        return classOf(size);
    }

    @Override
    long findFit(MemorySegment mem, long asize) {
        long steps = 0;
        long best = 0;
        long bestSize = Long.MAX_VALUE;
        int first = classOf(asize);
        if (first < heads.length) {
            for (long b = heads[first]; b != 0 && steps < scan; b = next(mem, b)) {
                steps++;
                long size = BoundaryTagAllocator.sizeOf(mem.get(WORD, b));
                if (size >= asize && size < bestSize) {
                    best = b;
                    bestSize = size;
                    if (size == asize || fit == Fit.FIRST) {
                        break;
                    }
                }
            }
        }
        for (int k = first + 1; best == 0 && k < heads.length; k++) {
            long scanned = 0;
            for (long b = heads[k]; b != 0 && scanned < scan; b = next(mem, b), scanned++) {
                steps++;
                long size = BoundaryTagAllocator.sizeOf(mem.get(WORD, b));
                if (size < bestSize) {
                    best = b;
                    bestSize = size;
                    if (fit == Fit.FIRST) {
                        break;
                    }
                }
            }
        }
        searches++;
        searchSteps += steps;
        maxSearchSteps = Math.max(maxSearchSteps, steps);
        return best;
    }

    @Override
    String describe(int list) {
        return "class " + list + " [" + (32L << list) + ", " + (64L << list) + ")";
    }

    @Override
    String policy() {
        return "segregated lists, " + fit.name().toLowerCase(java.util.Locale.ROOT) + " fit";
    }
}
