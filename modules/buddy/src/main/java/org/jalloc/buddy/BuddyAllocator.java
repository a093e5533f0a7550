package org.jalloc.buddy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.HeapWalk;

/**
 * {@code malloc} on the binary buddy system: every request is rounded up to a power-of-two block of a
 * {@link BuddyPages} whose order-0 block is the <b>minimum block</b> (16 bytes by default, option {@code min-block};
 * the engine's {@code pageSize}, but not a page: "page" means 4 KiB in jalloc's vocabulary) (the {@code buddy}
 * allocator of {@code ./jalloc}). The block design,
 * the side table, the invariants (BUDDY-1..5) and the split/merge algorithms are in {@link BuddyPages}'s header.
 *
 * <h2>Blocks</h2>
 * <pre>
 *   malloc(n):  order = ceil(log2(max(n, 1) / 16)),  block = 16 &lt;&lt; order bytes,  payload = block start
 *
 *   n        0..16   17..32   33..64   65..128   ...   2^(k+3)+1 .. 2^(k+4)
 *   block      16      32       64       128     ...        16 &lt;&lt; k
 *   usable     16      32       64       128     ...        16 &lt;&lt; k       usableSize tells the whole block
 * </pre>
 * No header: the order lives in the side table (two bits per 16 bytes, outside the heap), so a power-of-two request
 * gets exactly its size; the payload is the block, aligned to the block size (so at least 16). Internal fragmentation
 * is the rounding alone: {@code 1 - requested / granted}, under 50% for requests above 16 bytes, about 25% for sizes
 * spread uniformly (measured in docs/buddy.md).
 *
 * <h2>Operations</h2>
 * <ol>
 *   <li>malloc(n): {@code allocPages(order(n))}; 0 when the order exceeds the top order or the heap is full.</li>
 *   <li>free(p): the order comes from the side table; merge with free buddies (BuddyPages step 2).</li>
 *   <li>alignedAlloc(a, n): take a free block of order at least {@code order(a)} (aligned to a, since blocks are
 *       aligned to their size) and split it down to {@code order(n)}: alignment costs no extra granted bytes.</li>
 *   <li>realloc/tryExpand in place: shrinking splits off upper halves; growing to order k' absorbs the free upper
 *       buddies when the block is their lower half (its address a multiple of the new size), moving the break when
 *       the block is at the top of the heap. Otherwise realloc moves the block.</li>
 * </ol>
 *
 * <h2>Misuse detected in O(maxOrder), heap unchanged</h2>
 * Every bad address is detected exactly, without the checker: not 16-aligned or outside the heap, inside a live block
 * (interior pointer), a freed block's start or inside a free block (double free, also after its merge). The side
 * table knows every block start and whether it is free.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class BuddyAllocator extends AbstractAllocator {
    /** The minimum block under {@code malloc}: 16 bytes, the smallest usable size and the payload alignment. */
    public static final long DEFAULT_MIN_BLOCK = 16;
    /** Orders 0-24: blocks of 16 bytes to 256 MiB (the CLI's default heap). */
    public static final int DEFAULT_MAX_ORDER = 24;

    private final BuddyPages pages;
    private final int shift;
    private final int maxOrder;
    private long requestedBytes;
    private long grantedBytes;

    /**
     * {@code malloc} over a buddy system on {@code heap} (empty, owned from now on).
     *
     * @param minBlock the order-0 block, a power of two of at least 16 bytes
     * @param maxOrder the largest order
     * @param name     the name it reports (e.g. {@code buddy:max-order=20})
     */
    BuddyAllocator(Heap heap, long minBlock, int maxOrder, String name) {
        this(heap, minBlock, maxOrder, false, name);
    }

    /**
     * As {@link #BuddyAllocator(Heap, long, int, String)}, with {@code secure=on|off}: the free lists' links stored
     * encoded and checked before they are followed (SEC-1).
     */
    BuddyAllocator(Heap heap, long minBlock, int maxOrder, boolean secure, String name) {
        super(name, heap);
        this.pages = new BuddyPages(heap, minBlock, maxOrder, secure, name);
        this.shift = Long.numberOfTrailingZeros(minBlock);
        this.maxOrder = maxOrder;
    }

    /** The {@code buddy} configuration (16-byte minimum block, orders 0-24) over a new heap of {@code heapBytes}. */
    public static BuddyAllocator create(long heapBytes) {
        return create(heapBytes, DEFAULT_MIN_BLOCK, DEFAULT_MAX_ORDER);
    }

    /**
     * A buddy allocator over a new heap of {@code heapBytes}, named as its spec ({@code buddy:min-block=4096}).
     *
     * @param minBlock the order-0 block, a power of two of at least 16 bytes
     * @param maxOrder the largest order
     * @throws IllegalArgumentException for a bad block size or order
     */
    public static BuddyAllocator create(long heapBytes, long minBlock, int maxOrder) {
        String name = "buddy" + (minBlock != DEFAULT_MIN_BLOCK ? ":min-block=" + minBlock : "")
                + (maxOrder != DEFAULT_MAX_ORDER ? (minBlock != DEFAULT_MIN_BLOCK ? "," : ":") + "max-order=" + maxOrder : "");
        Heap heap = Heap.reserve(heapBytes);
        try {
            return new BuddyAllocator(heap, minBlock, maxOrder, name);
        } catch (RuntimeException | Error e) {
            heap.close();
            throw e;
        }
    }

    /** The page-level allocator underneath (its order-0 blocks are this allocator's minimum blocks). */
    BuddyPages pages() {
        return pages;
    }

    /** Free blocks per order in the {@code /proc/buddyinfo} layout. */
    public String buddyinfo() {
        return pages.buddyinfo();
    }

    /** Bytes requested by all successful allocations so far (malloc, calloc, alignedAlloc, realloc, tryExpand). */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** Bytes granted to those requests (their block sizes). */
    public long grantedBytes() {
        return grantedBytes;
    }

    /** Internal fragmentation of all allocations so far: {@code 1 - requested / granted} (0 before any). */
    public double internalFragmentation() {
        return grantedBytes == 0 ? 0.0 : 1.0 - (double) requestedBytes / grantedBytes;
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    private void count(long requested, int order) {
        requestedBytes += requested;
        grantedBytes += 1L << (order + shift);
    }

    @Override
    protected long allocate(long size) {
        // pages.orderFor without its sign check (size >= 0 here): blocks of 2^order minimum blocks hold size bytes
        int order = 64 - Long.numberOfLeadingZeros((Math.max(size, 1) - 1) >>> shift);
        if (order > maxOrder) {
            return 0;
        }
        long p = pages.take(order, order);
        if (p != 0) {
            count(size, order);
        }
        return p;
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        int order = pages.orderFor(size);
        int alignOrder = pages.orderFor(alignment);
        if (order < 0 || alignOrder < 0) {
            return 0;
        }
        long p = pages.take(order, Math.max(order, alignOrder));
        if (p != 0) {
            count(size, order);
        }
        return p;
    }

    /**
     * The order of the live block at {@code address}, screened in O(maxOrder): one test of the head and free maps
     * ({@link BuddyPages#allocatedOrder}) accepts a live block start; anything else takes the full screen, which
     * throws the exception that explains the misuse.
     */
    private int liveOrder(long address, String operation) {
        int order = pages.allocatedOrder(address);
        if (order >= 0) {
            return order;
        }
        requirePayloadAddress(address, pages.firstAddress());
        return pages.liveOrder(address, operation);
    }

    @Override
    protected boolean resize(long address, long size) {
        int order = liveOrder(address, "realloc/tryExpand");
        int newOrder = pages.orderFor(size);
        if (newOrder < 0 || !pages.resize(address, order, newOrder)) {
            return false;
        }
        count(size, newOrder);
        return true;
    }

    @Override
    protected void deallocate(long address) {
        int order = liveOrder(address, "free");
        pages.release(address >>> shift, order);
    }

    /** The debug layer's F: the size compared on the order the free finds anyway, one probe for both. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        int order = liveOrder(address, "free");
        long now = pages.pageSize() << order;
        if (now == usable) {
            pages.release(address >>> shift, order);
        }
        return now;
    }

    @Override
    protected long usable(long address) {
        return pages.pageSize() << liveOrder(address, "usableSize");
    }

    @Override
    protected HeapWalk walk() {
        return pages.heapWalk();
    }

    @Override
    protected List<AllocatorMetric> metrics() {
        int maxOrder = pages.maxOrder();
        List<BuddyMetric.Order> orders = new ArrayList<>();
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%5s %12s %11s %14s %9s %8s%n",
                "order", "block", "free blocks", "free bytes", "unusable", "extfrag"));
        for (int k = 0; k <= maxOrder; k++) {
            long n = pages.freeBlocks(k);
            double u = pages.unusableFreeSpaceIndex(k);
            double x = pages.fragmentationIndex(k);
            orders.add(new BuddyMetric.Order(k, pages.blockBytes(k), n, u, x));
            table.append(String.format(Locale.ROOT, "%5d %12d %11d %14d %9.3f %8.3f%n", k, pages.blockBytes(k), n, n * pages.blockBytes(k), u, x));
        }
        return List.of(new BuddyMetric(pages.pageSize(), maxOrder, pages.zones().size(), pages.allocations(), pages.frees(),
                        pages.splits(), pages.merges(), pages.heapGrowths(), pages.inPlaceGrowths(), requestedBytes,
                        grantedBytes, internalFragmentation(), orders, table.toString()),
                new BuddyInfoMetric("Normal", maxOrder + 1, pages.buddyinfo()));
    }
}
