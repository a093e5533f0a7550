package org.jalloc.threadcache;

import org.jalloc.core.memory.Heap;

/**
 * The size classes: every request up to {@link #MAX_SMALL} bytes is rounded up to one of 96 block sizes, each served
 * by its own thread-cache list, central list and spans. Larger requests are whole spans from the page heap.
 *
 * <h2>The table</h2>
 * <pre>
 *   class   1..8   : 16, 32, ..., 128                  (step 16, the alignment quantum)
 *   class   9..96  : for k = 7..17, j = 1..8:  2^k + j * 2^(k-3)
 *                    144, 160, ..., 256 | 288, ..., 512 | ... | 147456, ..., 262144   (8 classes per doubling)
 * </pre>
 * Internal waste of a class is the most a request mapped to it can lose: {@code (size - (previous + 1)) / size}.
 * With 8 classes per doubling the step is {@code 2^(k-3)} and the smallest size of the group {@code 2^k + 2^(k-3)}, so
 * from class 8 (128 B) on the waste is below {@code 1/9 = 11.1% <= 12.5%}; below 128 B the 16-byte alignment quantum
 * dominates (at most 15 bytes). {@code SizeClassesTest} checks this bound for every class and every size.
 *
 * <h2>Columns (computed, not typed in)</h2>
 * <ul>
 *   <li>pages per span: the fewest whole pages holding at least {@link #minBlocks} blocks with a tail (bytes after the
 *       last block, PADDING in the walk) of at most 1/8 of the span;</li>
 *   <li>batch: blocks moved per transfer between a thread cache and the central list, {@code clamp(64 KiB / size, 1, 32)};</li>
 *   <li>max cached: the longest a thread-cache list may grow before a batch goes back,
 *       {@code max(4 * batch, min(128, 1 MiB / size))}: 128 blocks up to 8 KiB, 1 MiB worth above, at least four
 *       batches (branch mx45: it was {@code max(batch, min(4 * batch, 512 KiB / size))}, which held 8 blocks of 32 KiB,
 *       so a live set of large blocks bounced them through the central list and the page heap; the byte limit, not
 *       the list length, is what bounds a cache's memory).</li>
 * </ul>
 * Lookup is one byte table by 16-byte steps up to {@link #MAX_SMALL} (16 KiB of table): {@link #classOf} is one add,
 * one shift and one load, with no branch on the size.
 */
public final class SizeClasses {
    /** The largest small request; bigger ones are page-heap spans. */
    public static final long MAX_SMALL = 256 << 10;
    /** Classes 1..{@code COUNT - 1}; 0 means "not a small block" (a large span). */
    public static final int COUNT = 97;

    static final long PAGE = Heap.PAGE_SIZE;
    static final int PAGE_SHIFT = 12;

    /** Block size of each class. */
    static final long[] SIZE = new long[COUNT];
    /** "class c" for each class: event labels without building a string on the slow path. */
    static final String[] LABEL = new String[COUNT];
    /** Pages of each span of the class. */
    static final int[] PAGES = new int[COUNT];
    /** Blocks in each span of the class. */
    static final int[] BLOCKS = new int[COUNT];
    /** Blocks per batch transfer. */
    static final int[] BATCH = new int[COUNT];
    /** Longest thread-cache list. */
    static final int[] MAX_CACHED = new int[COUNT];
    /**
     * {@code floor((2^64 - 1) / size) + 1}: an offset below 2^32 is a multiple of the size exactly when
     * {@code offset * MULTIPLE_TEST} (mod 2^64) is below {@code MULTIPLE_TEST} as unsigned numbers (Lemire's
     * divisibility test: one multiplication, no division).
     */
    static final long[] MULTIPLE_TEST = new long[COUNT];
    /** {@code BLOCKS * SIZE}: the offsets of block starts in a span lie below it (the rest is the span's tail). */
    static final long[] BLOCKS_END = new long[COUNT];

    /** The class of every request size, by {@code (size + 15) / 16}. */
    private static final byte[] LOOKUP = new byte[(int) (MAX_SMALL / 16) + 1];

    static {
        int c = 1;
        for (long s = 16; s <= 128; s += 16) {
            SIZE[c++] = s;
        }
        for (int k = 7; k <= 17; k++) {
            for (int j = 1; j <= 8; j++) {
                SIZE[c++] = (1L << k) + j * (1L << (k - 3));
            }
        }
        if (c != COUNT || SIZE[COUNT - 1] != MAX_SMALL) {
            throw new AssertionError("size-class table has " + c + " classes");
        }
        for (int i = 1; i < COUNT; i++) {
            long s = SIZE[i];
            int pages = (int) ((s + PAGE - 1) / PAGE);
            while (true) {
                long bytes = pages * PAGE;
                long blocks = bytes / s;
                if (blocks >= minBlocks(s) && bytes - blocks * s <= bytes / 8) {
                    break;
                }
                pages++;
            }
            PAGES[i] = pages;
            BLOCKS[i] = (int) (pages * PAGE / s);
            BATCH[i] = (int) Math.max(1, Math.min(32, (64 << 10) / s));
            MAX_CACHED[i] = (int) Math.max(4L * BATCH[i], Math.min(128, (1 << 20) / s));
            MULTIPLE_TEST[i] = Long.divideUnsigned(-1L, s) + 1;
            BLOCKS_END[i] = BLOCKS[i] * s;
            LABEL[i] = "class " + i;
        }
        LABEL[0] = "large";
        for (int i = 0; i < LOOKUP.length; i++) {
            LOOKUP[i] = (byte) search(Math.max(1, i * 16L)); // classes fit in a positive byte (COUNT < 128)
        }
    }

    private SizeClasses() {}

    /** Blocks a span must hold at least: 8 for sizes up to a page, 32 KiB worth above, at least 1. */
    static long minBlocks(long size) {
        return size <= PAGE ? 8 : Math.max(1, (32 << 10) / size);
    }

    private static int search(long size) {
        for (int i = 1; i < COUNT; i++) {
            if (SIZE[i] >= size) {
                return i;
            }
        }
        throw new AssertionError(size);
    }

    /**
     * True when {@code offset} (from a span's start, below 2^32) is the start of a block of class {@code c}: a
     * multiple of the size, before the span's tail. No division.
     */
    static boolean isBlockOffset(int c, long offset) {
        long m = MULTIPLE_TEST[c];
        return offset < BLOCKS_END[c] && Long.compareUnsigned(offset * m, m) < 0;
    }

    /** The class of a request of {@code size} bytes, {@code 0 <= size <= MAX_SMALL}. */
    static int classOf(long size) {
        return LOOKUP[(int) ((size + 15) >>> 4)];
    }

    /** The block size of class {@code c} (1..96). */
    public static long size(int c) {
        return SIZE[c];
    }

    /** Pages per span of class {@code c}. */
    public static int pagesPerSpan(int c) {
        return PAGES[c];
    }

    /** Blocks per span of class {@code c}. */
    public static int blocksPerSpan(int c) {
        return BLOCKS[c];
    }

    /** Blocks per batch transfer of class {@code c}. */
    public static int batch(int c) {
        return BATCH[c];
    }

    /** The longest thread-cache list of class {@code c}. */
    public static int maxCached(int c) {
        return MAX_CACHED[c];
    }

    /** The class of a request of {@code size} bytes (0 for requests above {@link #MAX_SMALL}). */
    public static int classFor(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        return size > MAX_SMALL ? 0 : classOf(size);
    }

    /**
     * Internal waste bound of class {@code c}: the fraction of the block a request mapped to it can leave unused,
     * {@code (size(c) - size(c - 1) - 1) / size(c)}, with a request of at least 1 byte for class 1.
     */
    public static double maxWaste(int c) {
        long previous = c == 1 ? 0 : SIZE[c - 1];
        return (double) (SIZE[c] - previous - 1) / SIZE[c];
    }

    /** The table as text: what {@code docs/thread-cache.md} and {@code ./jalloc stats} show. */
    public static String table() {
        StringBuilder sb = new StringBuilder(String.format("%5s %8s %6s %7s %6s %6s %9s %7s%n",
                "class", "size", "pages", "blocks", "batch", "cache", "maxwaste", "tail"));
        for (int c = 1; c < COUNT; c++) {
            long span = PAGES[c] * PAGE;
            sb.append(String.format("%5d %8d %6d %7d %6d %6d %8.1f%% %6.1f%%%n", c, SIZE[c], PAGES[c], BLOCKS[c], BATCH[c],
                    MAX_CACHED[c], 100 * maxWaste(c), 100.0 * (span - BLOCKS[c] * SIZE[c]) / span));
        }
        return sb.toString();
    }
}
