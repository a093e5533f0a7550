package org.jalloc.buddy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.SizeWordOnRequest;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ForwardingWalk;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

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
 * <h2>debug=F alone: a size word below each payload ({@link SizeWordOnRequest})</h2>
 * Asked before it hands out a block ({@code buddy:debug=F}), the allocator keeps a <b>head</b> in each block so F is
 * the engine itself ({@code EngineShadow}: the shadow outside the heap finds a bad pointer exactly, the ring tells a
 * double free): the payload starts {@code front} bytes into the block (16, or an alignment above 16) and the word
 * just below it holds the usable size, which the free screens, so a 1-byte underrun (the word's top byte) is refused.
 * <pre>
 *   front = 16:   b │ (unused) │ word │ payload (usable = block - 16) ...│         u = b + 16
 *   front = A:    b │ A │ word │ ... │ A │ word │ payload (usable = block - A) ...│  u = b + A
 *                  b+8: a copy of the word, so the walk finds u from b
 *
 *   word = usable | ALIGNED?    (usable a multiple of 16; ALIGNED = 1 when front > 16, whose front is at u - 16)
 * </pre>
 * Invariant BUDDY-6 (head on): every allocated block {@code b} of order {@code k} handed out at {@code u = b + front}
 * has {@code word(u) = word(b + 8) = (16 << k) - front | (front > 16 ? ALIGNED : 0)}, and with ALIGNED
 * {@code mem[b] = mem[u - 16] = front}; the checker's pass over the heads ({@code HeadWalk}) reports any other. At free (or a size read) a word that cannot be a
 * size (a bit above the heap's capacity, a flag bit other than ALIGNED, a front that is no allocated block) is an
 * {@link InvalidPointerException}, nothing freed; a plausible size other than the block's is returned as the size
 * read, so F's comparison reports the change.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class BuddyAllocator extends AbstractAllocator implements SizeWordOnRequest {
    /** The minimum block under {@code malloc}: 16 bytes, the smallest usable size and the payload alignment. */
    public static final long DEFAULT_MIN_BLOCK = 16;
    /** Orders 0-24: blocks of 16 bytes to 256 MiB (the CLI's default heap). */
    public static final int DEFAULT_MAX_ORDER = 24;

    private final BuddyPages pages;
    private final int shift;
    private final int maxOrder;
    private long requestedBytes;
    private long grantedBytes;
    /** The head's bytes under debug=F alone ({@link #keepSizeWordBelowPayload}), else 0: set once, before any block. */
    private long head;
    /** The word's flag: the block's front is above 16 and stored at {@code u - 16} (and at {@code b}). */
    private static final long ALIGNED = 1;
    /** The head under F: the size word and 8 bytes below it, keeping payloads 16-aligned. */
    private static final long HEAD = 16;

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
    public void keepSizeWordBelowPayload() {
        if (pages.allocations() != 0) {
            throw new IllegalStateException(name() + ": the size word must be asked for before any block is handed out");
        }
        head = HEAD;
    }

    @Override
    protected boolean screensSizeBelowPayload() {
        return head != 0;
    }

    @Override
    protected long allocate(long size) {
        if (head != 0) { // allocateWithHead(size, HEAD, 0), written out for the hot path
            int order = 64 - Long.numberOfLeadingZeros((Math.max(size, 1) + HEAD - 1) >>> shift); // a byte past the head
            long b;
            if (order > maxOrder || (b = pages.take(order, order)) == 0) {
                return 0;
            }
            count(size, order);
            heap.putLong(b + 8, (1L << (order + shift)) - HEAD);
            return b + HEAD;
        }
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
        if (head != 0) {
            return allocateWithHead(size, Math.max(HEAD, alignment), pages.orderFor(alignment));
        }
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
        if (head != 0) {
            return resizeWithHead(address, size);
        }
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
        if (head != 0) {
            long w = screenedWord(address, "free");
            long front = front(address, w);
            pages.release((address - front) >>> shift, matchedOrder(address, front, w, "free"));
            return;
        }
        int order = liveOrder(address, "free");
        pages.release(address >>> shift, order);
    }

    /** The debug layer's F: the size compared on the order the free finds anyway, one probe for both. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        if (head != 0) {
            // the common case first: front 16, the word intact, the block allocated (so its word is in the heap)
            long b = address - HEAD;
            int order = pages.allocatedOrder(b);
            if (order >= 0 && (1L << (order + shift)) - HEAD == usable && heap.getLong(b + 8) == usable) {
                pages.release(b >>> shift, order);
                return usable;
            }
            long w = screenedWord(address, "free");
            long now = w & -HEAD;
            if (now == usable) {
                long front = front(address, w);
                pages.release((address - front) >>> shift, matchedOrder(address, front, w, "free"));
            }
            return now;
        }
        int order = liveOrder(address, "free");
        long now = pages.pageSize() << order;
        if (now == usable) {
            pages.release(address >>> shift, order);
        }
        return now;
    }

    @Override
    protected long usable(long address) {
        if (head != 0) {
            return screenedWord(address, "usableSize") & -HEAD;
        }
        return pages.pageSize() << liveOrder(address, "usableSize");
    }

    @Override
    protected long freshUsable(long address) {
        return head != 0 ? heap.getLong(address - 8) & -HEAD : usable(address);
    }

    @Override
    protected HeapWalk walk() {
        return head != 0 ? new HeadWalk(pages.heapWalk()) : pages.heapWalk();
    }

    // ---------------------------------------------------------------- the head under debug=F alone

    /**
     * A block of at least {@code size + front} bytes, at least order {@code alignOrder} aligned; its word written;
     * returns the payload {@code b + front} or 0.
     */
    private long allocateWithHead(long size, long front, int alignOrder) {
        int order = pages.orderFor(Math.max(size, 1) + front);
        if (order < 0 || alignOrder < 0) {
            return 0;
        }
        long b = pages.take(order, Math.max(order, alignOrder));
        if (b == 0) {
            return 0;
        }
        count(size, order);
        long u = b + front;
        writeHead(b, u, front, (pages.pageSize() << order) - front);
        return u;
    }

    private void writeHead(long b, long u, long front, long usable) {
        if (front == HEAD) {
            heap.putLong(u - 8, usable);
        } else {
            long w = usable | ALIGNED;
            heap.putLong(b, front);
            heap.putLong(b + 8, w);
            heap.putLong(u - 16, front);
            heap.putLong(u - 8, w);
        }
    }

    /** The front of the block at payload {@code u} whose word {@code w} passed {@link #screenedWord}. */
    private long front(long u, long w) {
        return (w & ALIGNED) == 0 ? HEAD : heap.getLong(u - 16);
    }

    /**
     * The word below payload {@code u}, screened: {@code u} a 16-aligned address of the heap, the word a size the heap
     * can hold with no flag but ALIGNED, its front (16, or a power of two above it at {@code u - 16}) leading to the
     * start of an allocated block (whether the size is that block's, the caller compares). Else the {@link InvalidPointerException} of
     * {@link #damaged}, nothing changed.
     */
    private long screenedWord(long u, String op) {
        long first = pages.firstAddress();
        if ((u & (HEAD - 1)) != 0 || u < first + HEAD || u > heap.limit()) {
            throw new InvalidPointerException(name() + ": " + op + "(" + hex(u) + "): no payload of this heap", u);
        }
        long w = heap.getLong(u - 8);
        long flags = w & (HEAD - 1);
        long front = HEAD;
        if (flags == ALIGNED) {
            front = heap.getLong(u - 16);
            if (front <= HEAD || Long.bitCount(front) != 1 || front > u - first) {
                throw damaged(op, u, w);
            }
        } else if (flags != 0) {
            throw damaged(op, u, w);
        }
        int order = pages.allocatedOrder(u - front);
        if (order < 0 || Long.compareUnsigned(w & -HEAD, capacity) > 0) {
            // a 1-byte underrun sets the word's top byte: a size beyond any heap (unsigned: a top bit set is no size
            // "below zero" that matchedOrder could match against a block before u, spec/models/buddyhead.als)
            throw damaged(op, u, w);
        }
        return w;
    }

    /**
     * The order of the allocated block at payload {@code u} (front {@code front}), whose word {@code w} passed
     * {@link #screenedWord}, when the word is exactly that block's usable size; else {@link #damaged}, nothing changed.
     */
    private int matchedOrder(long u, long front, long w, String op) {
        int order = pages.allocatedOrder(u - front); // the screen found it allocated
        if ((w & -HEAD) != (pages.pageSize() << order) - front) {
            throw damaged(op, u, w);
        }
        return order;
    }

    /** The word below {@code u} is no size of a block there: an underrun, or {@code u} no block's payload. */
    private InvalidPointerException damaged(String op, long u, long w) {
        return new InvalidPointerException(name() + ": " + op + "(" + hex(u) + "): the size word below the payload reads " + hex(w)
                + ", which is no size of an allocated block there (an underrun damaged it, or no block starts there)", u);
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    /** In-place resize of the live block at payload {@code u} keeping its front; its word rewritten. */
    private boolean resizeWithHead(long u, long size) {
        long w = screenedWord(u, "realloc/tryExpand");
        long front = front(u, w);
        long b = u - front;
        int order = matchedOrder(u, front, w, "realloc/tryExpand");
        int newOrder = pages.orderFor(Math.max(size, 1) + front);
        if (newOrder < 0 || !pages.resize(b, order, newOrder)) {
            return false;
        }
        count(size, newOrder);
        writeHead(b, u, front, (pages.pageSize() << newOrder) - front);
        return true;
    }

    /**
     * The buddy walk with each allocated block's extent carrying its payload and usable size past the head (the
     * checker sees what the caller was handed) and BUDDY-6 added to its checks (folded into the checked extent walk, a
     * pass of its own otherwise); everything else is the buddy walk's.
     */
    private final class HeadWalk extends ForwardingWalk {
        HeadWalk(HeapWalk under) {
            super(under);
        }

        /** The walk beneath with each allocated extent's payload past its head; with a sink, each head checked too. */
        private ExtentVisitor mapped(ExtentVisitor visitor, @Nullable InvariantSink sink) {
            return (kind, start, size, payload, usable) -> {
                if (kind != ExtentKind.ALLOCATED) {
                    return visitor.extent(kind, start, size, payload, usable);
                }
                if (sink != null) {
                    checkHead(sink, start, size);
                }
                long front = validFront(start, size); // a damaged head: the checker sees the least front, the free refuses the word
                return visitor.extent(kind, start, size, start + front, size - front);
            };
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            under.walkExtents(mapped(visitor, null));
        }

        /** The checked walk beneath, BUDDY-6 folded in: true when it made every check, the heads' included. */
        @Override
        public boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
            return under.walkExtents(mapped(visitor, sink), sink);
        }

        @Override
        public void checkInvariants(InvariantSink sink) {
            under.checkInvariants(sink);
            checkHeads(sink);
        }

        @Override
        public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
            under.checkInvariants(sink, extentsChecked, freeStructuresChecked);
            if (!extentsChecked) { // else the checked extent walk made them
                checkHeads(sink);
            }
        }

        /** BUDDY-6 over every allocated block, a pass of its own (where no checked extent walk made it). */
        private void checkHeads(InvariantSink sink) {
            under.walkExtents((kind, start, size, payload, usable) -> {
                if (kind == ExtentKind.ALLOCATED) {
                    checkHead(sink, start, size);
                }
                return true;
            });
        }

        /** BUDDY-6 of the allocated block [start, start + size): its head is the one its payload was handed out with. */
        @Enforces("BUDDY-6")
        private void checkHead(InvariantSink sink, long start, long size) {
            String fault = headFault(start, size);
            if (fault != null) {
                sink.violation("BUDDY-6", start, "the head of the allocated block " + hex(start) + " of " + size
                                + " bytes is damaged: " + fault,
                        "word = block - front, flags 0 (front 16) or ALIGNED (front a power of two in (16, block), copied below the payload)",
                        "word " + hex(heap.getLong(start + 8)));
            }
        }

        /** The front of the allocated block [start, start + size) its head gives, or 16 where the head gives none. */
        private long validFront(long start, long size) {
            if ((heap.getLong(start + 8) & (HEAD - 1)) != ALIGNED) {
                return HEAD;
            }
            long front = heap.getLong(start);
            return front > HEAD && Long.bitCount(front) == 1 && front < size ? front : HEAD;
        }

        /** What is wrong with the head of the allocated block [start, start + size), or null. */
        private @Nullable String headFault(long start, long size) {
            long w = heap.getLong(start + 8);
            long flags = w & (HEAD - 1);
            long front = HEAD;
            if (flags == ALIGNED) {
                front = validFront(start, size);
                if (front == HEAD) {
                    return "its front reads " + heap.getLong(start) + ", no alignment above 16 inside the block";
                }
                if (heap.getLong(start + front - 16) != front || heap.getLong(start + front - 8) != w) {
                    return "the copy of the front and word below the payload at " + hex(start + front) + " differs from the block's";
                }
            } else if (flags != 0) {
                return "its flag bits read " + flags + ", where only ALIGNED (1) is a flag";
            }
            if ((w & -HEAD) != size - front) {
                return "its usable size reads " + (w & -HEAD) + " where the block less its front of " + front + " is " + (size - front);
            }
            return null;
        }
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
