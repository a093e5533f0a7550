package org.jalloc.freelist;

/**
 * The size classes of {@code segregated}: 63 classes of block sizes, exact below 256 bytes, then four classes per
 * power of two (TLSF's second level) up to 1 MiB, and one class for everything larger.
 *
 * <pre>
 *   class      block sizes                    formula (s = block size, a multiple of 16, s &gt;= 32)
 *   0 .. 13    32, 48, ..., 240 (one each)    c = s/16 - 2
 *   14 .. 61   [256, 1 MiB), 4 per doubling   f = floor(log2 s) (8..19), q = (s &gt;&gt; (f - 2)) &amp; 3, c = 14 + 4(f - 8) + q
 *   62         [1 MiB, infinity)
 *
 *   worked: 48 -&gt; 1;  240 -&gt; 13;  256 -&gt; 14 [256, 320);  300 -&gt; 14;  448 -&gt; 17 [448, 512);  512 -&gt; 18 [512, 640);
 *           4096 -&gt; 30 [4096, 5120);  1048560 -&gt; 61 [917504, 1048576);  1048576 -&gt; 62
 * </pre>
 *
 * A class spans at most a quarter of its lower bound, so the first block of a request's class that fits is within
 * 25% of the best fit, and every block of a higher class fits any request of a lower one.
 */
final class SegregatedClasses {
    /** Number of classes; with the non-empty bitmap word the head table is 64 words, an even number. */
    static final int COUNT = 63;
    private static final int EXACT = 14;
    private static final long EXACT_LIMIT = 256;
    private static final int LAST = COUNT - 1;
    private static final int LAST_SHIFT = 20;

    private SegregatedClasses() {}

    /** The class of a block (or request) of {@code size} bytes, a multiple of 16 and at least 32. */
    static int of(long size) {
        if (size < EXACT_LIMIT) {
            return (int) (size >>> 4) - 2;
        }
        int f = 63 - Long.numberOfLeadingZeros(size);
        if (f >= LAST_SHIFT) {
            return LAST;
        }
        int q = (int) (size >>> (f - 2)) & 3;
        return EXACT + ((f - 8) << 2) + q;
    }

    /** The smallest block size of class {@code c}. */
    static long lowerBound(int c) {
        if (c < EXACT) {
            return (long) (c + 2) << 4;
        }
        if (c == LAST) {
            return 1L << LAST_SHIFT;
        }
        int f = 8 + ((c - EXACT) >> 2);
        int q = (c - EXACT) & 3;
        return (long) (4 + q) << (f - 2);
    }

    /** {@code [lower, upper)} of class {@code c}, for messages and the stats table. */
    static String describe(int c) {
        return "class " + c + " [" + lowerBound(c) + ", " + (c == LAST ? "inf" : Long.toString(lowerBound(c + 1))) + ")";
    }
}
