package org.jalloc.dense;

import java.util.Arrays;

import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.FreeEntryVisitor;

/**
 * The headerless tier of {@link DenseAllocator}: requests of up to {@code small} bytes live in <b>pages</b>, each a
 * run of equal <b>slots</b> of one size class (16, 32, 48, ... bytes), with the page's metadata at its end and no
 * header per slot. A page is an allocated block of the boundary-tag tier (tag bit {@code s} set) whose end is
 * aligned to the {@link #GRANULE}, so one bit per granule (the <b>end map</b>) finds the page holding any address.
 *
 * <pre>
 *  b = page block (header at b)                       E = b + size + 8, a multiple of 256 (the end map's bit E/256 - 1)
 *  | hdr |slot 0|slot 1| ... |slot n-1| slack |bitmap w words| links | info |[footer]| next block's header |
 *  b     base = b + 8 (16-aligned)                              ^E-24-f  ^E-16-f       E - 8             E
 *
 *  info  (8 bytes):  | size/16 (bits 40..63) | live (24..39) | slots n (8..23) | class c (0..7) |
 *  links (8 bytes):  | prev page: E/256 (bits 32..63) | next page: E/256 (bits 0..31) |        0 = none
 *  bitmap:           bit i of word i/64 set  ⇔  slot i is free;  w = ceil(n / 64);  f = 8 with footers=all, else 0
 * </pre>
 *
 * A class keeps the pages that have both free and live slots on a doubly linked list sorted by address; a slot is
 * taken from the lowest such page (lowest free slot first), so the high pages empty first. A page that becomes
 * full leaves its list; one that becomes empty is freed at once as a boundary-tag block and merges with its
 * neighbours. A class's first page is small (room for 8 slots, at least one granule) and each further page doubles,
 * up to {@code page} bytes: a class with a few objects costs a few hundred bytes, a class with thousands pays under
 * 2% for its metadata.
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>page of p: the lowest end-map bit at or above p's granule, within the largest page's reach, gives E; p is in
 *       that page when it is at least {@code E - size} (the page's first slot). Two word reads.</li>
 *   <li>malloc: class c = (n - 1) / 16 (0 for n = 0); the head page of c's list (else a new page); the lowest set
 *       bit of its bitmap; clear it, count it; a page that fills leaves the list.</li>
 *   <li>free: the slot index is {@code (p - base) / size}, exact (an interior address or a free bit is misuse); set
 *       the bit; a full page joins its list in address order; an empty page is freed.</li>
 * </ol>
 * Misuse detected in O(1), exactly: any address in a page that is not the start of a live slot.
 */
final class SmallPages {
    /** Page ends are multiples of this; the end map has one bit per granule. */
    static final long GRANULE = 256;
    static final int GRANULE_SHIFT = 8;
    /** A page holds at least this many slots of its class. */
    static final int MIN_SLOTS = 8;

    /** The owner's name, for messages. */
    private final String name;
    private final Heap heap;
    /** Number of classes: {@code small / 16}. */
    final int classes;
    /** The largest page a class grows to. */
    final long maxPage;
    /** Bytes between a page's metadata and its end E: the next header, and a footer with footers=all. */
    final long tail;
    /** Tag bytes of an allocated block (8, or 16 with footers=all). */
    private final long tagBytes;
    /** Granules a page may span: the reach of the end-map search. */
    private final long reach;

    /** Per class: the lowest page with free and live slots (its end E), 0 when none. Grown to the classes used. */
    long[] heads = new long[0];
    /** Per class: pages that exist. */
    int[] pageCount = new int[0];
    /** Bit g set ⇔ a page ends at {@code (g + 1) · GRANULE}. Grown with the heap. */
    long[] ends = new long[0];

    long allocations;
    long frees;
    long pagesCreated;
    long pagesFreed;

    SmallPages(String name, Heap heap, long small, long maxPage, long tagBytes) {
        this.name = name;
        this.heap = heap;
        this.classes = (int) (small / 16);
        this.maxPage = maxPage;
        this.tagBytes = tagBytes;
        this.tail = tagBytes;
        this.reach = maxPageBlock() / GRANULE + 2;
    }

    // ---------------------------------------------------------------- geometry

    static long slotSize(int c) {
        return 16L * (c + 1);
    }

    static int classOf(long size) {
        return size == 0 ? 0 : (int) ((size - 1) >>> 4);
    }

    static int words(long slots) {
        return (int) ((slots + 63) >>> 6);
    }

    /** Slots of class {@code c} in a page block of {@code size} bytes (allocated tag bytes {@code tagBytes}). */
    static long capacity(int c, long size, long tagBytes) {
        long usable = size - tagBytes;
        long s = slotSize(c);
        long n = Math.max(0, (usable - 16) / s);
        while (n > 0 && n * s + 16 + 8L * words(n) > usable) {
            n--;
        }
        return n;
    }

    /** The smallest page block holding {@link #MIN_SLOTS} slots of class {@code c}. */
    static long minPageBytes(int c, long tagBytes) {
        long bytes = tagBytes + 16 + 8 + MIN_SLOTS * slotSize(c);
        return (bytes + 15) & -16L;
    }

    long capacity(int c, long size) {
        return capacity(c, size, tagBytes);
    }

    long minPage(int c) {
        return minPageBytes(c, tagBytes);
    }

    /** The size a new page of class {@code c} aims at: the first one small, each next one twice the last. */
    long target(int c) {
        long first = (minPage(c) + GRANULE - 1) & -GRANULE;
        int existing = c < pageCount.length ? pageCount[c] : 0;
        return Math.min(maxPage, first << Math.min(existing, 12));
    }

    /**
     * The largest page block created: a target, plus up to a granule to end on one, plus what a free last block that
     * a new page at the heap's end swallows whole may add (less than a granule and a minimum block).
     */
    long maxPageBlock() {
        return maxPage + 2 * GRANULE + DenseAllocator.MIN_BLOCK;
    }

    long infoAt(long end) {
        return end - tail - 8;
    }

    long linksAt(long end) {
        return end - tail - 16;
    }

    long bitmapAt(long end, long slots) {
        return linksAt(end) - 8L * words(slots);
    }

    static int classOfInfo(long info) {
        return (int) (info & 0xFF);
    }

    static long slotsOf(long info) {
        return (info >>> 8) & 0xFFFF;
    }

    static long liveOf(long info) {
        return (info >>> 24) & 0xFFFF;
    }

    static long sizeOfInfo(long info) {
        return (info >>> 40) << 4;
    }

    static long info(int c, long slots, long live, long size) {
        return c | (slots << 8) | (live << 24) | ((size >>> 4) << 40);
    }

    // ---------------------------------------------------------------- the end map

    private void ensureEnds(long granule) {
        int need = (int) (granule >>> 6) + 1;
        if (need > ends.length) {
            ends = Arrays.copyOf(ends, Math.max(need, ends.length + 8));
        }
    }

    void markEnd(long end) {
        long g = (end >>> GRANULE_SHIFT) - 1;
        ensureEnds(g);
        ends[(int) (g >>> 6)] |= 1L << g;
    }

    void clearEnd(long end) {
        long g = (end >>> GRANULE_SHIFT) - 1;
        ends[(int) (g >>> 6)] &= ~(1L << g);
    }

    boolean endMarked(long end) {
        long g = (end >>> GRANULE_SHIFT) - 1;
        int w = (int) (g >>> 6);
        return g >= 0 && w < ends.length && (ends[w] & (1L << g)) != 0;
    }

    /** The end E of the page containing {@code address}, or 0 when no page does (it may be a tagged block). */
    long pageOf(long address) {
        long g = address >>> GRANULE_SHIFT;
        int w = (int) (g >>> 6);
        if (w >= ends.length) {
            return 0;
        }
        long word = ends[w] & (-1L << g);
        while (word == 0) {
            w++;
            if (w >= ends.length || ((long) w << 6) > g + reach) {
                return 0;
            }
            word = ends[w];
        }
        long bit = ((long) w << 6) + Long.numberOfTrailingZeros(word);
        if (bit > g + reach) {
            return 0;
        }
        long end = (bit + 1) << GRANULE_SHIFT;
        long size = sizeOfInfo(heap.getLong(infoAt(end)));
        return address >= end - size && size > 0 ? end : 0;
    }

    /** Bytes outside the heap: the end map, the list heads and the page counters. */
    long externalBytes() {
        return 8L * ends.length + 8L * heads.length + 4L * pageCount.length;
    }

    // ---------------------------------------------------------------- lists

    long next(long end) {
        return (heap.getLong(linksAt(end)) & 0xFFFF_FFFFL) << GRANULE_SHIFT;
    }

    long prev(long end) {
        return (heap.getLong(linksAt(end)) >>> 32) << GRANULE_SHIFT;
    }

    private void setLinks(long end, long prev, long next) {
        heap.putLong(linksAt(end), (prev >>> GRANULE_SHIFT) << 32 | (next >>> GRANULE_SHIFT));
    }

    private void setNext(long end, long next) {
        setLinks(end, prev(end), next);
    }

    private void setPrev(long end, long prev) {
        setLinks(end, prev, next(end));
    }

    private void unlink(int c, long end) {
        long next = next(end);
        long prev = prev(end);
        if (prev != 0) {
            setNext(prev, next);
        } else {
            heads[c] = next;
        }
        if (next != 0) {
            setPrev(next, prev);
        }
        setLinks(end, 0, 0);
    }

    /** Links a page into its class's list in address order (O(pages on the list)). */
    private void insertSorted(int c, long end) {
        long prev = 0;
        long cur = heads[c];
        while (cur != 0 && cur < end) {
            prev = cur;
            cur = next(cur);
        }
        setLinks(end, prev, cur);
        if (prev != 0) {
            setNext(prev, end);
        } else {
            heads[c] = end;
        }
        if (cur != 0) {
            setPrev(cur, end);
        }
    }

    /** Whether class {@code c} has a page. */
    boolean hasPages(int c) {
        return c < pageCount.length && pageCount[c] > 0;
    }

    private void ensureClass(int c) {
        if (c >= heads.length) {
            heads = Arrays.copyOf(heads, c + 1);
            pageCount = Arrays.copyOf(pageCount, c + 1);
        }
    }

    // ---------------------------------------------------------------- malloc and free

    /** A slot for {@code size} bytes ({@code size <= 16 · classes}), or 0 when no page can be made. */
    long allocate(DenseAllocator owner, long size) {
        int c = classOf(size);
        ensureClass(c);
        long end = heads[c];
        if (end == 0) {
            end = newPage(owner, c);
            if (end == 0) {
                return 0;
            }
        }
        long infoAt = infoAt(end);
        long info = heap.getLong(infoAt);
        long n = slotsOf(info);
        long live = liveOf(info) + 1;
        long bitmap = bitmapAt(end, n);
        int w = words(n);
        long slot = -1;
        for (int i = 0; i < w; i++) {
            long word = heap.getLong(bitmap + 8L * i);
            if (word != 0) {
                int bit = Long.numberOfTrailingZeros(word);
                heap.putLong(bitmap + 8L * i, word & ~(1L << bit));
                slot = 64L * i + bit;
                break;
            }
        }
        if (slot < 0 || slot >= n) {
            throw new HeapCorruptionException("dense: page ending at 0x" + Long.toHexString(end) + " is on the list of class "
                    + c + " but has no free slot (a corrupted bitmap?)", end);
        }
        heap.putLong(infoAt, info + (1L << 24));
        if (live == n) {
            unlink(c, end);
        }
        allocations++;
        return end - sizeOfInfo(info) + slot * slotSize(c);
    }

    /** The slot index of the live slot at {@code address} in the page ending at {@code end}, or throws (misuse). */
    private long liveSlot(long address, long end, long info) {
        long s = slotSize(classOfInfo(info));
        long offset = address - (end - sizeOfInfo(info));
        long slot = offset / s;
        if (offset % s != 0 || slot >= slotsOf(info)) {
            throw new InvalidPointerException(name + ": 0x" + Long.toHexString(address) + " is not the start of a "
                    + s + "-byte slot of the page ending at 0x" + Long.toHexString(end), address);
        }
        long word = heap.getLong(bitmapAt(end, slotsOf(info)) + 8 * (slot >>> 6));
        if ((word & (1L << slot)) != 0) {
            throw new DoubleFreeException(name + ": slot 0x" + Long.toHexString(address) + " is not allocated (double free?)",
                    address);
        }
        return slot;
    }

    void free(DenseAllocator owner, long address, long end) {
        long infoAt = infoAt(end);
        long info = heap.getLong(infoAt);
        long slot = liveSlot(address, end, info);
        int c = classOfInfo(info);
        long n = slotsOf(info);
        long word = bitmapAt(end, n) + 8 * (slot >>> 6);
        heap.putLong(word, heap.getLong(word) | (1L << slot));
        long live = liveOf(info) - 1;
        frees++;
        if (live == 0) {
            if (n > 1) {
                unlink(c, end);
            }
            release(owner, c, end, sizeOfInfo(info));
            return;
        }
        heap.putLong(infoAt, info - (1L << 24));
        if (live == n - 1) {
            insertSorted(c, end);
        }
    }

    /** The usable size of the live slot at {@code address} (misuse throws). */
    long usable(long address, long end) {
        long info = heap.getLong(infoAt(end));
        liveSlot(address, end, info);
        return slotSize(classOfInfo(info));
    }

    /** In-place resize of a live slot: only within its slot. */
    boolean resize(long address, long end, long size) {
        long info = heap.getLong(infoAt(end));
        liveSlot(address, end, info);
        return size <= slotSize(classOfInfo(info));
    }

    private long newPage(DenseAllocator owner, int c) {
        long block = owner.allocatePageBlock(target(c), minPage(c), maxPageBlock());
        if (block == 0) {
            return 0;
        }
        long size = DenseAllocator.sizeOf(heap.getLong(block));
        long end = block + size + 8;
        long n = capacity(c, size);
        long bitmap = bitmapAt(end, n);
        int w = words(n);
        for (int i = 0; i < w; i++) {
            long bits = i < w - 1 || (n & 63) == 0 ? -1L : (1L << (n & 63)) - 1;
            heap.putLong(bitmap + 8L * i, bits);
        }
        setLinks(end, 0, 0);
        heap.putLong(infoAt(end), info(c, n, 0, size));
        markEnd(end);
        heads[c] = end;
        pageCount[c]++;
        pagesCreated++;
        return end;
    }

    private void release(DenseAllocator owner, int c, long end, long size) {
        clearEnd(end);
        pageCount[c]--;
        pagesFreed++;
        owner.releasePageBlock(end - 8 - size);
    }

    // ---------------------------------------------------------------- checker support

    /**
     * Every free slot of every listed page (list {@code 1 + c}), for HEAP-3. A page link that does not end on a
     * marked granule inside the heap ends its list (reported with size 0).
     */
    void walk(FreeEntryVisitor visitor, long lo, long hi) {
        long budget = (hi - lo) / GRANULE + 2;
        for (int c = 0; c < heads.length; c++) {
            for (long end = heads[c]; end != 0 && budget-- > 0; end = next(end)) {
                if (!plausiblePage(end, lo, hi)) {
                    if (!visitor.entry(1 + c, end, 0)) {
                        return;
                    }
                    break;
                }
                long info = heap.getLong(infoAt(end));
                long n = slotsOf(info);
                long s = slotSize(classOfInfo(info));
                long base = end - sizeOfInfo(info);
                long bitmap = bitmapAt(end, n);
                for (long i = 0; i < n; i++) {
                    if ((heap.getLong(bitmap + 8 * (i >>> 6)) & (1L << i)) != 0 && !visitor.entry(1 + c, base + i * s, s)) {
                        return;
                    }
                }
            }
        }
    }

    /** Whether {@code end} can be a page's end: marked, inside the heap, with a recorded size inside it. */
    boolean plausiblePage(long end, long lo, long hi) {
        if (end <= lo || end > hi || (end & (GRANULE - 1)) != 0 || !endMarked(end)) {
            return false;
        }
        long info = heap.getLong(infoAt(end));
        long size = sizeOfInfo(info);
        long n = slotsOf(info);
        return size >= 32 && end - 8 - size >= lo && classOfInfo(info) < classes
                && n * slotSize(classOfInfo(info)) + 16 + 8L * words(n) <= size - tagBytes;
    }
}
