package org.jalloc.threadcache;

import java.util.Arrays;

import org.jalloc.core.pagemap.RadixPageMap;
import static org.jalloc.threadcache.SizeClasses.PAGE;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.GranuleMap;
import org.jalloc.core.memory.Heap;

/**
 * The page heap: every page of {@code [heap.start(), heap.brk())} belongs to exactly one span; free spans sit on
 * free lists by length, are merged with free neighbours at once, and are returned to the OS ({@link Heap#release},
 * madvise DONTNEED) by jemalloc-style decay.
 *
 * <p>Lock order: central list, then page heap, then the heap's own monitor (sbrk, release). Every method runs
 * under this object's monitor; the page map is read without it (see {@link ThreadCacheAllocator}'s concurrency
 * contract).
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>TC-1: {@code pagemap[p] = the span containing p} for every page p in {@code [start, brk)}; spans tile the heap.</li>
 *   <li>TC-6: free spans sit on the list of their length, no two free spans are adjacent, the free/dirty page
 *       counters equal the sums, released pages lie only in free spans:
 *       {@code s ∈ free[min(s.pages, EXACT + 1)]}, {@code s.dirty = s.pages - |released ∩ s|},
 *       {@code Σ s.pages = freePages}, {@code Σ s.dirty = dirtyPages}.</li>
 * </ul>
 *
 * <h2>Structures</h2>
 * <ul>
 *   <li>{@code free[n]}, n = 1..{@value #EXACT}: free spans of exactly n pages (LIFO); {@code free[EXACT + 1]}: all
 *       longer ones (best fit, lowest address on ties).</li>
 *   <li>the page map: every page of every span names its descriptor (TC-1).</li>
 *   <li>{@code released}: one bit per page, set while the page is free and returned to the OS; a free span's
 *       {@code dirtyPages} counts its pages whose bit is clear.</li>
 *   <li>the dirty LRU: free spans with dirty pages, oldest first; decay purges from its head.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>allocate(n, align): the first non-empty exact list from n up, else best fit among the long spans (any free
 *       span whose aligned start leaves room, for an alignment above a page); none: grow the heap by what is missing
 *       (extending a free last span); carve {@code [a, a + n)} out: the pieces before and after stay free, reusing
 *       the old descriptor so only the carved pages are remapped (O(n)).</li>
 *   <li>free(s): merge with a free left and right neighbour (a)(b); the surviving descriptor is the longer one, so
 *       only the shorter one's pages are remapped; all pages of s count as dirty.</li>
 *   <li>decay (every epoch of {@code decay / 20} clock ticks): push the pages dirtied during the epoch into a
 *       backlog of 20 epochs; the dirty pages allowed are {@code sum backlog[i] * smootherstep((i + 1) / 20)}
 *       (newest weighs 1, oldest almost 0); purge LRU spans until under the limit. {@code decay = 0} purges at once.</li>
 * </ol>
 *
 */
final class PageHeap {
    static final int EXACT = 128;
    static final int DECAY_STEPS = 20;
    private static final double[] DECAY_WEIGHT = new double[DECAY_STEPS];

    static {
        for (int i = 0; i < DECAY_STEPS; i++) {
            double x = (i + 1.0) / DECAY_STEPS;
            DECAY_WEIGHT[i] = x * x * x * (x * (6 * x - 15) + 10);
        }
    }

    final Heap heap;
    /** Bits of a page number that index a leaf of the page map: 1024 pages (4 MiB of heap) a leaf. */
    static final int MAP_LEAF_BITS = 10;

    /** Page to span: core's radix page map, leaves created on first use (TC-1). */
    final RadixPageMap.Refs<Span> map;
    /** Heaps of at most this many pages (4 GiB: the CLI's and the benchmarks' size) get the flat page-info array. */
    static final long FLAT_MAX_PAGES = 1L << 20;
    /**
     * The flat page info (TC-1): for every page of a SMALL span, {@code class | pageInSpan << 8 | arena << 16}; 0 for
     * every other page (free, LARGE, beyond the break). Indexed by {@code page - firstPage}; pages past its length
     * read as 0. It grows (under this monitor, copied then published) as carves reach higher pages, so its memory
     * follows the pages in use rather than the reservation; it stays empty for heaps above {@link #FLAT_MAX_PAGES},
     * whose frees take the page map. Written under this monitor before a span's blocks are handed out, cleared when the
     * span returns here. A plain field, as core's {@code GranuleMap} root: a reader that got a block through any
     * happens-before chain from its carve sees an array at least as new as the one the carve wrote (JLS 17.4.5), with the
     * carve's words in it; a newer array seen without that chain (a racing growth) may show 0 for the page, which only
     * sends the free to the page map ({@code freeSlow}), never to a wrong class, since a page's word does not change
     * while a block of its span is live. (Volatile, its read would be an acquire barrier in the middle of every free:
     * C2 must then reload every field the free reads after it, about 1 ns per pair.)
     */
    int[] info = new int[0];
    /** The flat page info's largest length: the reservation's pages, or 0 when above {@link #FLAT_MAX_PAGES}. */
    private final int flatPages;
    /** The heap's first page number. */
    final long firstPage;
    /** Descriptors no longer naming any page, reused by the next carve (no Java allocation in steady state). */
    private @Nullable Span spare;
    /** The allocator's block-state map: its leaves describing purged free spans are dropped with them. */
    private final GranuleMap states;
    final @Nullable Span[] free = new Span[EXACT + 2];
    final long[] released;
    @Nullable Span lruHead;
    @Nullable Span lruTail;

    long freePages;
    long dirtyPages;
    long freeSpans;

    // statistics
    long grows;
    long grownPages;
    long splits;
    long merges;
    long purges;
    long purgedPages;
    long largeAllocations;
    long spanAllocations;

    // decay
    final long decayTicks;
    private final long epochLength;
    private long epochStart;
    private final long[] backlog = new long[DECAY_STEPS];
    private long dirtyAfterLastEpoch;
    private long decayLimit;

    PageHeap(Heap heap, long decayTicks, GranuleMap states) {
        this.heap = heap;
        this.states = states;
        this.map = new RadixPageMap.Refs<>((heap.limit() + PAGE - 1) >>> PAGE_SHIFT, MAP_LEAF_BITS);
        this.firstPage = heap.start() >>> PAGE_SHIFT;
        long capacityPages = (heap.limit() - heap.start() + PAGE - 1) >>> PAGE_SHIFT;
        this.flatPages = capacityPages <= FLAT_MAX_PAGES ? (int) capacityPages : 0;
        this.released = new long[(int) (((heap.limit() >>> PAGE_SHIFT) + 64) >>> 6)];
        this.decayTicks = decayTicks;
        this.epochLength = Math.max(1, decayTicks / DECAY_STEPS);
        if (heap.brk() != heap.start() || (heap.start() & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException("thread-cache needs an empty, page-aligned heap: " + heap);
        }
    }

    // ------------------------------------------------------------------ allocation

    /** A span of {@code pages} pages starting at a multiple of {@code alignPages} pages, or null when the heap is full. */
    synchronized @Nullable Span allocate(long pages, long alignPages, byte state, int sizeClass, int arena) {
        Span f = alignPages <= 1 ? findFit(pages) : findAlignedFit(pages, alignPages);
        if (f == null) {
            f = grow(pages, alignPages);
            if (f == null) {
                return null;
            }
        }
        Span s = carve(f, alignUp(f.start, alignPages * PAGE), pages);
        s.state = state;
        s.sizeClass = sizeClass;
        s.arena = arena;
        if (state == Span.LARGE) {
            largeAllocations++;
        } else {
            spanAllocations++;
            setInfo(s, sizeClass | arena << 16);
        }
        org.jalloc.core.events.SlowPathEvent.emit("thread-cache", org.jalloc.core.events.SlowPathEvent.SPAN_CARVED,
                state == Span.LARGE ? "large" : SizeClasses.LABEL[sizeClass], s.start, s.bytes());
        return s;
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    private @Nullable Span findFit(long pages) {
        for (long n = pages; n <= EXACT; n++) {
            Span s = free[(int) n];
            if (s != null) {
                return s;
            }
        }
        Span best = null;
        for (Span s = free[EXACT + 1]; s != null; s = s.next) {
            if (s.pages >= pages && (best == null || s.pages < best.pages || (s.pages == best.pages && s.start < best.start))) {
                best = s;
            }
        }
        return best;
    }

    private @Nullable Span findAlignedFit(long pages, long alignPages) {
        long align = alignPages * PAGE;
        for (int i = 1; i <= EXACT + 1; i++) {
            for (Span s = free[i]; s != null; s = s.next) {
                if (alignUp(s.start, align) + pages * PAGE <= s.end()) {
                    return s;
                }
            }
        }
        return null;
    }

    /** Grows the heap so that a free span holds an aligned run of {@code pages}; returns that span or null. */
    private @Nullable Span grow(long pages, long alignPages) {
        long brk = heap.brk();
        long align = alignPages * PAGE;
        Span tailSpan = brk > heap.start() ? map.get((brk >>> PAGE_SHIFT) - 1) : null;
        Span last = tailSpan != null && tailSpan.state == Span.FREE ? tailSpan : null;
        long from = last != null ? last.start : brk;
        long end = alignUp(from, align) + pages * PAGE;
        long need = end - brk;
        if (need <= 0 || heap.sbrk(need) < 0) {
            return null;
        }
        grows++;
        grownPages += need >>> PAGE_SHIFT;
        long firstNew = brk >>> PAGE_SHIFT;
        long newPages = need >>> PAGE_SHIFT;
        setReleased(firstNew, newPages, true); // untouched pages cost nothing until carved
        freePages += newPages;
        if (last != null) {
            unlinkFree(last);
            map.set(firstNew, newPages, last);
            last.pages += newPages;
            linkFree(last);
            return last;
        }
        Span s = newSpan(brk, newPages, Span.FREE);
        map.set(firstNew, newPages, s);
        freeSpans++;
        linkFree(s);
        return s;
    }

    /** Takes {@code [a, a + pages)} out of the free span {@code f}; the rest stays free. */
    private Span carve(Span f, long a, long pages) {
        unlinkFree(f);
        long fEnd = f.end();
        long leadPages = (a - f.start) >>> PAGE_SHIFT;
        long tailPages = ((fEnd - a) >>> PAGE_SHIFT) - pages;
        long midPage = a >>> PAGE_SHIFT;
        long midDirty = pages - countReleased(midPage, pages);
        long leadDirty = leadPages == 0 ? 0 : leadPages - countReleased(f.firstPage(), leadPages);
        long tailDirty = f.dirtyPages - midDirty - leadDirty;
        setReleased(midPage, pages, false);
        dirtyPages -= midDirty;
        freePages -= pages;
        Span mid = newSpan(a, pages, Span.FREE);
        map.set(midPage, pages, mid);
        if (leadPages == 0 && tailPages == 0) {
            lruRemove(f);
            freeSpans--;
            recycle(f);
            return mid;
        }
        splits++;
        if (leadPages == 0) { // f becomes the tail (its pages already map to it)
            f.start = a + pages * PAGE;
            f.pages = tailPages;
            f.dirtyPages = tailDirty;
        } else {
            f.pages = leadPages;
            f.dirtyPages = leadDirty;
            if (tailPages > 0) {
                Span tail = newSpan(a + pages * PAGE, tailPages, Span.FREE);
                tail.dirtyPages = tailDirty;
                map.set(tail.firstPage(), tailPages, tail);
                freeSpans++;
                linkFree(tail);
                lruAdd(tail);
            }
        }
        if (f.dirtyPages == 0) {
            lruRemove(f);
        }
        linkFree(f);
        return mid;
    }

    // ------------------------------------------------------------------ freeing and merging

    /** Returns a SMALL or LARGE span to the page heap; merges it with free neighbours. */
    synchronized void free(Span s) {
        if (s.state == Span.SMALL) {
            setInfo(s, 0);
        }
        s.state = Span.FREE;
        s.sizeClass = 0;
        s.freeHead = 0;
        s.freeCount = 0;
        s.allocated = 0;
        s.prev = null;
        s.next = null;
        s.dirtyPages = s.pages;
        freePages += s.pages;
        dirtyPages += s.pages;
        freeSpans++;
        s = mergeNeighbours(s);
        linkFree(s);
        lruRemove(s);
        lruAdd(s);
        if (decayTicks == 0) {
            purgeTo(0);
        }
    }

    /**
     * Merge conditions, for the span {@code s} just freed: (a) the page before {@code s} lies in the heap and its
     * span is FREE: merge left; (b) the page after {@code s} lies below the break and its span is FREE: merge right.
     */
    private Span mergeNeighbours(Span s) {
        long first = s.firstPage();
        if (first > (heap.start() >>> PAGE_SHIFT)) {
            Span left = map.get(first - 1);
            if (left != null && left.state == Span.FREE && left != s) {
                unlinkFree(left);
                lruRemove(left);
                s = merge(left, s);
            }
        }
        long after = s.end() >>> PAGE_SHIFT;
        if (after < (heap.brk() >>> PAGE_SHIFT)) {
            Span right = map.get(after);
            if (right != null && right.state == Span.FREE && right != s) {
                unlinkFree(right);
                lruRemove(right);
                s = merge(s, right);
            }
        }
        return s;
    }

    /** Merges two adjacent free spans (left, right); the longer descriptor survives. */
    private Span merge(Span left, Span right) {
        merges++;
        freeSpans--;
        lruRemove(left);
        lruRemove(right);
        if (left.pages >= right.pages) {
            map.set(right.firstPage(), right.pages, left);
            left.pages += right.pages;
            left.dirtyPages += right.dirtyPages;
            recycle(right);
            return left;
        }
        map.set(left.firstPage(), left.pages, right);
        right.start = left.start;
        right.pages += left.pages;
        right.dirtyPages += left.dirtyPages;
        recycle(left);
        return right;
    }

    // ------------------------------------------------------------------ resizing large spans

    /** Grows a LARGE span in place to {@code pages} pages (into a free right neighbour or the break); false if it cannot. */
    synchronized boolean grow(Span s, long pages) {
        long extra = pages - s.pages;
        long brk = heap.brk();
        long endPage = s.end() >>> PAGE_SHIFT;
        Span right = s.end() < brk ? map.get(endPage) : null;
        if (right != null && right.state == Span.FREE) {
            if (right.pages < extra && (right.end() != brk || heap.sbrk((extra - right.pages) * PAGE) < 0)) {
                return false;
            }
            unlinkFree(right);
            if (right.pages < extra) {
                long more = extra - right.pages;
                setReleased(brk >>> PAGE_SHIFT, more, true);
                map.set(brk >>> PAGE_SHIFT, more, right);
                right.pages += more;
                freePages += more;
                grows++;
                grownPages += more;
            }
            long dirty = extra - countReleased(endPage, extra);
            setReleased(endPage, extra, false);
            map.set(endPage, extra, s);
            dirtyPages -= dirty;
            freePages -= extra;
            right.dirtyPages -= dirty;
            if (right.pages == extra) {
                lruRemove(right);
                freeSpans--;
                recycle(right);
            } else {
                right.start += extra * PAGE;
                right.pages -= extra;
                if (right.dirtyPages == 0) {
                    lruRemove(right);
                }
                linkFree(right);
            }
            s.pages = pages;
            return true;
        }
        if (right == null && s.end() == brk && heap.sbrk(extra * PAGE) >= 0) {
            grows++;
            grownPages += extra;
            map.set(endPage, extra, s);
            s.pages = pages;
            return true;
        }
        return false;
    }

    /** Shrinks a LARGE span to {@code pages} pages; the tail becomes free (and merges to the right). */
    synchronized void shrink(Span s, long pages) {
        if (pages >= s.pages) {
            return;
        }
        Span tail = newSpan(s.start + pages * PAGE, s.pages - pages, Span.LARGE);
        map.set(tail.firstPage(), tail.pages, tail);
        s.pages = pages;
        splits++;
        free(tail);
    }

    // ------------------------------------------------------------------ decay and release

    /** Advances decay to clock value {@code now}; purges what the smootherstep curve no longer allows. */
    synchronized void decay(long now) {
        if (decayTicks < 0) {
            return;
        }
        if (decayTicks == 0) {
            purgeTo(0);
            return;
        }
        if (now < epochStart + epochLength) {
            return;
        }
        long epochs = (now - epochStart) / epochLength;
        epochStart += epochs * epochLength;
        int shift = (int) Math.min(epochs, DECAY_STEPS);
        System.arraycopy(backlog, shift, backlog, 0, DECAY_STEPS - shift);
        java.util.Arrays.fill(backlog, DECAY_STEPS - shift, DECAY_STEPS, 0);
        backlog[DECAY_STEPS - 1] = Math.max(0, dirtyPages - dirtyAfterLastEpoch);
        double limit = 0;
        for (int i = 0; i < DECAY_STEPS; i++) {
            limit += backlog[i] * DECAY_WEIGHT[i];
        }
        decayLimit = (long) limit;
        purgeTo(decayLimit);
        dirtyAfterLastEpoch = dirtyPages;
    }

    /** Returns dirty free pages to the OS, oldest spans first, until at most {@code limit} remain. */
    synchronized void purgeTo(long limit) {
        while (dirtyPages > limit && lruHead != null) {
            purge(lruHead);
        }
        if (dirtyAfterLastEpoch > dirtyPages) {
            dirtyAfterLastEpoch = dirtyPages;
        }
    }

    private void purge(Span s) {
        long first = s.firstPage();
        long runStart = -1;
        for (long p = first; p <= first + s.pages; p++) {
            boolean dirty = p < first + s.pages && !isReleased(p);
            if (dirty && runStart < 0) {
                runStart = p;
            } else if (!dirty && runStart >= 0) {
                heap.release(runStart << PAGE_SHIFT, (p - runStart) << PAGE_SHIFT);
                runStart = -1;
            }
        }
        setReleased(first, s.pages, true);
        states.release(s.start, s.bytes()); // a free span holds no block: its states are rewritten when it is cut again
        purges++;
        purgedPages += s.dirtyPages;
        dirtyPages -= s.dirtyPages;
        s.dirtyPages = 0;
        lruRemove(s);
    }

    long decayLimit() {
        return decayLimit;
    }

    // ------------------------------------------------------------------ lists, LRU, bitmap

    static int listIndex(long pages) {
        return (int) Math.min(pages, EXACT + 1);
    }

    private void linkFree(Span s) {
        int i = listIndex(s.pages);
        Span head = free[i];
        s.prev = null;
        s.next = head;
        if (head != null) {
            head.prev = s;
        }
        free[i] = s;
    }

    private void unlinkFree(Span s) {
        Span p = s.prev;
        Span n = s.next;
        if (p != null) {
            p.next = n;
        } else {
            int i = listIndex(s.pages);
            if (free[i] == s) {
                free[i] = n;
            }
        }
        if (n != null) {
            n.prev = p;
        }
        s.prev = null;
        s.next = null;
    }

    private void lruAdd(Span s) {
        if (s.inLru || s.dirtyPages == 0) {
            return;
        }
        s.inLru = true;
        s.lruNext = null;
        s.lruPrev = lruTail;
        if (lruTail != null) {
            lruTail.lruNext = s;
        } else {
            lruHead = s;
        }
        lruTail = s;
    }

    private void lruRemove(Span s) {
        if (!s.inLru) {
            return;
        }
        Span p = s.lruPrev;
        Span n = s.lruNext;
        if (p != null) {
            p.lruNext = n;
        } else {
            lruHead = n;
        }
        if (n != null) {
            n.lruPrev = p;
        } else {
            lruTail = p;
        }
        s.lruPrev = null;
        s.lruNext = null;
        s.inLru = false;
    }

    boolean isReleased(long page) {
        return (released[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    long countReleased(long first, long count) {
        long n = 0;
        for (long p = first; p < first + count; ) {
            if ((p & 63) == 0 && p + 64 <= first + count) {
                n += Long.bitCount(released[(int) (p >>> 6)]);
                p += 64;
            } else {
                n += isReleased(p) ? 1 : 0;
                p++;
            }
        }
        return n;
    }

    void setReleased(long first, long count, boolean value) {
        for (long p = first; p < first + count; ) {
            if ((p & 63) == 0 && p + 64 <= first + count) {
                released[(int) (p >>> 6)] = value ? -1L : 0L;
                p += 64;
            } else {
                if (value) {
                    released[(int) (p >>> 6)] |= 1L << p;
                } else {
                    released[(int) (p >>> 6)] &= ~(1L << p);
                }
                p++;
            }
        }
    }

    /** Java-heap bytes of the page heap's side tables (page map, flat page info, bitmap). */
    long externalBytes() {
        return map.bytes() + 16 + 4L * info.length + 8L * released.length;
    }

    // ------------------------------------------------------------------ flat page info, descriptors

    /** Writes {@code base | pageInSpan << 8} for every page of {@code s} (base 0: clears them). */
    private void setInfo(Span s, int base) {
        if (flatPages == 0) {
            return;
        }
        int first = (int) (s.firstPage() - firstPage);
        int end = first + (int) s.pages;
        int[] m = info;
        if (end > m.length) {
            if (base == 0) {
                end = Math.min(end, m.length); // pages past the array already read as 0
            } else {
                m = Arrays.copyOf(m, Math.min(flatPages, Math.max(end, 2 * m.length)));
                info = m;
            }
        }
        for (int i = first; i < end; i++) {
            m[i] = base == 0 ? 0 : base | (i - first) << 8;
        }
    }

    /** The flat info word of the page holding {@code address}: 0 unless it lies in a SMALL span (or no flat map). */
    int infoOf(long address) {
        long i = (address >>> PAGE_SHIFT) - firstPage;
        int[] m = info;
        return i >= 0 && i < m.length ? m[(int) i] : 0;
    }

    /** A descriptor for {@code [start, +pages)}: a recycled one when there is one. */
    private Span newSpan(long start, long pages, byte state) {
        Span s = spare;
        if (s == null) {
            return new Span(start, pages, state);
        }
        spare = s.next;
        s.reset(start, pages, state);
        return s;
    }

    /** {@code s} names no page any more (merged away): keep it for the next carve. */
    private void recycle(Span s) {
        s.state = Span.FREE;
        s.pages = 0;
        s.prev = null;
        s.lruPrev = null;
        s.lruNext = null;
        s.next = spare;
        spare = s;
    }
}
