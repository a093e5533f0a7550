package org.jalloc.buddy.pages;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.jalloc.buddy.PageAllocator;
import org.jalloc.buddy.SplitBlockException;
import org.jalloc.buddy.UnalignedBlockException;
import org.jalloc.buddy.WrongOrderException;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The binary buddy system (Knowlton 1965, Knuth TAOCP 2.5, Linux {@code mm/page_alloc.c}) over a {@link Heap}: blocks
 * of 2<sup>order</sup> pages, one free list per order, splitting on allocation, merging with the XOR buddy on free.
 * This is the page-level API, usable on its own ({@link #allocPages}, {@link #freePages}) and the page provider of
 * slab; {@link BuddyAllocator} puts {@code malloc} on it with 16-byte pages.
 *
 * <h2>Nouns</h2>
 * <b>page</b> (or frame): the minimum block, {@link #pageSize()} bytes, 4 KiB by default as in Linux (16 bytes
 * under {@code malloc}). <b>frame number</b> (Linux's pfn): heap address / page size. <b>order-k block</b>: 2^k
 * pages starting at a frame number that is a multiple of 2^k (aligned to its own size). <b>buddy</b> of the order-k
 * block at frame p: the block at {@code p ^ (1 << k)}, the other half of the order-(k+1) block both came from.
 * <b>top block</b>: a block of order {@link #maxOrder()}; it has no buddy. <b>zone</b>: a maximal aligned
 * power-of-two region of the heap, at most a top block; the zones tile {@code [first, brk)}, so a heap of any size is
 * fully used, and buddies never cross a zone. <b>free list k</b>: the free blocks of order k; {@code nr_free[k]} its
 * length. The allocator owns the heap's <b>break</b> and grows it on demand.
 *
 * <h2>Heap layout</h2>
 * <pre>
 *  offset 0       4K      8K          16K                   32K          brk                    limit
 *  | guard page   | zone  |   zone    |        zone         |   zone ... |  not yet used ...     |
 *  +--------------+-------+-----------+---------------------+------------+-----------------------+
 *                  order 0  order 1         order 2           (4 KiB pages; each zone is the largest
 *                                                              aligned power of two that fits, at most
 *                                                              a top block; zones merge as brk grows)
 * </pre>
 * The guard page makes the first zones small (4K, 8K, 16K, ...); from the first top-block boundary on, every zone is
 * a top block. Zone bases are multiples of their size, so "XOR relative to the zone base" is the frame number's
 * XOR: {@code buddy = p ^ (1 << k)}, as Linux's {@code __find_buddy_pfn}.
 *
 * <h2>Side table: two bits per page, outside the heap</h2>
 * <pre>
 *   head[p] = 1   a block (free or allocated) starts at frame p        (the block boundaries)
 *   free[p] = 1   the block starting at p is free                      (Linux's PageBuddy)
 *
 *   order(p) = the smallest k with head[p + 2^k] = 1 or p + 2^k = brk  (blocks tile, so the next head ends
 *                                                                       the block: one scan of p's word of
 *                                                                       head[] below 64 frames, else O(order))
 * </pre>
 * Why two bits: Linux keeps {@code PageBuddy} and the order in each page's {@code struct page}; a byte per page would
 * do here, but under {@code malloc} a page is 16 bytes, so a byte is 6.25% of the heap, and a header inside the
 * block would double every power-of-two request. Two bits (1.6% at 16-byte pages, 0.006% at 4 KiB) suffice because
 * blocks are aligned and tile their zone: the midpoint of an order-k block is never a block start, and the midpoint
 * of anything split is one. So "is my buddy free and of order k" is three bit tests, O(1):
 * <pre>
 *   head[b] &amp; free[b] &amp; (k == 0 || !head[b + 2^(k-1)])        where b = p ^ (1 &lt;&lt; k)
 * </pre>
 *
 * <h2>A split, drawn: {@code allocPages(0)} when the only free block is an order-2 block at frames 8..11</h2>
 * <pre>
 *   frame        8       9       10      11         head   free   free lists
 *   before     [          order 2, free          ]  1000   1000   2: {8}
 *   split 2->1 [    order 1     ][ order 1, free ]  1010   0010   1: {10}        upper half 10 pushed
 *   split 1->0 [ 0     ][ 0 free][ order 1, free ]  1110   0110   0: {9}  1: {10} upper half 9 pushed
 *   result: frame 8, order 0, allocated (head 1, free 0)
 *
 *   freePages(8, 0): buddy 8^1 = 9:  head[9] free[9]            -> merge, order 1 at 8, clear head[9]
 *                    buddy 8^2 = 10: head[10] free[10] !head[11] -> merge, order 2 at 8, clear head[10]
 * </pre>
 *
 * <h2>Free-list node, in the first 16 bytes of every free block (a page is at least 16 bytes)</h2>
 * <pre>
 *   +0  next   address of the next free block of the same order, 0 at the end
 *   +8  prev   address of the previous one, 0 for the first (O(1) unlink of a buddy from the middle of its list)
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * Blocks are read from the head map: block i is {@code [hᵢ, hᵢ₊₁)} for the set heads {@code h₀ < h₁ < ...} in
 * {@code [first, brk)}.
 * <ul>
 *   <li>BUDDY-1: {@code size(b) = 2^k pages ∧ start(b) ≡ 0 (mod size(b))} for every block.</li>
 *   <li>BUDDY-2: every zone begins with a head and {@code start(b) + size(b) <= end(zone(b))}: the blocks tile each
 *       zone (so no block is larger than a top block).</li>
 *   <li>BUDDY-3: {@code free(b) ∧ order(b) = k < maxOrder ⇒ ¬(free(b ^ 2^k) ∧ order(b ^ 2^k) = k)}.</li>
 *   <li>BUDDY-4: {@code ∀k: list k = {b : free(b) ∧ order(b) = k}}, doubly linked ({@code prev(next(b)) = b}),
 *       {@code nr_free[k] = |list k|}.</li>
 *   <li>BUDDY-5: {@code free[p] ⇒ head[p]}; {@code free[p] ⇔ p is on a free list}; no mark at or beyond brk.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>allocPages(k): take the first non-empty list j &gt;= k (a bit mask of non-empty lists finds it in O(1));
 *       unlink its first block; while j &gt; k: j--, push the upper half {@code p + 2^j} on list j. If every list
 *       &gt;= k is empty, grow the heap (step 3).</li>
 *   <li>freePages(p, k): while k &lt; maxOrder and the buddy {@code b = p ^ 2^k} is free and of order k: unlink b,
 *       clear the head of the upper half, {@code p = min(p, b)}, k++. Push p on list k.</li>
 *   <li>Growth for an order-k block (size s = 2^k pages): if {@code [alignDown(brk, s), brk)} is wholly free (the
 *       free blocks at the top), absorb them and move the break to {@code alignDown(brk, s) + s}; else move the
 *       break to {@code alignUp(brk, s) + s}, take the last s pages, and free the gap below them as maximal aligned
 *       pieces (each merging with its free buddies). The break only moves by what the request needs.</li>
 *   <li>In place (used by {@code realloc}): shrinking to order k' splits off upper halves; growing to order k'
 *       needs p aligned to 2^k' and {@code [p + 2^k, p + 2^k')} wholly free or beyond the break.</li>
 * </ol>
 *
 * <h2>Misuse detected, in O(maxOrder), with the heap unchanged</h2>
 * {@link #freePages}: an order outside {@code [0, maxOrder]} ({@link InvalidSizeException}); an address outside the
 * heap ({@link InvalidPointerException}); not a multiple of the page size or of the order-k block size
 * ({@link UnalignedBlockException}); inside an allocated block ({@link InvalidPointerException}); a free block's start
 * or inside a free block, i.e. a double free ({@link DoubleFreeException}); the start of an allocated block of a
 * larger order ({@link WrongOrderException}) or of a smaller one, a split half freed as the whole
 * ({@link SplitBlockException}). Every misuse is detected exactly: the head and free maps say where every block starts
 * and whether it is free. Free-list links are checked before an unlink (a write into a freed block stops with
 * {@link HeapCorruptionException} instead of a wild write).
 *
 * <h2>Embedding (slab)</h2>
 * A client that carves pages further (slab) keeps its own metadata and reuses this one's: {@link #walkBlocks} yields
 * every block with its size and state, {@link #walkFreeLists} the free lists, {@link #checkInvariants} the BUDDY
 * checks, {@link #allocatedOrder}/{@link #isAllocatedBlock} tell whether an address starts an allocated block of an
 * order; or use {@link #heapWalk()} as is (allocated blocks are whole extents, payload = block start).
 *
 * <h2>Where the walk lives</h2>
 * This class is the engine. The walk and the BUDDY-1..5 checks are {@link BuddyPagesWalk} beside it (the placement
 * every module uses: {@code <Engine>Walk}, package-private, implementing {@code HeapWalk}); the public methods above
 * forward to it.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}; a client sharing it across threads serializes every call.
 */
public final class BuddyPages implements PageAllocator {

    /** Offsets of the free-list node in a free block. */
    public static final long NEXT = 0;
    public static final long PREV = 8;

    /** Receives the blocks of a walk in address order. */
    @FunctionalInterface
    public interface BlockVisitor {
        /**
         * @param address the block's first address
         * @param size    its size in bytes, to the next block start (a power of two times the page size when well formed)
         * @param free    whether the free map marks it free
         * @return false to stop
         */
        boolean block(long address, long size, boolean free);
    }

    /**
     * A zone: a maximal aligned power-of-two region of {@code [first, brk)}, at most a top block.
     *
     * @param start first address
     * @param size  bytes, a power of two, {@code start % size == 0}
     * @param order {@code size = pageSize << order}
     */
    public record Zone(long start, long size, int order) {
        /** The first address after the zone. */
        public long end() {
            return start + size;
        }
    }

    final Heap heap;
    /** The heap's memory: with {@code secure=off} the free-list links are read and written through it directly. */
    private final MemorySegment mem;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    /** The links' encoding ({@code secure=on|off}, SEC-1). */
    final SecureLinks links;
    /** {@code links.on()}, kept here so the free-list paths test a field of this object. */
    private final boolean secure;
    final long pageSize;
    final int shift;
    final int maxOrder;
    final long firstFrame;
    private final long limitFrame;
    /** Frame number of the break; this allocator is the only one to move it. */
    private long endFrame;

    final FrameBits head = new FrameBits();
    final FrameBits free = new FrameBits();
    /** Address of the first block of free list k, 0 when empty. */
    final long[] freeList;
    /** Linux's {@code free_area[k].nr_free}. */
    final long[] nrFree;
    /** Bit k set iff free list k is not empty. */
    long nonEmpty;

    private long allocations;
    private long frees;
    private long splits;
    private long merges;
    private long growths;
    private long inPlaceGrowths;

    /** The walk and checks, made on first use (single owner: no race). */
    private @MonotonicNonNull BuddyPagesWalk walk;

    /** Linux's configuration: 4 KiB pages, orders 0-10, over {@code heap} (empty, owned from now on). */
    public BuddyPages(Heap heap) {
        this(heap, DEFAULT_PAGE_SIZE, DEFAULT_MAX_ORDER);
    }

    /**
     * A buddy allocator over {@code heap}, which must be empty ({@code brk == start}) and is owned from now on.
     *
     * @param pageSize the order-0 block, a power of two of at least 16 bytes
     * @param maxOrder the largest order: blocks of at most {@code pageSize << maxOrder} bytes
     * @throws IllegalArgumentException for a bad page size or order, a used heap, or a heap whose base alignment is
     *                                  smaller than its largest block (blocks must be aligned on real addresses)
     */
    public BuddyPages(Heap heap, long pageSize, int maxOrder) {
        this(heap, pageSize, maxOrder, false, "buddy");
    }

    /**
     * As {@link #BuddyPages(Heap, long, int)}, with {@code secure=on|off}: the free lists' links stored encoded and
     * checked before they are followed (SEC-1, {@link SecureLinks}).
     *
     * @param owner the allocator's name, for the messages
     */
    public BuddyPages(Heap heap, long pageSize, int maxOrder, boolean secure, String owner) {
        if (pageSize < 16 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two of at least 16 bytes, got " + pageSize);
        }
        int s = Long.numberOfTrailingZeros(pageSize);
        if (maxOrder < 0 || maxOrder > 62 - s) {
            throw new IllegalArgumentException("max order must be in [0, " + (62 - s) + "] for " + pageSize + "-byte pages, got " + maxOrder);
        }
        if (heap.brk() != heap.start()) {
            throw new IllegalArgumentException("the buddy allocator needs an empty heap (brk == start): " + heap);
        }
        this.heap = heap;
        this.mem = heap.memory();
        this.pageSize = pageSize;
        this.shift = s;
        this.maxOrder = maxOrder;
        long first = (heap.start() + pageSize - 1) & -pageSize;
        this.firstFrame = first >>> s;
        this.limitFrame = heap.limit() >>> s;
        if (firstFrame >= limitFrame) {
            throw new IllegalArgumentException("heap " + heap + " holds no " + pageSize + "-byte page");
        }
        long largest = 0;
        for (Zone z : zonesOf(firstFrame, limitFrame, maxOrder, s)) {
            largest = Math.max(largest, z.size());
        }
        if (largest > heap.baseAlignment()) {
            throw new IllegalArgumentException("blocks of up to " + largest + " bytes would not be aligned on real addresses: the heap base is only "
                    + heap.baseAlignment() + "-aligned (lower the max order)");
        }
        if (first > heap.start() && heap.sbrk(first - heap.start()) < 0) {
            throw new IllegalArgumentException("heap " + heap + " cannot hold the padding before its first page");
        }
        this.endFrame = firstFrame;
        this.links = new SecureLinks(secure, heap, owner, firstFrame << s, pageSize);
        this.secure = links.on();
        this.freeList = new long[maxOrder + 1];
        this.nrFree = new long[maxOrder + 1];
    }

    // ---------------------------------------------------------------- configuration

    /** The heap this allocator manages (and whose break it owns). */
    public Heap heap() {
        return heap;
    }

    /** Bytes of an order-0 block. */
    @Override
    public long pageSize() {
        return pageSize;
    }

    /** The largest order. */
    @Override
    public int maxOrder() {
        return maxOrder;
    }

    /** Bytes of an order-{@code order} block. */
    @Override
    public long blockBytes(int order) {
        checkOrder(order);
        return pageSize << order;
    }

    /** The address of the first page (the heap start rounded up to the page size). */
    public long firstAddress() {
        return firstFrame << shift;
    }

    /** The smallest order whose block holds {@code bytes} bytes (order 0 for 0), or -1 when a top block is too small. */
    @Override
    public int orderFor(long bytes) {
        if (bytes < 0) {
            throw new InvalidSizeException("orderFor(" + bytes + "): negative size");
        }
        long pages = Math.max(1, (bytes >>> shift) + ((bytes & (pageSize - 1)) == 0 ? 0 : 1));
        int order = 64 - Long.numberOfLeadingZeros(pages - 1);
        return order <= maxOrder ? order : -1;
    }

    private void checkOrder(int order) {
        if (order < 0 || order > maxOrder) {
            throw new InvalidSizeException("order " + order + " is outside [0, " + maxOrder + "]");
        }
    }

    // ---------------------------------------------------------------- page-level API

    /**
     * Allocates an order-{@code order} block ({@code pageSize << order} bytes, aligned to its size).
     *
     * @return its address, or 0 when the heap cannot hold it
     * @throws InvalidSizeException for an order outside {@code [0, maxOrder]}
     */
    @Override
    public long allocPages(int order) {
        checkOrder(order);
        return take(order, order);
    }

    /**
     * Frees the order-{@code order} block at {@code address} and merges it with its free buddies.
     *
     * @throws InvalidSizeException     for an order outside {@code [0, maxOrder]}
     * @throws UnalignedBlockException  for an address that is not a multiple of the page size or of the block size
     * @throws DoubleFreeException      for an address in free memory (a block freed already)
     * @throws SplitBlockException      when the block at the address is a split half of an order-{@code order} block
     * @throws WrongOrderException      when the block at the address has a larger order
     * @throws InvalidPointerException  for an address outside the heap or inside an allocated block
     */
    @Override
    public void freePages(long address, int order) {
        checkOrder(order);
        long f = requireAllocatedStart(address, order, "freePages");
        int actual = orderOf(f);
        if (actual < order) {
            throw new SplitBlockException("freePages(" + hex(address) + ", " + order + "): the block there is an order-" + actual
                    + " half of a split order-" + order + " block; freeing it as the whole would free its buddy too", address, actual, order);
        }
        if (actual > order) {
            throw new WrongOrderException("freePages(" + hex(address) + ", " + order + "): the block there has order " + actual
                    + " (" + (pageSize << actual) + " bytes)", address, actual, order);
        }
        release(f, order);
    }

    /** True when {@code address} is the start of an allocated block of order {@code order} (slab's "my pages are mine"). */
    public boolean isAllocatedBlock(long address, int order) {
        return order >= 0 && order <= maxOrder && allocatedOrder(address) == order;
    }

    /** The order of the allocated block that starts at {@code address}, or -1 when no allocated block starts there. */
    public int allocatedOrder(long address) {
        long f = address >>> shift; // a negative address maps beyond endFrame
        if ((address & (pageSize - 1)) != 0 || f < firstFrame || f >= endFrame) {
            return -1;
        }
        int w = (int) (f >>> 6);
        long bit = 1L << f;
        if ((head.word(w) & bit) == 0 || (free.word(w) & bit) != 0) { // one word of each map
            return -1;
        }
        int k = probeOrder(f, head.word(w));
        return k >= 0 && (f & ((1L << k) - 1)) == 0 ? k : -1;
    }

    // ---------------------------------------------------------------- engine (package-private for BuddyAllocator)

    /**
     * Takes a free block of order at least {@code sourceOrder} (growing the heap if there is none) and splits it down to
     * {@code order}: the result is aligned to {@code 2^sourceOrder} pages. Returns its address or 0.
     */
    public long take(int order, int sourceOrder) {
        long candidates = nonEmpty & (-1L << sourceOrder);
        long f;
        int j;
        if (candidates != 0) {
            j = Long.numberOfTrailingZeros(candidates);
            f = freeList[j] >>> shift;
            unlink(f, j);
        } else {
            f = grow(sourceOrder);
            if (f == 0) {
                return 0;
            }
            j = sourceOrder;
        }
        split(f, j, order);
        allocations++;
        return f << shift;
    }

    /** Splits the block at frame {@code f} from order {@code from} down to {@code to}, pushing the upper halves. */
    private void split(long f, int from, int to) {
        for (int j = from - 1; j >= to; j--) {
            long upper = f + (1L << j);
            head.set(upper);
            push(upper, j);
            splits++;
        }
    }

    /**
     * Frees the (validated) block at frame {@code f} of order {@code k}: merges while the buddy is free and of the same
     * order, then pushes the merged block.
     */
    public void release(long f, int k) {
        mergeAndPush(f, k);
        frees++;
    }

    private void mergeAndPush(long f, int k) {
        long p = f;
        int order = k;
        // Merge with the buddy b = p ^ 2^order while
        //   (a) order < maxOrder: a top block has no buddy;
        //   (b) b lies in [first, brk): then it is in p's zone (zones are the maximal aligned regions);
        //   (c) b is a free block start: head[b] and free[b];
        //   (d) b has order `order`: no block starts at its midpoint b + 2^(order-1).
        while (order < maxOrder) {
            long buddy = p ^ (1L << order);
            if (!isFreeBlockOfOrder(buddy, order)) {
                break;
            }
            unlink(buddy, order);
            head.clear(p | (1L << order)); // the upper half is no block start any more
            p &= ~(1L << order);
            order++;
            merges++;
        }
        push(p, order);
    }

    /** Conditions (b)-(d) of the merge. */
    private boolean isFreeBlockOfOrder(long b, int k) {
        return b >= firstFrame && b + (1L << k) <= endFrame && free.get(b) && head.get(b)
                && (k == 0 || !head.get(b + (1L << (k - 1))));
    }

    /**
     * The order of the live block at {@code address} for {@code free}/{@code realloc}/{@code usableSize}, checked:
     * a page-aligned address inside the heap that starts an allocated block.
     */
    public int liveOrder(long address, String operation) {
        return orderOf(requireAllocatedStart(address, 0, operation));
    }

    /**
     * The frame of the allocated block starting at {@code address}, or the misuse exception that explains why not;
     * {@code address} must also be a multiple of the order-{@code alignOrder} block size.
     */
    private long requireAllocatedStart(long address, int alignOrder, String operation) {
        if (address < firstAddress() || (address >>> shift) >= endFrame) {
            throw new InvalidPointerException(operation + "(" + hex(address) + "): outside the heap [" + hex(firstAddress()) + ", "
                    + hex(endFrame << shift) + ")", address);
        }
        if ((address & (pageSize - 1)) != 0) {
            throw new UnalignedBlockException(operation + "(" + hex(address) + "): not a multiple of the page size " + pageSize
                    + ", so no block starts there", address);
        }
        long f = address >>> shift;
        if ((f & ((1L << alignOrder) - 1)) != 0) {
            throw new UnalignedBlockException(operation + "(" + hex(address) + ", " + alignOrder + "): not a multiple of the order-"
                    + alignOrder + " block size " + (pageSize << alignOrder), address);
        }
        if (!head.get(f)) {
            long enclosing = enclosingBlock(f);
            if (enclosing >= 0 && free.get(enclosing)) {
                throw new DoubleFreeException(operation + "(" + hex(address) + "): inside the free block at " + hex(enclosing << shift)
                        + " (freed already, merged with its buddy: double free?)", address);
            }
            throw new InvalidPointerException(operation + "(" + hex(address) + "): not a block start"
                    + (enclosing >= 0 ? ", inside the allocated block at " + hex(enclosing << shift) : ""), address);
        }
        if (free.get(f)) {
            throw new DoubleFreeException(operation + "(" + hex(address) + "): the block is free (double free?)", address);
        }
        return f;
    }

    /** The start frame of the block containing the non-head frame {@code f}, or -1 if the maps name none. */
    private long enclosingBlock(long f) {
        for (int j = 1; j <= maxOrder; j++) {
            long c = f & -(1L << j);
            if (c < firstFrame) {
                return -1;
            }
            if (head.get(c)) {
                int k = probeOrder(c);
                return k >= j ? c : -1;
            }
        }
        return -1;
    }

    /** The order of the block at head frame {@code f}, by the next block start; throws on broken maps. */
    private int orderOf(long f) {
        int k = probeOrder(f);
        if (k < 0) {
            throw new HeapCorruptionException("buddy: no block boundary within a top block after " + hex(f << shift)
                    + " (broken head map)", f << shift);
        }
        return k;
    }

    /** The smallest k with a block start or the break at {@code f + 2^k}, or -1 if there is none up to the top order. */
    private int probeOrder(long f) {
        return probeOrder(f, head.word((int) (f >>> 6)));
    }

    /**
     * {@link #probeOrder(long)} with {@code headWord}, the head map's word holding {@code f}: one scan of that word finds
     * the next block start after {@code f} (a block below 64 frames ends inside it, or at the break); the walk by
     * powers of two only when the word cannot tell (a larger block, a map broken so the next start is no power of two).
     */
    private int probeOrder(long f, long headWord) {
        long limit = endFrame - f; // the break is limit frames above f
        if (limit <= 1) {
            return 0;
        }
        int bit = (int) (f & 63);
        long after = headWord & (-2L << bit); // block starts after f within the word (none when bit = 63)
        long known = after != 0 ? Long.numberOfTrailingZeros(after) - bit : 64 - bit; // no start at a distance below it
        long m = Math.min(known, limit);
        int k = 64 - Long.numberOfLeadingZeros(m - 1); // the least k with 2^k >= m: no start or break below 2^k
        if ((1L << k) == m && k <= maxOrder && (m == limit || after != 0)) {
            return k; // f + 2^k is the break or the start found
        }
        return walkOrder(f);
    }

    private int walkOrder(long f) {
        for (int k = 0; k <= maxOrder; k++) {
            long next = f + (1L << k);
            if (next >= endFrame || head.get(next)) {
                return k;
            }
        }
        return -1;
    }

    /**
     * Resizes the allocated order-{@code order} block at {@code address} in place to order {@code newOrder}
     * ({@code <= maxOrder}): shrinking always works; growing needs the address aligned to the new size and the pages
     * after the block free or beyond the break. Returns false (nothing changed) when it cannot.
     */
    public boolean resize(long address, int order, int newOrder) {
        long f = address >>> shift;
        if (newOrder <= order) {
            split(f, order, newOrder);
            return true;
        }
        long size = 1L << newOrder;
        if ((f & (size - 1)) != 0) {
            return false;
        }
        long newEnd = f + size;
        long stop = Math.min(endFrame, newEnd);
        for (long p = f + (1L << order); p < stop; p += 1L << orderOf(p)) {
            if (!head.get(p) || !free.get(p)) {
                return false;
            }
        }
        if (newEnd > limitFrame) {
            return false;
        }
        for (long p = f + (1L << order); p < stop; ) {
            int k = orderOf(p);
            unlink(p, k);
            head.clear(p);
            p += 1L << k;
        }
        if (newEnd > endFrame) {
            extendBreak(newEnd);
        }
        inPlaceGrowths++;
        return true;
    }

    // ---------------------------------------------------------------- heap growth

    /** Grows the heap to make an order-{@code k} block (step 3); returns its frame (head set, not free), or 0. */
    private long grow(int k) {
        long size = 1L << k;
        long end = endFrame;
        long top = end & -size;
        if (top >= firstFrame && top < end && wholeFree(top, end)) {
            if (top + size > limitFrame) {
                return 0;
            }
            for (long p = top; p < end; ) {
                int o = orderOf(p);
                unlink(p, o);
                if (p != top) {
                    head.clear(p);
                }
                p += 1L << o;
            }
            extendBreak(top + size);
            growths++;
            return top;
        }
        long start = (end + size - 1) & -size;
        if (start + size > limitFrame) {
            return 0;
        }
        extendBreak(start + size);
        head.set(start);
        for (long p = end; p < start; ) {
            int o = Math.min(maxOrder, Long.numberOfTrailingZeros(p));
            while (p + (1L << o) > start) {
                o--;
            }
            head.set(p);
            mergeAndPush(p, o);
            p += 1L << o;
        }
        growths++;
        return start;
    }

    /** True when {@code [from, to)} consists of free blocks only. */
    private boolean wholeFree(long from, long to) {
        for (long p = from; p < to; p += 1L << orderOf(p)) {
            if (!head.get(p) || !free.get(p)) {
                return false;
            }
        }
        return true;
    }

    private void extendBreak(long newEnd) {
        long old = heap.sbrk((newEnd - endFrame) << shift);
        if (old != endFrame << shift) {
            throw new IllegalStateException("the heap's break moved under the buddy allocator: expected " + hex(endFrame << shift)
                    + ", found " + hex(old));
        }
        head.clearRange(endFrame, newEnd);
        free.clearRange(endFrame, newEnd);
        endFrame = newEnd;
    }

    // ---------------------------------------------------------------- free lists

    /** A link of the free block at {@code a}, checked when secure (SEC-1), else read as it is. */
    private long loadLink(long a, long slot) {
        return secure ? links.load(a, slot) : mem.get(WORD, slot);
    }

    /** Stores a link: encoded when secure, else as it is. */
    private void link(long slot, long value) {
        if (secure) {
            links.store(slot, value);
        } else {
            mem.set(WORD, slot, value);
        }
    }

    private void push(long f, int k) {
        long a = f << shift;
        long first = freeList[k];
        link(a + NEXT, first);
        link(a + PREV, 0);
        if (first != 0) {
            link(first + PREV, a);
        }
        freeList[k] = a;
        nrFree[k]++;
        nonEmpty |= 1L << k;
        free.set(f);
    }

    private void unlink(long f, int k) {
        long a = f << shift;
        long next = loadLink(a, a + NEXT);
        long prev = loadLink(a, a + PREV);
        if (!linksTo(prev, NEXT, a, freeList[k]) || !linksTo(next, PREV, a, a)) {
            throw new HeapCorruptionException("buddy: the free-list links of the order-" + k + " block at " + hex(a)
                    + " are broken (next " + hex(next) + ", prev " + hex(prev) + "): a write into a freed block?", a);
        }
        if (prev == 0) {
            freeList[k] = next;
        } else {
            link(prev + NEXT, next);
        }
        if (next != 0) {
            link(next + PREV, prev);
        }
        nrFree[k]--;
        if (freeList[k] == 0) {
            nonEmpty &= ~(1L << k);
        }
        free.clear(f);
    }

    /** True when {@code neighbour}'s link at {@code offset} names {@code a} ({@code neighbour == 0}: {@code ifNull == a}). */
    private boolean linksTo(long neighbour, long offset, long a, long ifNull) {
        if (neighbour == 0) {
            return ifNull == a;
        }
        return neighbour >= firstAddress() && (neighbour >>> shift) < endFrame && (neighbour & (pageSize - 1)) == 0
                && (secure ? links.loadUnchecked(neighbour + offset) : mem.get(WORD, neighbour + offset)) == a;
    }

    // ---------------------------------------------------------------- statistics

    /** Free blocks of order {@code order} (Linux's {@code nr_free}). */
    public long freeBlocks(int order) {
        checkOrder(order);
        return nrFree[order];
    }

    /** Bytes in free blocks. */
    @Override
    public long freeBytes() {
        long pages = 0;
        for (int k = 0; k <= maxOrder; k++) {
            pages += nrFree[k] << k;
        }
        return pages << shift;
    }

    /** Blocks handed out by {@link #allocPages} (and by {@code malloc} above it). */
    public long allocations() {
        return allocations;
    }

    /** Blocks freed. */
    public long frees() {
        return frees;
    }

    /** Halvings of a free block during allocation (and in-place shrinking). */
    public long splits() {
        return splits;
    }

    /** Merges of a block with its free buddy. */
    public long merges() {
        return merges;
    }

    /** Times the break moved to make a block. */
    public long heapGrowths() {
        return growths;
    }

    /** Blocks grown in place (realloc). */
    public long inPlaceGrowths() {
        return inPlaceGrowths;
    }

    /**
     * Free blocks per order in the exact layout of Linux's {@code /proc/buddyinfo} ({@code mm/vmstat.c},
     * {@code frag_show_print}): {@code "Node %d, zone %8s "}, then {@code "%6lu "} per order, then a newline. The heap is
     * one zone in Linux's sense (one set of free lists), named {@code Normal}; its maximal aligned regions are
     * {@link #zones()}.
     */
    public String buddyinfo() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Node %d, zone %8s ", 0, "Normal"));
        for (int k = 0; k <= maxOrder; k++) {
            sb.append(String.format(Locale.ROOT, "%6d ", nrFree[k]));
        }
        return sb.append('\n').toString();
    }

    /**
     * Linux's unusable free space index for order {@code order} ({@code mm/vmstat.c}, {@code unusable_free_index}):
     * the fraction of free memory that lies in blocks too small for an order-{@code order} request,
     * {@code (free pages - suitable blocks * 2^order) / free pages}; 1 when nothing is free. 0 means no external
     * fragmentation for that order, 1 means all free memory is unusable for it. In thousandths, truncated, as Linux.
     */
    public double unusableFreeSpaceIndex(int order) {
        checkOrder(order);
        long freePages = 0;
        long suitable = 0;
        for (int j = 0; j <= maxOrder; j++) {
            freePages += nrFree[j] << j;
            if (j >= order) {
                suitable += nrFree[j] << (j - order);
            }
        }
        if (freePages == 0) {
            return 1.0;
        }
        return ((freePages - (suitable << order)) * 1000 / freePages) / 1000.0;
    }

    /**
     * Linux's fragmentation index for order {@code order} ({@code mm/vmstat.c}, {@code __fragmentation_index}), the
     * one {@code /sys/kernel/debug/extfrag/extfrag_index} shows: -1 when an order-{@code order} request would succeed;
     * otherwise {@code 1 - (1 + free pages / 2^order) / free blocks}, near 0 when the request fails for lack of memory
     * and near 1 when it fails for fragmentation; 0 when nothing is free. In thousandths, truncated, as Linux.
     */
    public double fragmentationIndex(int order) {
        checkOrder(order);
        long freePages = 0;
        long blocks = 0;
        long suitable = 0;
        for (int j = 0; j <= maxOrder; j++) {
            blocks += nrFree[j];
            freePages += nrFree[j] << j;
            if (j >= order) {
                suitable += nrFree[j] << (j - order);
            }
        }
        if (blocks == 0) {
            return 0.0;
        }
        if (suitable != 0) {
            return -1.0;
        }
        long millis = 1000 - (1000 + (freePages * 1000 >>> order)) / blocks;
        return millis / 1000.0;
    }

    /** The zones: the maximal aligned power-of-two regions of {@code [first, brk)}, at most a top block each. */
    public List<Zone> zones() {
        return zonesOf(firstFrame, endFrame, maxOrder, shift);
    }

    private static List<Zone> zonesOf(long from, long to, int maxOrder, int shift) {
        List<Zone> zones = new ArrayList<>();
        for (long p = from; p < to; ) {
            int o = Math.min(maxOrder, Long.numberOfTrailingZeros(p));
            while (p + (1L << o) > to) {
                o--;
            }
            zones.add(new Zone(p << shift, 1L << (o + shift), o));
            p += 1L << o;
        }
        return zones;
    }

    /**
     * Bytes of metadata outside the heap: the head and free maps up to the heap's high-water mark (two bits per page),
     * plus the list heads and counters.
     */
    public long externalMetadataBytes() {
        long frames = (heap.highWater() + pageSize - 1) >>> shift;
        return 2 * FrameBits.bytesFor(frames) + 2L * Long.BYTES * (maxOrder + 1);
    }

    // ---------------------------------------------------------------- walks and checks (BuddyPagesWalk)

    /** The block-walk SPI over this allocator's heap: blocks are extents (payload = block start, usable = size). */
    public HeapWalk heapWalk() {
        return walk();
    }

    private BuddyPagesWalk walk() {
        BuddyPagesWalk w = walk;
        if (w == null) {
            w = new BuddyPagesWalk(this);
            walk = w;
        }
        return w;
    }

    /** Every block from the first page to the break, in address order, as the head and free maps say. */
    public void walkBlocks(BlockVisitor visitor) {
        walk().walkBlocks(visitor);
    }

    /**
     * Every free-list entry, order by order, each as (order, block address, block bytes); ends on broken lists too
     * ({@link BuddyPagesWalk#walkFreeLists}).
     */
    public void walkFreeLists(FreeEntryVisitor visitor) {
        walk().walkFreeLists(visitor);
    }

    /** A name for free list {@code list}, for the checker's messages. */
    public String describeList(int list) {
        return walk().describeList(list);
    }

    /** Checks BUDDY-1..5 and reports every violation found ({@link BuddyPagesWalk}). */
    public void checkInvariants(InvariantSink sink) {
        walk().checkInvariants(sink);
    }

    /** A copy of every piece of metadata outside the heap, for tests proving that a misuse changed nothing. */
    public long[] metadataSnapshot() {
        long[] h = head.copy();
        long[] fr = free.copy();
        long[] all = new long[h.length + fr.length + 2 * freeList.length + 2];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(fr, 0, all, h.length, fr.length);
        System.arraycopy(freeList, 0, all, h.length + fr.length, freeList.length);
        System.arraycopy(nrFree, 0, all, h.length + fr.length + freeList.length, nrFree.length);
        all[all.length - 2] = nonEmpty;
        all[all.length - 1] = endFrame;
        return all;
    }

    /** Test hook: the head map, to break it on purpose. */
    public FrameBits headMap() {
        return head;
    }

    /** Test hook: the free map, to break it on purpose. */
    public FrameBits freeMap() {
        return free;
    }

    /** Test hook: pushes the block at {@code address} on list {@code order} (marking it free) without merging. */
    public void pushFree(long address, int order) {
        push(address >>> shift, order);
    }

    /** Test hook: unlinks the free block at {@code address} from list {@code order}. */
    public void unlinkFree(long address, int order) {
        unlink(address >>> shift, order);
    }

    public static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    @Override
    public String toString() {
        return "PageAllocator[" + pageSize + "-byte pages, orders 0-" + maxOrder + ", " + heap + "]";
    }

    /** Releases the heap (the allocator owns it). */
    @Override
    public void close() {
        heap.close();
    }
}
