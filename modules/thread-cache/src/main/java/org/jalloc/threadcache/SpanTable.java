package org.jalloc.threadcache;

import java.util.Arrays;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The span descriptors of one page heap as a struct of arrays indexed by <b>span number</b> (1, 2, ...; 0 names no
 * span): no Java object per span. A span is a run of whole pages and what it is used for: FREE (in the page heap),
 * SMALL (cut into blocks of one size class, owned by one arena's central list) or LARGE (one block).
 *
 * <h2>Layout</h2>
 * <pre>
 *   span number s:   chunk = chunks[s &gt;&gt;&gt; 9]   i = s &amp; 511
 *   chunks: [ c0 | c1 | ... ]           fixed length (the most spans the reservation can hold), chunks made on first use
 *   chunk:  start[i] pages[i] state[i] sizeClass[i] arena[i]          (page heap; fixed while a block of s is live)
 *           freeHead[i] freeCount[i] allocated[i] inCentral[i]        (SMALL: its central list's lock)
 *           prev[i] next[i]                                           (a page-heap free list or the central list)
 *           dirtyPages[i] lruPrev[i] lruNext[i] inLru[i]              (FREE: the page heap's dirty LRU)
 *           checkCount[i] checkFree[i] checkLive[i]                   (the checker's scratch)
 * </pre>
 * A chunk never moves once made, so a write under a central list's lock never races a copy made under the page
 * heap's (a flat array grown by copying would lose such writes), and a lock-free reader that got a block of span s
 * through a happens-before chain from its carve sees s's chunk and fields.
 *
 * <p>Ownership: the fields of a FREE span and {@code start/pages/state} of every span belong to the page heap (its
 * lock), as does numbering (new, recycle); {@code freeHead/freeCount/allocated/inCentral/prev/next} of a SMALL span
 * belong to its central list (that list's lock). {@code state, sizeClass, arena, start} of a SMALL or LARGE span
 * never change while a block of it is live, so any thread freeing such a block reads them without a lock (they were
 * written before the block was handed out, which happens-before the free).
 *
 * <h2>Invariant</h2>
 * Numbering: {@code numbered = live ⊎ spare}: every number below {@code next} names a span of the page map or lies
 * on the spare list (chained through {@code next[]}), reused before a new number is drawn; so the table holds at
 * most as many numbers as the heap ever held spans at once.
 */
final class SpanTable {
    static final byte FREE = 0;
    static final byte SMALL = 1;
    static final byte LARGE = 2;

    static final int CHUNK_BITS = 9;
    static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;

    /** One chunk of {@value #CHUNK} descriptors, field by field. */
    static final class Chunk {
        final long[] start = new long[CHUNK];
        final long[] pages = new long[CHUNK];
        final byte[] state = new byte[CHUNK];
        final int[] sizeClass = new int[CHUNK];
        final int[] arena = new int[CHUNK];
        final long[] freeHead = new long[CHUNK];
        final int[] freeCount = new int[CHUNK];
        final int[] allocated = new int[CHUNK];
        final boolean[] inCentral = new boolean[CHUNK];
        final int[] prev = new int[CHUNK];
        final int[] next = new int[CHUNK];
        final long[] dirtyPages = new long[CHUNK];
        final int[] lruPrev = new int[CHUNK];
        final int[] lruNext = new int[CHUNK];
        final boolean[] inLru = new boolean[CHUNK];
        final int[] checkCount = new int[CHUNK];
        final int[] checkFree = new int[CHUNK];
        final int[] checkLive = new int[CHUNK];

        /** Java-heap bytes of the arrays (headers counted as 16). */
        static long bytes() {
            return 18 * 16 + CHUNK * (8 + 8 + 1 + 4 + 4 + 8 + 4 + 4 + 1 + 4 + 4 + 8 + 4 + 4 + 1 + 4 + 4 + 4L);
        }
    }

    private final @Nullable Chunk[] chunks;
    /** The next never-used number. */
    private int fresh = 1;
    /** Head of the spare list: numbers no longer naming any page (0: none). */
    private int spare;
    /** Chunks made so far. */
    private int made;

    /** A table for at most {@code maxSpans} spans at once (a span holds at least one page). */
    SpanTable(long maxSpans) {
        long n = (maxSpans + 2 + CHUNK) >>> CHUNK_BITS;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a span table cannot number " + maxSpans + " spans");
        }
        chunks = new Chunk[(int) n];
    }

    @SuppressWarnings("nullness:return") // s was handed out by create(), which made its chunk first
    private Chunk c(int s) {
        return chunks[s >>> CHUNK_BITS];
    }

    /** True when {@code s} is a number this table has handed out (for lookups of hostile or racing addresses). */
    boolean exists(int s) {
        int k = s >>> CHUNK_BITS;
        return s > 0 && k < chunks.length && chunks[k] != null;
    }

    // ------------------------------------------------------------------ numbering (page heap's lock)

    /** A number for {@code [start, +pages)} in {@code state}, every other field cleared: a spare one when there is one. */
    int create(long start, long pages, byte state) {
        int s = spare;
        if (s != 0) {
            spare = next(s);
        } else {
            s = fresh++;
            int k = s >>> CHUNK_BITS;
            if (k >= chunks.length) {
                throw new IllegalStateException("span table full: " + s + " spans"); // more spans than pages: TC-1 broken
            }
            if (chunks[k] == null) {
                chunks[k] = new Chunk();
                made++;
            }
        }
        Chunk c = c(s);
        int i = s & MASK;
        c.start[i] = start;
        c.pages[i] = pages;
        c.state[i] = state;
        c.sizeClass[i] = 0;
        c.arena[i] = 0;
        c.freeHead[i] = 0;
        c.freeCount[i] = 0;
        c.allocated[i] = 0;
        c.inCentral[i] = false;
        c.prev[i] = 0;
        c.next[i] = 0;
        c.dirtyPages[i] = 0;
        c.lruPrev[i] = 0;
        c.lruNext[i] = 0;
        c.inLru[i] = false;
        c.checkCount[i] = 0;
        c.checkFree[i] = 0;
        c.checkLive[i] = 0;
        return s;
    }

    /** {@code s} names no page any more (merged away): keep its number for the next carve. */
    void recycle(int s) {
        Chunk c = c(s);
        int i = s & MASK;
        c.state[i] = FREE;
        c.pages[i] = 0;
        c.prev[i] = 0;
        c.lruPrev[i] = 0;
        c.lruNext[i] = 0;
        c.inLru[i] = false;
        c.next[i] = spare;
        spare = s;
    }

    /** Java-heap bytes of the table. */
    long bytes() {
        return 16 + 4L * chunks.length + made * (16 + Chunk.bytes());
    }

    /** Numbers drawn so far (live and spare). */
    int numbered() {
        return fresh - 1;
    }

    // ------------------------------------------------------------------ fields

    long start(int s) { return c(s).start[s & MASK]; }
    void start(int s, long v) { c(s).start[s & MASK] = v; }
    long pages(int s) { return c(s).pages[s & MASK]; }
    void pages(int s, long v) { c(s).pages[s & MASK] = v; }
    byte state(int s) { return c(s).state[s & MASK]; }
    void state(int s, byte v) { c(s).state[s & MASK] = v; }
    int sizeClass(int s) { return c(s).sizeClass[s & MASK]; }
    void sizeClass(int s, int v) { c(s).sizeClass[s & MASK] = v; }
    int arena(int s) { return c(s).arena[s & MASK]; }
    void arena(int s, int v) { c(s).arena[s & MASK] = v; }
    long freeHead(int s) { return c(s).freeHead[s & MASK]; }
    void freeHead(int s, long v) { c(s).freeHead[s & MASK] = v; }
    int freeCount(int s) { return c(s).freeCount[s & MASK]; }
    void freeCount(int s, int v) { c(s).freeCount[s & MASK] = v; }
    int allocated(int s) { return c(s).allocated[s & MASK]; }
    void allocated(int s, int v) { c(s).allocated[s & MASK] = v; }
    boolean inCentral(int s) { return c(s).inCentral[s & MASK]; }
    void inCentral(int s, boolean v) { c(s).inCentral[s & MASK] = v; }
    int prev(int s) { return c(s).prev[s & MASK]; }
    void prev(int s, int v) { c(s).prev[s & MASK] = v; }
    int next(int s) { return c(s).next[s & MASK]; }
    void next(int s, int v) { c(s).next[s & MASK] = v; }
    long dirtyPages(int s) { return c(s).dirtyPages[s & MASK]; }
    void dirtyPages(int s, long v) { c(s).dirtyPages[s & MASK] = v; }
    int lruPrev(int s) { return c(s).lruPrev[s & MASK]; }
    void lruPrev(int s, int v) { c(s).lruPrev[s & MASK] = v; }
    int lruNext(int s) { return c(s).lruNext[s & MASK]; }
    void lruNext(int s, int v) { c(s).lruNext[s & MASK] = v; }
    boolean inLru(int s) { return c(s).inLru[s & MASK]; }
    void inLru(int s, boolean v) { c(s).inLru[s & MASK] = v; }
    int checkCount(int s) { return c(s).checkCount[s & MASK]; }
    void checkCount(int s, int v) { c(s).checkCount[s & MASK] = v; }
    int checkFree(int s) { return c(s).checkFree[s & MASK]; }
    void checkFree(int s, int v) { c(s).checkFree[s & MASK] = v; }
    int checkLive(int s) { return c(s).checkLive[s & MASK]; }
    void checkLive(int s, int v) { c(s).checkLive[s & MASK] = v; }

    // ------------------------------------------------------------------ derived

    long bytes(int s) {
        return pages(s) << SizeClasses.PAGE_SHIFT;
    }

    long end(int s) {
        return start(s) + bytes(s);
    }

    long firstPage(int s) {
        return start(s) >>> SizeClasses.PAGE_SHIFT;
    }

    /** A SMALL span of a real class. */
    boolean validSmall(int s) {
        if (!exists(s)) {
            return false;
        }
        int cls = sizeClass(s);
        return state(s) == SMALL && cls >= 1 && cls < SizeClasses.COUNT;
    }

    /** For messages: {@code span #s [start, +pages) what}, or {@code no span} for 0. */
    String describe(int s) {
        if (!exists(s)) {
            return s == 0 ? "no span" : "span #" + s + " (not in the table)";
        }
        int cls = sizeClass(s);
        String what = switch (state(s)) {
            case FREE -> "free";
            case SMALL -> "small class " + cls + " (" + (cls >= 0 && cls < SizeClasses.COUNT ? SizeClasses.SIZE[cls] + " B" : "?")
                    + ") arena " + arena(s);
            case LARGE -> "large";
            default -> "state " + state(s);
        };
        return "span #" + s + " [0x" + Long.toHexString(start(s)) + ", +" + pages(s) + " pages) " + what;
    }

    @Override
    public String toString() {
        return "SpanTable[" + numbered() + " numbered, " + made + " chunks of " + CHUNK + "]";
    }

    static int[] grow(int[] a, int min) {
        return Arrays.copyOf(a, Math.max(min, 2 * a.length + 16));
    }
}
