package org.jalloc.threadcache;

import java.util.Arrays;

import static org.jalloc.threadcache.SizeClasses.PAGE;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.GranuleMap;
import org.jalloc.core.pagemap.RadixPageMap;
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
 *   <li>the span table ({@link SpanTable}): every span's descriptor as a struct of arrays by span number, in chunks
 *       that never move; numbers of merged-away spans are reused (a spare list), so no Java object per span and
 *       no Java allocation in steady state.</li>
 *   <li>the page map (TC-1): every page of every span names its span number; for heaps up to
 *       {@link #FLAT_MAX_PAGES} pages one flat {@code int} per page in use, above that core's radix page map.</li>
 *   <li>the flat page info (TC-1, heaps up to {@link #FLAT_MAX_PAGES}): the free path's one-word screen.</li>
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
 *       the old span number so only the carved pages are remapped (O(n)).</li>
 *   <li>free(s): merge with a free left and right neighbour (a)(b); the surviving number is the longer span's, so
 *       only the shorter one's pages are remapped; all pages of s count as dirty.</li>
 *   <li>decay (every epoch of {@code decay / 20} clock ticks): push the pages dirtied during the epoch into a
 *       backlog of 20 epochs; the dirty pages allowed are {@code sum backlog[i] * smootherstep((i + 1) / 20)}
 *       (newest weighs 1, oldest almost 0); purge LRU spans until under the limit. {@code decay = 0} purges at once.</li>
 * </ol>
 *
 * <h2>Layout (one heap of at most 4 GiB)</h2>
 * <pre>
 *   page p - firstPage:  0      1      2      3      4      5      6 ...           (brk)
 *   pageMap (int):       7      7      7      2      9      9      9               span numbers; 0 past the break
 *   info (int):          c|0    c|1    c|2    0      0      0      0               class | pageInSpan | arena
 *   spans (SpanTable):   #7 SMALL class c, 3 pages   #2 LARGE   #9 FREE, 3 pages (on free[3], dirty LRU)
 * </pre>
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
    /** Bits of a page number that index a leaf of the radix page map (heaps above {@link #FLAT_MAX_PAGES}): 1024 pages. */
    static final int MAP_LEAF_BITS = 10;

    /** The span descriptors, by span number (no Java object per span). */
    final SpanTable spans;
    /** Heaps of at most this many pages (4 GiB: the CLI's and the benchmarks' size) get the flat page map and page info. */
    static final long FLAT_MAX_PAGES = 1L << 20;
    /**
     * The flat page map (TC-1), heaps up to {@link #FLAT_MAX_PAGES}: the span number of every page below the break,
     * indexed by {@code page - firstPage}; pages past its length read as 0 (no span). It grows as {@link #info} does
     * (under this monitor, copied then published), so its memory follows the pages in use. A plain field: a reader
     * that got a block through a happens-before chain from its carve sees an array with the carve's entries; one that
     * sees 0 for a page inside the reservation (a racing growth, or a page past the break) re-reads under this monitor
     * ({@link #spanAt}), so 0 is never a stale answer.
     */
    private int[] pageMap = new int[0];
    /** Page to span number for heaps above {@link #FLAT_MAX_PAGES}: core's radix page map (null for flat heaps). */
    private final RadixPageMap.@Nullable Words radix;
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
    /** The flat arrays' largest length: the reservation's pages, or 0 when above {@link #FLAT_MAX_PAGES}. */
    private final int flatPages;
    /** The heap's first page number. */
    final long firstPage;
    /** The allocator's block-state map: its leaves describing purged free spans are dropped with them. */
    private final GranuleMap states;
    /** Heads of the free lists (span numbers, 0: empty), linked through the table's {@code prev/next}. */
    final int[] free = new int[EXACT + 2];
    final long[] released;
    int lruHead;
    int lruTail;

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
        this.firstPage = heap.start() >>> PAGE_SHIFT;
        long capacityPages = (heap.limit() - heap.start() + PAGE - 1) >>> PAGE_SHIFT;
        this.flatPages = capacityPages <= FLAT_MAX_PAGES ? (int) capacityPages : 0;
        this.radix = flatPages == 0 ? new RadixPageMap.Words((heap.limit() + PAGE - 1) >>> PAGE_SHIFT, MAP_LEAF_BITS) : null;
        this.spans = new SpanTable(capacityPages + 2);
        this.released = new long[(int) (((heap.limit() >>> PAGE_SHIFT) + 64) >>> 6)];
        this.decayTicks = decayTicks;
        this.epochLength = Math.max(1, decayTicks / DECAY_STEPS);
        if (heap.brk() != heap.start() || (heap.start() & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException("thread-cache needs an empty, page-aligned heap: " + heap);
        }
    }

    // ------------------------------------------------------------------ the page map

    /**
     * The span number of page {@code page}, 0 when no span covers it (outside the heap, at or past the break, hostile);
     * any thread, without the lock (see {@link #pageMap}).
     */
    int spanAt(long page) {
        RadixPageMap.Words r = radix;
        if (r != null) {
            return (int) r.get(page);
        }
        long i = page - firstPage;
        int[] m = pageMap;
        if (Long.compareUnsigned(i, m.length) < 0) {
            int s = m[(int) i];
            if (s != 0) {
                return s;
            }
        }
        return Long.compareUnsigned(i, flatPages) < 0 ? spanAtLocked((int) i) : 0;
    }

    private synchronized int spanAtLocked(int i) {
        int[] m = pageMap;
        return i < m.length ? m[i] : 0;
    }

    /** Maps pages {@code [first, first + count)} to span {@code s} (0 clears); this monitor held (or a test's single thread). */
    void mapSet(long first, long count, int s) {
        RadixPageMap.Words r = radix;
        if (r != null) {
            for (long p = first; p < first + count; p++) {
                r.set(p, s);
            }
            return;
        }
        int from = (int) (first - firstPage);
        int end = from + (int) count;
        int[] m = pageMap;
        if (end > m.length) {
            if (s == 0) {
                end = Math.min(end, m.length);
            } else {
                m = Arrays.copyOf(m, Math.min(flatPages, Math.max(end, 2 * m.length)));
                pageMap = m;
            }
        }
        Arrays.fill(m, Math.min(from, end), end, s);
    }

    // ------------------------------------------------------------------ allocation

    /** A span of {@code pages} pages starting at a multiple of {@code alignPages} pages, or 0 when the heap is full. */
    synchronized int allocate(long pages, long alignPages, byte state, int sizeClass, int arena) {
        SpanTable t = spans;
        int f = alignPages <= 1 ? findFit(pages) : findAlignedFit(pages, alignPages);
        if (f == 0) {
            f = grow(pages, alignPages);
            if (f == 0) {
                return 0;
            }
        }
        int s = carve(f, alignUp(t.start(f), alignPages * PAGE), pages);
        t.state(s, state);
        t.sizeClass(s, sizeClass);
        t.arena(s, arena);
        if (state == SpanTable.LARGE) {
            largeAllocations++;
        } else {
            spanAllocations++;
            setInfo(s, sizeClass | arena << 16);
        }
        org.jalloc.core.events.SlowPathEvent.emit("thread-cache", org.jalloc.core.events.SlowPathEvent.SPAN_CARVED,
                state == SpanTable.LARGE ? "large" : SizeClasses.LABEL[sizeClass], t.start(s), t.bytes(s));
        return s;
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    private int findFit(long pages) {
        SpanTable t = spans;
        for (long n = pages; n <= EXACT; n++) {
            int s = free[(int) n];
            if (s != 0) {
                return s;
            }
        }
        int best = 0;
        for (int s = free[EXACT + 1]; s != 0; s = t.next(s)) {
            long sp = t.pages(s);
            if (sp >= pages && (best == 0 || sp < t.pages(best) || (sp == t.pages(best) && t.start(s) < t.start(best)))) {
                best = s;
            }
        }
        return best;
    }

    private int findAlignedFit(long pages, long alignPages) {
        SpanTable t = spans;
        long align = alignPages * PAGE;
        for (int i = 1; i <= EXACT + 1; i++) {
            for (int s = free[i]; s != 0; s = t.next(s)) {
                if (alignUp(t.start(s), align) + pages * PAGE <= t.end(s)) {
                    return s;
                }
            }
        }
        return 0;
    }

    /** Grows the heap so that a free span holds an aligned run of {@code pages}; returns that span or 0. */
    private int grow(long pages, long alignPages) {
        SpanTable t = spans;
        long brk = heap.brk();
        long align = alignPages * PAGE;
        int tailSpan = brk > heap.start() ? spanAt((brk >>> PAGE_SHIFT) - 1) : 0;
        int last = tailSpan != 0 && t.state(tailSpan) == SpanTable.FREE ? tailSpan : 0;
        long from = last != 0 ? t.start(last) : brk;
        long end = alignUp(from, align) + pages * PAGE;
        long need = end - brk;
        if (need <= 0 || heap.sbrk(need) < 0) {
            return 0;
        }
        grows++;
        grownPages += need >>> PAGE_SHIFT;
        long firstNew = brk >>> PAGE_SHIFT;
        long newPages = need >>> PAGE_SHIFT;
        setReleased(firstNew, newPages, true); // untouched pages cost nothing until carved
        freePages += newPages;
        if (last != 0) {
            unlinkFree(last);
            mapSet(firstNew, newPages, last);
            t.pages(last, t.pages(last) + newPages);
            linkFree(last);
            return last;
        }
        int s = t.create(brk, newPages, SpanTable.FREE);
        mapSet(firstNew, newPages, s);
        freeSpans++;
        linkFree(s);
        return s;
    }

    /** Takes {@code [a, a + pages)} out of the free span {@code f}; the rest stays free. */
    private int carve(int f, long a, long pages) {
        SpanTable t = spans;
        unlinkFree(f);
        long fStart = t.start(f);
        long fEnd = t.end(f);
        long leadPages = (a - fStart) >>> PAGE_SHIFT;
        long tailPages = ((fEnd - a) >>> PAGE_SHIFT) - pages;
        long midPage = a >>> PAGE_SHIFT;
        long midDirty = pages - countReleased(midPage, pages);
        long leadDirty = leadPages == 0 ? 0 : leadPages - countReleased(t.firstPage(f), leadPages);
        long tailDirty = t.dirtyPages(f) - midDirty - leadDirty;
        setReleased(midPage, pages, false);
        dirtyPages -= midDirty;
        freePages -= pages;
        int mid = t.create(a, pages, SpanTable.FREE);
        mapSet(midPage, pages, mid);
        if (leadPages == 0 && tailPages == 0) {
            lruRemove(f);
            freeSpans--;
            t.recycle(f);
            return mid;
        }
        splits++;
        if (leadPages == 0) { // f becomes the tail (its pages already map to it)
            t.start(f, a + pages * PAGE);
            t.pages(f, tailPages);
            t.dirtyPages(f, tailDirty);
        } else {
            t.pages(f, leadPages);
            t.dirtyPages(f, leadDirty);
            if (tailPages > 0) {
                int tail = t.create(a + pages * PAGE, tailPages, SpanTable.FREE);
                t.dirtyPages(tail, tailDirty);
                mapSet(t.firstPage(tail), tailPages, tail);
                freeSpans++;
                linkFree(tail);
                lruAdd(tail);
            }
        }
        if (t.dirtyPages(f) == 0) {
            lruRemove(f);
        }
        linkFree(f);
        return mid;
    }

    // ------------------------------------------------------------------ freeing and merging

    /** Returns a SMALL or LARGE span to the page heap; merges it with free neighbours. */
    synchronized void free(int s) {
        SpanTable t = spans;
        if (t.state(s) == SpanTable.SMALL) {
            setInfo(s, 0);
        }
        long pages = t.pages(s);
        t.state(s, SpanTable.FREE);
        t.sizeClass(s, 0);
        t.freeHead(s, 0);
        t.freeCount(s, 0);
        t.allocated(s, 0);
        t.inCentral(s, false);
        t.prev(s, 0);
        t.next(s, 0);
        t.dirtyPages(s, pages);
        freePages += pages;
        dirtyPages += pages;
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
    private int mergeNeighbours(int s) {
        SpanTable t = spans;
        long first = t.firstPage(s);
        if (first > (heap.start() >>> PAGE_SHIFT)) {
            int left = spanAt(first - 1);
            if (left != 0 && t.state(left) == SpanTable.FREE && left != s) {
                unlinkFree(left);
                lruRemove(left);
                s = merge(left, s);
            }
        }
        long after = t.end(s) >>> PAGE_SHIFT;
        if (after < (heap.brk() >>> PAGE_SHIFT)) {
            int right = spanAt(after);
            if (right != 0 && t.state(right) == SpanTable.FREE && right != s) {
                unlinkFree(right);
                lruRemove(right);
                s = merge(s, right);
            }
        }
        return s;
    }

    /** Merges two adjacent free spans (left, right); the longer one's number survives. */
    private int merge(int left, int right) {
        SpanTable t = spans;
        merges++;
        freeSpans--;
        lruRemove(left);
        lruRemove(right);
        if (t.pages(left) >= t.pages(right)) {
            mapSet(t.firstPage(right), t.pages(right), left);
            t.pages(left, t.pages(left) + t.pages(right));
            t.dirtyPages(left, t.dirtyPages(left) + t.dirtyPages(right));
            t.recycle(right);
            return left;
        }
        mapSet(t.firstPage(left), t.pages(left), right);
        t.start(right, t.start(left));
        t.pages(right, t.pages(right) + t.pages(left));
        t.dirtyPages(right, t.dirtyPages(right) + t.dirtyPages(left));
        t.recycle(left);
        return right;
    }

    // ------------------------------------------------------------------ resizing large spans

    /** Grows a LARGE span in place to {@code pages} pages (into a free right neighbour or the break); false if it cannot. */
    synchronized boolean grow(int s, long pages) {
        SpanTable t = spans;
        long extra = pages - t.pages(s);
        long brk = heap.brk();
        long sEnd = t.end(s);
        long endPage = sEnd >>> PAGE_SHIFT;
        int right = sEnd < brk ? spanAt(endPage) : 0;
        if (right != 0 && t.state(right) == SpanTable.FREE) {
            long rightPages = t.pages(right);
            if (rightPages < extra && (t.end(right) != brk || heap.sbrk((extra - rightPages) * PAGE) < 0)) {
                return false;
            }
            unlinkFree(right);
            if (rightPages < extra) {
                long more = extra - rightPages;
                setReleased(brk >>> PAGE_SHIFT, more, true);
                mapSet(brk >>> PAGE_SHIFT, more, right);
                t.pages(right, rightPages + more);
                freePages += more;
                grows++;
                grownPages += more;
            }
            long dirty = extra - countReleased(endPage, extra);
            setReleased(endPage, extra, false);
            mapSet(endPage, extra, s);
            dirtyPages -= dirty;
            freePages -= extra;
            t.dirtyPages(right, t.dirtyPages(right) - dirty);
            if (t.pages(right) == extra) {
                lruRemove(right);
                freeSpans--;
                t.recycle(right);
            } else {
                t.start(right, t.start(right) + extra * PAGE);
                t.pages(right, t.pages(right) - extra);
                if (t.dirtyPages(right) == 0) {
                    lruRemove(right);
                }
                linkFree(right);
            }
            t.pages(s, pages);
            return true;
        }
        if (right == 0 && sEnd == brk && heap.sbrk(extra * PAGE) >= 0) {
            grows++;
            grownPages += extra;
            mapSet(endPage, extra, s);
            t.pages(s, pages);
            return true;
        }
        return false;
    }

    /** Shrinks a LARGE span to {@code pages} pages; the tail becomes free (and merges to the right). */
    synchronized void shrink(int s, long pages) {
        SpanTable t = spans;
        if (pages >= t.pages(s)) {
            return;
        }
        int tail = t.create(t.start(s) + pages * PAGE, t.pages(s) - pages, SpanTable.LARGE);
        mapSet(t.firstPage(tail), t.pages(tail), tail);
        t.pages(s, pages);
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
        while (dirtyPages > limit && lruHead != 0) {
            purge(lruHead);
        }
        if (dirtyAfterLastEpoch > dirtyPages) {
            dirtyAfterLastEpoch = dirtyPages;
        }
    }

    private void purge(int s) {
        SpanTable t = spans;
        long first = t.firstPage(s);
        long n = t.pages(s);
        long runStart = -1;
        for (long p = first; p <= first + n; p++) {
            boolean dirty = p < first + n && !isReleased(p);
            if (dirty && runStart < 0) {
                runStart = p;
            } else if (!dirty && runStart >= 0) {
                heap.release(runStart << PAGE_SHIFT, (p - runStart) << PAGE_SHIFT);
                runStart = -1;
            }
        }
        setReleased(first, n, true);
        states.release(t.start(s), t.bytes(s)); // a free span holds no block: its states are rewritten when it is cut again
        purges++;
        long d = t.dirtyPages(s);
        purgedPages += d;
        dirtyPages -= d;
        t.dirtyPages(s, 0);
        lruRemove(s);
    }

    long decayLimit() {
        return decayLimit;
    }

    // ------------------------------------------------------------------ lists, LRU, bitmap

    static int listIndex(long pages) {
        return (int) Math.min(pages, EXACT + 1);
    }

    private void linkFree(int s) {
        SpanTable t = spans;
        int i = listIndex(t.pages(s));
        int head = free[i];
        t.prev(s, 0);
        t.next(s, head);
        if (head != 0) {
            t.prev(head, s);
        }
        free[i] = s;
    }

    private void unlinkFree(int s) {
        SpanTable t = spans;
        int p = t.prev(s);
        int n = t.next(s);
        if (p != 0) {
            t.next(p, n);
        } else {
            int i = listIndex(t.pages(s));
            if (free[i] == s) {
                free[i] = n;
            }
        }
        if (n != 0) {
            t.prev(n, p);
        }
        t.prev(s, 0);
        t.next(s, 0);
    }

    private void lruAdd(int s) {
        SpanTable t = spans;
        if (t.inLru(s) || t.dirtyPages(s) == 0) {
            return;
        }
        t.inLru(s, true);
        t.lruNext(s, 0);
        t.lruPrev(s, lruTail);
        if (lruTail != 0) {
            t.lruNext(lruTail, s);
        } else {
            lruHead = s;
        }
        lruTail = s;
    }

    private void lruRemove(int s) {
        SpanTable t = spans;
        if (!t.inLru(s)) {
            return;
        }
        int p = t.lruPrev(s);
        int n = t.lruNext(s);
        if (p != 0) {
            t.lruNext(p, n);
        } else {
            lruHead = n;
        }
        if (n != 0) {
            t.lruPrev(n, p);
        } else {
            lruTail = p;
        }
        t.lruPrev(s, 0);
        t.lruNext(s, 0);
        t.inLru(s, false);
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

    /** Java-heap bytes of the page heap's side tables (page map, span table, flat page info, bitmap). */
    long externalBytes() {
        RadixPageMap.Words r = radix;
        return (r != null ? r.bytes() : 16 + 4L * pageMap.length) + spans.bytes() + 16 + 4L * info.length + 8L * released.length;
    }

    // ------------------------------------------------------------------ flat page info

    /** Writes {@code base | pageInSpan << 8} for every page of span {@code s} (base 0: clears them). */
    private void setInfo(int s, int base) {
        if (flatPages == 0) {
            return;
        }
        int first = (int) (spans.firstPage(s) - firstPage);
        int end = first + (int) spans.pages(s);
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
}
