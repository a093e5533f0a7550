package org.jalloc.core.pagemap;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one radix page map of jalloc: page number to one entry, two levels as tcmalloc's {@code PageMap2}, used by
 * the slab family (an entry is a word: Linux's {@code page->slab}) and thread-cache (an entry is a span descriptor).
 *
 * <h2>Layout</h2>
 * <pre>
 *   page p (an address &gt;&gt;&gt; page shift; 4 KiB pages in every user)
 *   root:  [ leaf 0 | leaf 1 | ... | leaf R-1 ]       R = ceil(pages / LEAF), fixed at construction
 *             |         (null until an entry of it is first set to something other than empty)
 *             v
 *   leaf:  [ e0 | e1 | ... | e(LEAF-1) ]              LEAF = 1 &lt;&lt; leafBits entries
 *   entry(p) = root[p &gt;&gt;&gt; leafBits][p &amp; (LEAF - 1)]
 * </pre>
 * One word for a level: the second level is a <b>leaf</b> (tcmalloc's word; the slab family used to say "chunk").
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@code get(p) = empty} (0, or null) for every p outside {@code [0, pages)} and for every p of a leaf never
 *       created: out of range is not an error, so a hostile address (high bits set, a negative address shifted
 *       unsigned) is answered, not thrown on. The page number is compared as a long before it becomes an index,
 *       never truncated to an int first.</li>
 *   <li>Growth: a leaf is created on the first non-empty write into its range and kept (a small heap pays one leaf,
 *       not a table for the whole reservation); writing empty into an absent leaf creates nothing.</li>
 *   <li>{@code leaves() = |{r : root[r] != null}|}.</li>
 * </ul>
 *
 * <h2>Concurrency</h2>
 * Written under the owning allocator's lock (slab's page lock, thread-cache's page-heap monitor). Read without a
 * lock, with plain loads, by free paths that only look up pages of blocks they were handed: the entries (and their
 * leaf) were written before the block was handed out, which happens-before any free of it, and they are not
 * rewritten while a block there is live. Entries of free pages may change under a racing reader, which only matters
 * for an address that is no live block (misuse), and the answer is then some entry or empty, never an exception.
 *
 * <p>The two kinds ({@link Words}, {@link Refs}) share the geometry; each has its own typed leaves, so a lookup is
 * two array loads and no boxing or extra indirection.
 */
public abstract sealed class RadixPageMap permits RadixPageMap.Words, RadixPageMap.Refs {
    /** Bits of a page number that index a leaf. */
    protected final int leafBits;
    /** Entries of a leaf. */
    protected final int leaf;
    /** Pages the map covers: {@code [0, pages)}. */
    private final long pages;
    /** Leaves created so far. */
    protected int leaves;

    RadixPageMap(long pages, int leafBits) {
        if (leafBits < 1 || leafBits > 20) {
            throw new IllegalArgumentException("leaf bits must be in [1, 20], got " + leafBits);
        }
        if (pages < 0 || ((pages + (1L << leafBits) - 1) >>> leafBits) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a page map cannot cover " + pages + " pages with leaves of 2^" + leafBits);
        }
        this.leafBits = leafBits;
        this.leaf = 1 << leafBits;
        this.pages = pages;
    }

    /** Leaves of the root for {@code pages} pages. */
    static int rootLength(long pages, int leafBits) {
        return (int) ((pages + (1L << leafBits) - 1) >>> leafBits);
    }

    /** Pages the map covers, from page 0. */
    public final long pages() {
        return pages;
    }

    /** Entries of one leaf. */
    public final int leafEntries() {
        return leaf;
    }

    /** Leaves created so far. */
    public final int leaves() {
        return leaves;
    }

    /** Slots of the root. */
    public abstract int rootLength();

    /** An estimate of the Java-heap bytes of the tree: the root and every leaf. */
    public abstract long bytes();

    /** A map of words: 0 is empty. The slab family's {@code page->slab}. */
    public static final class Words extends RadixPageMap {
        private final long [] @Nullable [] root;

        /** A map of pages {@code [0, pages)} with leaves of {@code 2^leafBits} words. */
        public Words(long pages, int leafBits) {
            super(pages, leafBits);
            this.root = new long[rootLength(pages, leafBits)][];
        }

        /** The word of page {@code page}; 0 when none was set or {@code page} lies outside the map. */
        public long get(long page) {
            long r = page >>> leafBits;
            if (r >= root.length) {
                return 0;
            }
            long[] l = root[(int) r];
            return l == null ? 0 : l[(int) page & (leaf - 1)];
        }

        /** Sets the word of page {@code page} (inside the map). */
        public void set(long page, long word) {
            long[] l = leafFor(page, word != 0);
            if (l != null) {
                l[(int) page & (leaf - 1)] = word;
            }
        }

        /** Sets {@code count} words from page {@code first}: the first to {@code head}, the others to {@code tail}. */
        public void setRange(long first, long count, long head, long tail) {
            set(first, head);
            for (long p = first + 1; p < first + count; p++) {
                set(p, tail);
            }
        }

        private long @Nullable [] leafFor(long page, boolean create) {
            int r = index(page, root.length);
            long[] l = root[r];
            if (l == null && create) {
                l = new long[leaf];
                root[r] = l;
                leaves++;
            }
            return l;
        }

        @Override
        public int rootLength() {
            return root.length;
        }

        /** Eight bytes a root slot and a word (array headers not counted). */
        @Override
        public long bytes() {
            return (long) leaves * leaf * Long.BYTES + (long) root.length * 8;
        }
    }

    /**
     * A map of references: null is empty. Thread-cache's page to span descriptor.
     *
     * @param <T> the entry type
     */
    public static final class Refs<T> extends RadixPageMap {
        private final @Nullable Object[][] root; // leaves created on first use

        /** A map of pages {@code [0, pages)} with leaves of {@code 2^leafBits} references. */
        public Refs(long pages, int leafBits) {
            super(pages, leafBits);
            this.root = new Object[rootLength(pages, leafBits)][];
        }

        /** The entry of page {@code page}; null when none was set or {@code page} lies outside the map. */
        @SuppressWarnings("unchecked") // only set(long, long, T) stores into the leaves
        public @Nullable T get(long page) {
            long r = page >>> leafBits;
            if (r >= root.length) {
                return null;
            }
            @Nullable Object[] l = root[(int) r];
            return l == null ? null : (@Nullable T) l[(int) page & (leaf - 1)];
        }

        /** Maps pages {@code [first, first + count)} (inside the map) to {@code entry}; null clears. */
        public void set(long first, long count, @Nullable T entry) {
            for (long p = first; p < first + count; p++) {
                int r = index(p, root.length);
                @Nullable Object[] l = root[r];
                if (l == null) {
                    if (entry == null) {
                        p = ((long) (r + 1) << leafBits) - 1; // nothing to clear in an absent leaf
                        continue;
                    }
                    l = new Object[leaf];
                    root[r] = l;
                    leaves++;
                }
                l[(int) p & (leaf - 1)] = entry;
            }
        }

        @Override
        public int rootLength() {
            return root.length;
        }

        /** Compressed references: 4 bytes a slot, 16 a header. */
        @Override
        public long bytes() {
            return 16 + 4L * root.length + (long) leaves * (16 + 4L * leaf);
        }
    }

    /** The root index of {@code page} for a write: pages outside the map are a caller's bug. */
    final int index(long page, int rootLength) {
        long r = page >>> leafBits;
        if (r >= rootLength) {
            throw new IndexOutOfBoundsException("page " + page + " lies outside the page map's " + pages + " pages");
        }
        return (int) r;
    }
}
