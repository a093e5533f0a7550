package org.jalloc.slab;

import static org.jalloc.slab.AddressScreen.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.GranuleMap;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.EngineSanity;
import org.jalloc.core.spi.FreeChecksOnRequest;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.pagemap.RadixPageMap;
import org.jalloc.core.percpu.PerThreadOptions;
import org.jalloc.core.walk.HeapWalk;

/**
 * The slab allocator (Bonwick 1994, "The Slab Allocator: An Object-Caching Kernel Memory Allocator"; Bonwick &amp;
 * Adams 2001, "Magazines and Vmem"; Linux {@code mm/slab.c}, {@code mm/slub.c}) over the buddy system: the slab
 * layer hosting {@link SlabCache}s over a {@link BuddyPages} (4 KiB pages; slabs of orders 0-10, as Linux; the
 * page allocator's own largest order covers the heap, so large blocks can be as big as the heap holds), and
 * {@code kmalloc} on it — the {@code slab} allocator of {@code ./jalloc}.
 *
 * <h2>Lock order (concurrency)</h2>
 * <table class="striped">
 *   <caption>Who guards what (lock order: top to bottom; never two of one row)</caption>
 *   <tr><th>lock</th><th>guards</th></tr>
 *   <tr><td>a thread's magazine lock ({@link ThreadMagazines})</td><td>its loaded/previous magazines of every cache;
 *       taken by the owner on every magazine operation (one CAS, uncontended), by shrink and the scavenger</td></tr>
 *   <tr><td>a cache's depot monitor</td><td>its full and empty magazine stacks</td></tr>
 *   <tr><td>a cache's slab lock (an off-slab cache's before the kmalloc cache holding its descriptors)</td><td>its
 *       slab lists, slab headers, free lists, counters</td></tr>
 *   <tr><td>the page lock</td><td>the {@link BuddyPages} (single owner) and page map writes</td></tr>
 *   <tr><td>the thread registry, the cache registry</td><td>held alone, briefly</td></tr>
 * </table>
 * Constructors and destructors run with no lock held (on a slab not yet, or no longer, on any list). Page map reads
 * take no lock: a free looks up pages of a block it was handed, mapped before the block was handed out. The walk
 * ({@link #heapWalk()}), {@link #stats()} and {@link #slabinfo()} read without locks: exact at quiescent points
 * (threads parked at a barrier, joined, or one thread).
 *
 * <h2>Classes (one tier each)</h2>
 * This class is the kmalloc front (the {@code Allocator} engine: size classes, large blocks, the address screen) and
 * the page layer under every cache (buddy pages, page map, the page lock). The cache registry is
 * {@link CacheRegistry}; the threads' magazines, detach, the scavenger, shrink and reclaim are
 * {@link MagazineScavenger}; a cache's magazine layer is {@link SlabCache}, its slab layer {@link SlabLayer}, its
 * debug areas {@link Debug}; the walk and the checks are {@link SlabWalk}.
 *
 * <h2>Nouns</h2>
 * <b>page</b>: 4 KiB, the buddy's order-0 block. <b>cache</b>: objects of one size ({@link SlabCache}).
 * <b>slab</b>: a buddy block of one cache, cut into slots after a color offset. <b>slab header</b>: 64 bytes per slab,
 * on the slab (objects under 512 bytes) or in an off-slab descriptor taken from a kmalloc cache (Linux SLAB's
 * {@code OFF_SLAB}). <b>page map</b> ({@link SlabPageEntry}, in core's {@link RadixPageMap}): page → slab header or large block. <b>magazine</b>: a
 * thread's stack of free objects of one cache. <b>depot</b>: a cache's spare full and empty magazines.
 * <b>state map</b> ({@link GranuleMap}): a byte per 16 bytes of heap, outside it: whether each on-slab slot is free.
 * <b>large block</b>: a kmalloc request above 8 KiB, served as one buddy block of 2^k pages, k up to the page
 * allocator's largest order {@link #pageMaxOrder()} (by default the largest the heap holds: 18 on a 1 GiB heap,
 * whose largest free block is 512 MiB since the first page is the guard page; at least 10, Linux's 4 MiB).
 *
 * <h2>Heap layout</h2>
 * <pre>
 *  heap.start                                                                               brk
 *  | slab kmalloc-64 (4K)   | free (buddy) | large block (16K) .......... | slab kmalloc-1k (8K)  |
 *  | c|obj|obj|...|obj|s|hdr|              |                              | c|obj|obj|obj|...|obj|s|   hdr in a kmalloc-96
 *  +------------------------+--------------+------------------------------+-----------------------+   object elsewhere
 *   c = color padding, s = slack - color, hdr = on-slab header; every block is a buddy block aligned to its size
 * </pre>
 *
 * <h2>kmalloc size classes</h2>
 * <pre>
 *   request   0-16  17-32  33-64  65-96  97-128  129-192  193-256  257-512  ...  4097-8192  &gt; 8192
 *   cache       16     32     64     96     128      192      256      512  ...       8192  buddy pages: 2^k pages,
 *   align       16     32     64     32     128       64      256      512  ...       8192  k = orderFor(n) &lt;= pageMaxOrder
 * </pre>
 * Power-of-two caches are naturally aligned (as Linux since 5.4), so {@code alignedAlloc(a, n)} takes the first
 * cache of at least {@code max(n, a)} bytes aligned to {@code a}, else pages. In debug mode kmalloc objects are only
 * 16-byte aligned (red zones sit between them).
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * SLAB-1..3 are stated per cache in {@link SlabLayer}'s header, SLAB-4 and SLAB-5 in {@link Debug}'s, SLAB-7 in
 * {@link SlabCache}'s. The page layer adds:
 * <ul>
 *   <li>SLAB-6: every slab on a cache's lists is an allocated buddy block of the cache's order, and the page map
 *       names its header on every page of it; every allocated buddy block is a slab or a large block the page map
 *       names ({@code pagemap[b] = LARGE(order(b))}); no free buddy page is named by the page map.</li>
 *   <li>SLAB-8 (only with {@code debug=F} alone): every live kmalloc block {@code b} (no descriptor) carries its head,
 *       {@code mem[b] = front = 2^j ≥ 16}, {@code b ≡ 0 mod front}, {@code mem[b + front − 8] = usable(b) − front} (SCOPED aside).</li>
 *   <li>BUDDY-1..5 of the page allocator underneath, checked through {@link BuddyPages#checkInvariants}.</li>
 * </ul>
 * The checker sees objects in magazines and depots as FREE extents listed exactly once (HEAP-3), slab headers and
 * off-slab descriptors as METADATA, color padding and slack as PADDING.
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n &lt;= 8192): the kmalloc cache of n's class, {@link SlabCache#alloc()}; larger: {@code allocPages(k)}
 *       with the page map marking the block. When the heap is full: reclaim (flush this thread's magazines, the
 *       dead threads' and every depot, destroy every empty slab, off-slab caches first since their descriptors live in
 *       on-slab caches) and retry once; then 0.</li>
 *   <li>free(p): page map → slab header (or large block) → the cache's free, after the O(1) screen.</li>
 *   <li>realloc/tryExpand in place: within the object's usable size, or within a large block's order.</li>
 *   <li>Every 4096 operations that leave the magazine fast path (depot exchanges, slab layer), the scavenger runs:
 *       it flushes the magazines of platform threads that have ended (Java has no thread-exit hook) and reaps every
 *       depot's unused working set. {@link #scavenge()} runs it now; an optional daemon thread runs it on a timer.</li>
 * </ol>
 *
 * <h2>Debugging (SLUB's {@code slub_debug=FZPU})</h2>
 * Per cache, independent flags: F sanity checks, Z red zones, P poisoning (caches without a constructor), U last
 * alloc/free site tracking; see {@link Debug}. The {@code slab:debug=FZPU} option sets them on every kmalloc cache;
 * {@link SlabCache.Builder#debug} on a cache of one's own. A debug cache has no magazines. F alone on the kmalloc caches
 * is the engine's own instead (below). Broken red zones are
 * reported on free (a buffer overrun), broken poison on the next alloc of the object (a write after free), both by
 * the checker at any time (SLAB-4, SLAB-5), each naming the cache, the object and its last sites.
 *
 * <h2>debug=F alone (the engine's own, no layer: {@link #checkFreesAlone})</h2>
 * {@code slab:debug=F} with no other generic option: the kmalloc caches are plain caches (magazines, natural alignment)
 * and F is checked here, in kmalloc's own malloc and free, with core's {@code EngineSanity} for the ring, the views
 * and the texts. Any other letters ({@code FZ}, {@code FZPU}, ...) keep the SLUB-style debug caches above, and caches
 * made with {@link #newCache} keep the flags they were made with.
 * <pre>
 *  kmalloc block b (an object or a large block)    u = b + front (16, or the alignment), handed to the caller
 *  | front | usable (| SCOPED, | FREED) | payload: usable = size(b) − front bytes ... |
 *   mem[b]  mem[u − 8]
 * </pre>
 * malloc asks for {@code front + max(n, 16)} bytes and writes the two words. free(u): u is 16-aligned in the heap,
 * its page a kmalloc slab's (intact header; the slot holding u live in the state map or bufctl) or a large block's,
 * and {@code mem[b] = u − b}, else the ring names a double free or it is an invalid pointer; then the size word must
 * read {@code size(b) − front} (a word of no size — a 1-byte underrun — is an invalid pointer, another size the
 * comparison's corruption report; the object's free marker there is a racing free that got in first: the ring's
 * double free) and is claimed by one CAS to {@code | FREED}; then views closed and the ring told, a store fence, then
 * the cache's free, into a magazine (so a racing free that finds the block a round finds it in the ring). The head's
 * steps are slub's ({@link FreeHeads}).
 *
 * <h2>Secure mode ({@code secure=on}, SEC-1)</h2>
 * The links of on-slab free slots, of every cache, stored XOR-ed with one random key per heap ({@link #links}) and
 * checked at every pop ({@link SlabLayer#nextFree}). A round in a magazine is linked from the magazine's array, outside
 * the heap, and joins its slab's free list (encoded) when the magazine is flushed.
 *
 * <h2>Misuse detected in O(1), nothing changed</h2>
 * The caches' screen ({@link SlabCache}), plus: an object of a cache created with {@link #newCache} passed to
 * {@code free}/{@code realloc}/{@code usableSize} ({@link WrongCacheException}), an address inside a large block
 * ({@link InvalidPointerException}), a large block freed twice ({@link DoubleFreeException}: its first page keeps a
 * tombstone until reused).
 *
 * <p>Thread safety: {@link ThreadSafety#CONCURRENT}; any thread may free any object. Virtual threads get no magazines:
 * they use the slab layer under the slab lock. A single-threaded run is deterministic (the scavenger is driven by
 * operation counts, not time).
 */
public final class SlabAllocator extends AbstractAllocator implements FreeChecksOnRequest {
    /** Linux's page size: the buddy's order-0 block. */
    public static final long PAGE_SIZE = 4096;

    /** Linux's largest buddy order: slabs of up to 4 MiB, and the smallest largest order of the page allocator. */
    public static final int MAX_ORDER = 10;

    /** The largest order a large block's page map entry can name ({@code LARGE(k) = -1 - k >= -32}). */
    static final int MAX_PAGE_ORDER = 30;

    /** The largest kmalloc cache (SLUB's {@code KMALLOC_MAX_CACHE_SIZE} with 4 KiB pages). */
    public static final long KMALLOC_MAX = 8192;

    /** Empty slabs a cache keeps by default before returning further ones to buddy. */
    public static final int DEFAULT_EMPTY_SLABS = 2;

    /** Operations off the magazine fast path between two scavenger runs. */
    static final int SCAVENGE_EVERY = 4096;

    /** The kmalloc caches' sizes. */
    static final long[] KMALLOC_SIZES = {16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};

    /** Class index by {@code ceil(n / 16)} for {@code n <= 192} (Linux's {@code size_index}). */
    private static final byte[] SMALL_CLASS = {0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5};

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    /** Under {@code debug=F} alone: the head before each payload, at least one granule (the front word and the size word). */
    static final long HEAD = FreeHeads.HEAD;
    /** The head's size word flags under {@code debug=F} alone: the block has views; the block is being freed or was freed. */
    static final long SCOPED = FreeHeads.SCOPED;
    static final long FREED = FreeHeads.FREED;

    final BuddyPages pages;

    final RadixPageMap.Words pageMap;

    /** One byte per 16 bytes of heap, outside it: whether each slot of an on-slab slab is free ({@link SlabCache}). */
    final GranuleMap states;

    /** Guards {@link #pages} and page map writes. */
    final Object pageLock = new Object();

    /**
     * The on-slab free slots' links ({@code secure=on|off}, SEC-1): one key for the heap, every cache's slab layer
     * stores and loads its links through it ({@link SlabLayer#nextFree}).
     */
    final SecureLinks links;

    private final long firstAddress;

    private final MemorySegment mem;
    /** debug=F alone's head below each payload (its steps: {@link FreeHeads}). */
    private final FreeHeads heads;

    final SlabCache[] kmallocCaches = new SlabCache[KMALLOC_SIZES.length];

    /** Every cache by id ({@link CacheRegistry}). */
    final CacheRegistry registry = new CacheRegistry();
    /** Every thread's magazines, detach, the scavenger, shrink and reclaim ({@link MagazineScavenger}). */
    final MagazineScavenger scavenging;

    private final PerThreadOptions perThread;

    final Debug.Sites sites = new Debug.Sites();

    private final int descriptorSite;

    /** The kmalloc caches' debug flags; F alone becomes the engine's own ({@link #checkFreesAlone}), before any block. */
    private int kmallocDebug;

    /** {@code debug=F} alone done by this engine (null: off): set once by {@link #checkFreesAlone}, before any block. */
    private @Nullable EngineSanity checks;

    private final boolean magazinesOn;

    private final boolean magazineResize;

    private final int emptySlabs;

    private volatile boolean closed;

    private @MonotonicNonNull SlabWalk walk;

    // statistics
    /** kmalloc's large blocks and their counters (under the page lock). */
    private final LargeBlocks large;

    private SlabAllocator(Builder b, Heap heap) {
        super(b.name, heap);
        this.pages = new BuddyPages(heap, PAGE_SIZE, pageOrder(b.maxOrder, heap));
        this.pageMap = SlabPageEntry.newMap(heap);
        this.large = new LargeBlocks(pages, pageMap);
        this.states = new GranuleMap(heap);
        this.firstAddress = pages.firstAddress();
        this.mem = heap.memory();
        this.heads = new FreeHeads(mem, true, b.name, pageMap, pageLock);
        this.links = new SecureLinks(b.secure, heap, b.name, firstAddress, CacheGeometry.MIN_ALIGN);
        this.kmallocDebug = b.debug;
        this.magazinesOn = b.magazines;
        this.magazineResize = b.resize;
        this.emptySlabs = b.emptySlabs;
        this.perThread = b.perThread;
        this.scavenging = new MagazineScavenger(registry, b.name);
        this.descriptorSite = sites.intern("slab layer (off-slab descriptor)");
    }

    /**
     * The largest order of the page allocator: {@code requested}, or (0) the largest whose blocks the heap can hold
     * and align, at least {@link #MAX_ORDER}.
     *
     * @throws IllegalArgumentException for an order below {@link #MAX_ORDER} or above what the heap holds
     */
    static int pageOrder(int requested, Heap heap) {
        long room = Math.min(heap.capacity(), heap.baseAlignment());
        int fits = 63 - Long.numberOfLeadingZeros(Math.max(1, room / PAGE_SIZE));
        int largest = Math.max(MAX_ORDER, Math.min(fits, MAX_PAGE_ORDER));
        if (requested == 0) {
            return largest;
        }
        if (requested < MAX_ORDER || requested > largest) {
            throw new IllegalArgumentException("slab: max-order must be 0 (the largest the heap holds) or in [" + MAX_ORDER + ", " + largest
                    + "] for a heap of " + heap.capacity() + " bytes, got " + requested);
        }
        return requested;
    }

    /** Builds a {@link SlabAllocator}: kmalloc debug flags, magazines, empty-slab limit, name, background scavenger. */
    public static final class Builder {
        private int debug;
        private int maxOrder;
        private boolean magazines = true;
        private boolean resize = true;
        private boolean secure;
        private int emptySlabs = DEFAULT_EMPTY_SLABS;
        private String name = "slab";
        private final PerThreadOptions perThread = new PerThreadOptions();

        private Builder() {}

        /** Debug flags for the kmalloc caches, a subset of {@code "FZPU"} (default none). */
        public Builder debug(String flags) {
            this.debug = Debug.parse(flags);
            return this;
        }

        /** Per-thread magazines in front of every cache (default on); off, every call takes the cache's slab lock. */
        public Builder magazines(boolean on) {
            this.magazines = on;
            return this;
        }

        /**
         * Whether depot contention grows a cache's magazine size (Bonwick &amp; Adams 2001; default on): every
         * {@value SlabCache#RESIZE_CONTENTION}th contended depot entry steps it up Solaris' sizes; it never shrinks.
         */
        public Builder magazineResize(boolean on) {
            this.resize = on;
            return this;
        }

        /**
         * Secure mode ({@code secure=on}, default off; mimalloc's, SEC-1): the link of every free slot of an on-slab
         * slab, of every cache of the allocator, stored XOR-ed with a per-heap random key and checked when a pop
         * follows it (0 or a free slot of the same slab), so a write after free into the link is a
         * {@link org.jalloc.core.FreeListCorruptionException} at the allocation that would follow it, nothing changed.
         * Off-slab slabs keep no link in their objects (the bufctl array is in the descriptor): nothing to encode.
         */
        public Builder secure(boolean on) {
            this.secure = on;
            return this;
        }

        /** Empty slabs each kmalloc cache keeps (default 2), and the default for caches created later. */
        public Builder emptySlabs(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("empty slab limit must not be negative, got " + n);
            }
            this.emptySlabs = n;
            return this;
        }

        /**
         * The largest order of the buddy page allocator underneath, so the largest kmalloc block is
         * {@code PAGE_SIZE << order} bytes: 0 (the default) takes the largest the heap can hold; {@link #MAX_ORDER}
         * gives Linux's 4 MiB. Checked against the heap when the allocator is built.
         */
        public Builder maxOrder(int order) {
            if (order != 0 && (order < MAX_ORDER || order > MAX_PAGE_ORDER)) {
                throw new IllegalArgumentException("slab: max-order must be 0 (the largest the heap holds) or in [" + MAX_ORDER + ", "
                        + MAX_PAGE_ORDER + "], got " + order);
            }
            this.maxOrder = order;
            return this;
        }

        /** The name {@link #name()} reports (default {@code slab}). */
        public Builder name(String n) {
            this.name = n;
            return this;
        }

        /** Runs {@link #scavenge()} on a daemon thread every {@code period} (default: no thread). */
        public Builder backgroundScavenger(Duration period) {
            perThread.backgroundScavenger(period);
            return this;
        }

        /** A new slab allocator over {@code heap} (empty: {@code brk == start}), which it owns from now on. */
        SlabAllocator build(Heap heap) {
            SlabAllocator a = new SlabAllocator(this, heap);
            a.start();
            return a;
        }

        /** A new slab allocator over a new heap of {@code heapBytes}. */
        public SlabAllocator build(long heapBytes) {
            return PerThreadOptions.buildOnNewHeap(heapBytes, this::build);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The {@code slab} configuration over a new heap of {@code heapBytes}. */
    public static SlabAllocator create(long heapBytes) {
        return builder().build(heapBytes);
    }

    /** Creates the kmalloc caches, the walk and the optional scavenger thread, once the allocator is constructed. */
    private void start() {
        for (int i = 0; i < KMALLOC_SIZES.length; i++) {
            long size = KMALLOC_SIZES[i];
            long align = kmallocDebug != 0 ? CacheGeometry.MIN_ALIGN : Long.lowestOneBit(size);
            kmallocCaches[i] = createCache(kmallocName(size), size, align, null, null, kmallocDebug, -1, emptySlabs, true,
                    SlabCache.RESIZE_CONTENTION);
        }
        walk = new SlabWalk(this);
        scavenging.start(perThread);
    }

    static String kmallocName(long size) {
        return size >= 1024 ? "kmalloc-" + (size >> 10) + "k" : "kmalloc-" + size;
    }

    /** The kmalloc class index of a request of {@code n <= 8192} bytes. */
    static int classIndex(long n) {
        if (n <= 192) {
            return SMALL_CLASS[(int) ((n + 15) >>> 4)];
        }
        return (64 - Long.numberOfLeadingZeros(n - 1)) - 2;
    }

    /** Whether the caches' magazine sizes grow under depot contention. */
    boolean magazineResizing() {
        return magazineResize;
    }

    /** Whether new caches get magazines by default. */
    boolean magazinesOn() {
        return magazinesOn;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.CONCURRENT;
    }

    // ================================================================== caches (CacheRegistry)

    /**
     * Starts describing a new cache of {@code objectSize}-byte objects (Linux's {@code kmem_cache_create}); finish
     * with {@link SlabCache.Builder#build()}. Names are unique among live caches.
     */
    public SlabCache.Builder newCache(String name, long objectSize) {
        return new SlabCache.Builder(this, name, objectSize);
    }

    SlabCache createCache(String name, long objectSize, long align, @Nullable Consumer<MemorySegment> constructor,
                          @Nullable Consumer<MemorySegment> destructor, int debug, int magazineSize, int emptyLimit, boolean kmalloc,
                          int resizeAfter) {
        return registry.create(this, name, objectSize, align, constructor, destructor, debug, magazineSize, emptyLimit, kmalloc, resizeAfter);
    }

    /**
     * Destroys a cache created with {@link #newCache} (Linux's {@code kmem_cache_destroy}): every thread's magazines
     * and the depot are flushed, every slab destroyed (destructors run).
     *
     * @throws IllegalStateException    when objects of the cache are still allocated (nothing is changed then), or
     *                                  the cache was destroyed already
     * @throws IllegalArgumentException for a kmalloc cache or a cache of another allocator
     */
    public void destroyCache(SlabCache cache) {
        registry.destroy(this, cache);
    }

    /** The live caches, kmalloc ones first, in creation order. */
    public List<SlabCache> caches() {
        return registry.live();
    }

    /** The kmalloc cache serving {@code n}-byte requests, or null above {@link #KMALLOC_MAX}. */
    public @Nullable SlabCache kmallocCache(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative size " + n);
        }
        return n <= KMALLOC_MAX ? kmallocCaches[classIndex(n)] : null;
    }

    // ================================================================== threads and scavenging (MagazineScavenger)

    /**
     * Flushes the calling thread's magazines of every cache to the slabs and forgets them (the next operation on this
     * thread starts afresh). Threads that end without calling this are flushed by the scavenger.
     */
    public void detach() {
        scavenging.detach();
    }

    /**
     * The scavenger, callable from any thread: flushes the magazines of platform threads that have ended and returns
     * every depot's unused working set (full magazines to the slabs, empty ones dropped).
     */
    public void scavenge() {
        scavenging.scavenge();
    }

    /**
     * Shrinks every cache ({@link SlabCache#shrink()}: every thread's magazines and the depots flushed, every empty
     * slab returned), off-slab caches first.
     *
     * @return bytes of slab pages returned to buddy
     */
    public long shrink() {
        return scavenging.shrink();
    }

    /**
     * {@code malloc_trim}: {@link #shrink()} (every magazine and depot flushed, every empty slab back to buddy), then
     * the whole pages inside buddy's free blocks go back to the OS. Objects inside slabs are never trimmed, so debug
     * poison (P) and red zones (Z) stay intact: only pages no cache owns are released.
     *
     * @return the bytes released by this call
     */
    @Override
    public long trim() {
        return org.jalloc.core.events.TrimEvent.timed(name(), () -> {
            shrink();
            synchronized (pageLock) {
                return releaseFreePages(pages.heapWalk(), heap);
            }
        });
    }

    // ================================================================== pages (the page lock)

    long allocSlabPages(int order) {
        synchronized (pageLock) {
            return pages.allocPages(order);
        }
    }

    /** Frees pages of a slab that was never mapped (its creation failed). */
    void freeSlabPages(long base, int order) {
        synchronized (pageLock) {
            pages.freePages(base, order);
        }
    }

    void mapSlab(long base, int order, long header) {
        synchronized (pageLock) {
            pageMap.setRange(base >>> SlabPageEntry.PAGE_SHIFT, 1L << order, header, header);
        }
    }

    void unmapSlab(long base, int order) {
        synchronized (pageLock) {
            pageMap.setRange(base >>> SlabPageEntry.PAGE_SHIFT, 1L << order, 0, 0);
            pages.freePages(base, order);
        }
    }

    /** An off-slab descriptor of {@code bytes} (at most 256) from a kmalloc cache's slab layer, or 0. */
    long allocDescriptor(long bytes) {
        return kmallocCaches[classIndex(bytes)].slabs.allocFromSlabs(descriptorSite);
    }

    void freeDescriptor(long descriptor) {
        long h = slabHeaderAt(descriptor, "free descriptor", null);
        SlabCache c = registry.byId(mem.get(INT, h + SlabLayer.H_CACHE));
        if (c == null) {
            throw new HeapCorruptionException("slab: the descriptor " + hex(descriptor) + " lies in a slab of no cache", descriptor);
        }
        c.slabs.freeToSlabs(c.slabs.check(h, descriptor, "free descriptor"), descriptor, descriptorSite);
    }

    private long allocLarge(int order) {
        synchronized (pageLock) {
            return large.alloc(order);
        }
    }

    private long allocLargeOrReclaim(int order) {
        long a = allocLarge(order);
        if (a == 0) {
            scavenging.reclaim();
            a = allocLarge(order);
        }
        return a;
    }

    private void freeLarge(long a, int order) {
        synchronized (pageLock) {
            large.free(name(), a, order);
        }
    }

    // ================================================================== the address screen

    private void screen(long address, String who, String op) {
        AddressScreen.requireAlignedInHeap(who, op, address, firstAddress, heap.brk(), "object");
    }

    boolean validHeader(long h) {
        return h >= firstAddress && h + SlabLayer.HEADER <= heap.brk() && (h & 15) == 0
                && mem.get(LONG, h + SlabLayer.H_MAGIC) == (mem.get(LONG, h + SlabLayer.H_BASE) ^ SlabLayer.SLAB_MAGIC);
    }

    private long checkedHeader(long e, long address) {
        if (!validHeader(e)) {
            throw new HeapCorruptionException(name() + ": the page map names a slab header at " + hex(e) + " for " + hex(address)
                    + ", but no intact header is there", address);
        }
        return e;
    }

    /**
     * The header of the slab holding {@code address}, screened; throws the misuse otherwise ({@code cache} names the
     * caller for messages; null for the slab layer itself).
     */
    long slabHeaderAt(long address, String op, @Nullable SlabCache cache) {
        String who = cache != null ? cache.name() : name();
        screen(address, who, op);
        long e = pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
        if (e > 0) {
            return checkedHeader(e, address);
        }
        if (SlabPageEntry.largeOrder(e) >= 0 || e == SlabPageEntry.LARGE_TAIL) {
            throw new WrongCacheException(who + ": " + op + "(" + hex(address) + "): in a large kmalloc block, not an object of " + who,
                    address, who, "kmalloc (large block)");
        }
        if (e == SlabPageEntry.FREED_LARGE && (address & (PAGE_SIZE - 1)) == 0) {
            throw new DoubleFreeException(who + ": " + op + "(" + hex(address) + "): a large block freed already (double free?)", address);
        }
        throw new InvalidPointerException(who + ": " + op + "(" + hex(address) + "): on a page of no slab", address);
    }

    /** The kmalloc view: the slab header (&gt; 0) or the large-block entry (&lt; 0) at {@code address}; throws otherwise. */
    private long lookup(long address, String op) {
        screen(address, name(), op);
        long e = pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
        if (e > 0) {
            return checkedHeader(e, address);
        }
        int k = SlabPageEntry.largeOrder(e);
        boolean pageStart = (address & (PAGE_SIZE - 1)) == 0;
        if (k >= 0 && pageStart) {
            return e;
        }
        if (e == SlabPageEntry.FREED_LARGE && pageStart) {
            throw new DoubleFreeException(name() + ": " + op + "(" + hex(address) + "): a large block freed already (double free?)", address);
        }
        if (k >= 0 || e == SlabPageEntry.LARGE_TAIL) {
            throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): inside a large block, not at its start", address);
        }
        throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): on a page of no slab and no large block", address);
    }

    /** The kmalloc cache of the slab at header {@code h}; a cache of one's own is the wrong cache for kmalloc's calls. */
    private SlabCache kmallocCacheOf(long h, long address, String op) {
        int id = mem.get(INT, h + SlabLayer.H_CACHE);
        SlabCache c = registry.byId(id);
        if (c == null) {
            throw new HeapCorruptionException(name() + ": the slab header at " + hex(h) + " names cache #" + id + ", which does not exist", address);
        }
        if (!c.kmalloc) {
            throw new WrongCacheException(name() + ": " + op + "(" + hex(address) + "): an object of cache " + c.name()
                    + ", not a kmalloc object: free it with its cache", address, "kmalloc", c.name());
        }
        return c;
    }

    // ================================================================== kmalloc (the Allocator engine)

    @Override
    protected long allocate(long size) {
        if (checks != null) {
            return allocateChecked(HEAD, size);
        }
        if (size <= KMALLOC_MAX) {
            return kmallocCaches[classIndex(size)].alloc();
        }
        int order = pages.orderFor(size);
        return order < 0 ? 0 : allocLargeOrReclaim(order);
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        if (checks != null) {
            return allocateChecked(alignment, size);
        }
        long need = Math.max(size, alignment);
        if (need <= KMALLOC_MAX) {
            for (int i = classIndex(need); i < kmallocCaches.length; i++) {
                if (kmallocCaches[i].align() >= alignment) {
                    return kmallocCaches[i].alloc();
                }
            }
        }
        int order = pages.orderFor(size);
        int alignOrder = pages.orderFor(alignment);
        if (order < 0 || alignOrder < 0) {
            return 0;
        }
        return allocLargeOrReclaim(Math.max(order, alignOrder));
    }

    @Override
    protected void deallocate(long address) {
        EngineSanity f = checks;
        if (f != null) {
            freeChecked(f, address);
            return;
        }
        long e = lookup(address, "free");
        if (e > 0) {
            SlabCache c = kmallocCacheOf(e, address, "free");
            c.release(c.slabs.check(e, address, "free"), address);
        } else {
            freeLarge(address, SlabPageEntry.largeOrder(e));
        }
    }

    @Override
    protected long usable(long address) {
        EngineSanity f = checks;
        if (f != null) {
            return heads.usable(f, "usableSize", address);
        }
        long e = lookup(address, "usableSize");
        if (e > 0) {
            SlabCache c = kmallocCacheOf(e, address, "usableSize");
            c.slabs.check(e, address, "usableSize");
            return c.usableSize();
        }
        return PAGE_SIZE << SlabPageEntry.largeOrder(e);
    }

    @Override
    protected boolean resize(long address, long size) {
        long e = lookup(address, "realloc/tryExpand");
        if (e > 0) {
            SlabCache c = kmallocCacheOf(e, address, "realloc/tryExpand");
            c.slabs.check(e, address, "realloc/tryExpand");
            return size <= c.usableSize();
        }
        int need = pages.orderFor(size);
        return need >= 0 && need <= SlabPageEntry.largeOrder(e);
    }

    // ================================================================== debug=F alone, done here (EngineSanity)

    /**
     * {@code slab:debug=F} alone (the kmalloc caches' letters exactly F, asked once by the spec's debug options with no
     * other generic option): the kmalloc caches become plain caches again (magazines as configured, natural alignment),
     * every kmalloc block carries a 16-byte head (or one of its alignment) and every free is checked here, in the
     * engine's own free, before the object joins a magazine (docs/slab.md, "debug=F alone"). Only before the first
     * block and before any cache of one's own; any other letters keep the SLUB-style debug caches.
     */
    @Override
    public boolean checkFreesAlone(String displayName) {
        // Asked before the allocator is handed out, on one thread: each count is read under its own lock (lock order)
        if (checks != null || kmallocDebug != Debug.F || registry.live().size() != KMALLOC_SIZES.length) {
            return false;
        }
        synchronized (pageLock) {
            if (large.allocs != 0) {
                return false;
            }
        }
        for (SlabCache c : kmallocCaches) {
            synchronized (c.slabs.slabLock) {
                if (c.slabs.slabsCreated != 0) {
                    return false;
                }
            }
        }
        for (int i = 0; i < KMALLOC_SIZES.length; i++) {
            kmallocCaches[i] = registry.remakeKmalloc(kmallocCaches[i], KMALLOC_SIZES[i], Long.lowestOneBit(KMALLOC_SIZES[i]), 0);
        }
        kmallocDebug = 0;
        EngineSanity f = EngineSanity.claim(this, displayName);
        checks = f;
        heads.checkWith(f, this::blockOf, this::blockBytes);
        return true;
    }

    /**
     * F's allocation: a block of {@code front + max(size, 16)} bytes aligned to {@code front} (16, or an alignment); its
     * first word holds {@code front}, the word below the payload {@code u = block + front} its usable size.
     */
    private long allocateChecked(long front, long size) {
        if (size > heap.capacity()) {
            return 0;
        }
        long need = front + Math.max(size, HEAD);
        long b;
        long bytes;
        SlabCache c = null;
        if (need <= KMALLOC_MAX) {
            for (int i = classIndex(need); i < kmallocCaches.length && c == null; i++) {
                if (kmallocCaches[i].align() >= front) {
                    c = kmallocCaches[i];
                }
            }
        }
        if (c != null) {
            b = c.alloc();
            bytes = c.usableSize();
        } else {
            int order = pages.orderFor(need);
            int alignOrder = pages.orderFor(front);
            if (order < 0 || alignOrder < 0) {
                return 0;
            }
            order = Math.max(order, alignOrder);
            b = allocLargeOrReclaim(order);
            bytes = PAGE_SIZE << order;
        }
        if (b == 0) {
            return 0;
        }
        return heads.write(b, front, bytes);
    }

    /**
     * F's free: the exact screen (page map, slab header, slot arithmetic, the state map or bufctl, the block's front),
     * the head's size, an atomic claim; the ring and the views before the object enters a magazine or its slab.
     */
    private void freeChecked(EngineSanity f, long u) {
        if ((u & (HEAD - 1)) != 0 || u < firstAddress || u >= heap.brk()) {
            throw f.misuse("free", u);
        }
        long e = pageMap.get(u >>> SlabPageEntry.PAGE_SHIFT);
        if (e <= 0) {
            long b = largeBlockOf(f, "free", u, e);
            int order = SlabPageEntry.largeOrder(pageMap.get(b >>> SlabPageEntry.PAGE_SHIFT));
            long under = (PAGE_SIZE << order) - (u - b);
            long w = heads.claim(f, "free", u, under, e);
            f.freed(u, under, (w & SCOPED) != 0); // in the ring before the block is free: a racing free that finds it free finds it there
            freeLarge(b, order);
            return;
        }
        SlabCache c = kmallocCacheOf(f, "free", u, e); // a slab's page: e is its header's address
        long b = c.slabs.liveObjectAt(e, u);
        if (b < 0 || mem.get(LONG, b) != u - b) {
            throw f.misuse("free", u);
        }
        long under = c.usableSize() - (u - b);
        long w = heads.claim(f, "free", u, under, e);
        f.freed(u, under, (w & SCOPED) != 0); // views closed and the ring told before the object is a round (as above)
        VarHandle.storeStoreFence(); // the ring's stores before the free marker's, which a racing free may read
        c.release(e, b);
    }

    /**
     * F: the kmalloc cache of the slab whose header {@code h} the page map named for {@code u}; else the header's own
     * report (a corruption, or another cache's object), or the ring's misuse report when a racing free of {@code u}
     * emptied the slab and gave it back meanwhile ({@link FreeHeads#raced}).
     */
    private SlabCache kmallocCacheOf(EngineSanity f, String op, long u, long h) {
        if (validHeader(h)) {
            SlabCache c = registry.byId(mem.get(INT, h + SlabLayer.H_CACHE));
            if (c != null && c.kmalloc) {
                return c;
            }
        }
        throw headerRefused(f, op, u, h);
    }

    /** The header's report for {@code u} (a corruption, another cache's object), {@link FreeHeads#raced} (off the hot path). */
    private RuntimeException headerRefused(EngineSanity f, String op, long u, long h) {
        try {
            kmallocCacheOf(checkedHeader(h, u), u, op);
            return f.misuse(op, u); // intact again on a second read: the pages were mapped anew meanwhile, no block of u's
        } catch (RuntimeException x) {
            return heads.raced(f, op, u, h, x);
        }
    }

    /** F: the block whose live payload is {@code u}, or the misuse ({@code u} is no payload a malloc returned). */
    private long blockOf(EngineSanity f, String op, long u) {
        if ((u & (HEAD - 1)) != 0 || u < firstAddress || u >= heap.brk()) {
            throw f.misuse(op, u);
        }
        long e = pageMap.get(u >>> SlabPageEntry.PAGE_SHIFT);
        if (e <= 0) {
            return largeBlockOf(f, op, u, e);
        }
        SlabCache c = kmallocCacheOf(f, op, u, e); // a slab's page: e is its header's address
        long b = c.slabs.liveObjectAt(e, u);
        if (b < 0 || mem.get(LONG, b) != u - b) {
            throw f.misuse(op, u);
        }
        return b;
    }

    /** F: the large block whose payload is {@code u} ({@code e}: the page map's entry of {@code u}'s page), or the misuse. */
    private long largeBlockOf(EngineSanity f, String op, long u, long e) {
        return heads.largeBlockOf(f, op, u, e, pageMap, firstAddress);
    }

    /** The bytes of the live kmalloc block at {@code b} (an object of its cache, or a large block). */
    private long blockBytes(long b) {
        long e = pageMap.get(b >>> SlabPageEntry.PAGE_SHIFT);
        return e > 0 ? kmallocCacheOf(checkedHeader(e, b), b, "usableSize").usableSize() : PAGE_SIZE << SlabPageEntry.largeOrder(e);
    }


    /** F's view of the live payload {@code u} that dies at its free ({@code segment}, {@code asSegmentAllocator}: core's; {@link FreeHeads}). */
    @Override
    public MemorySegment viewUntilFree(String op, long u, long length) {
        return heads.viewUntilFree(op, u, length);
    }

    /** F's in-place resize of the live payload {@code u} ({@code realloc}, {@code tryExpand}: core's; {@link FreeHeads}). */
    @Override
    public boolean resizeChecked(String op, long u, long size) {
        return heads.resizeChecked(op, u, size);
    }

    /** The head's steps under F alone (the walk's SLAB-8/SLUB-4 check and the payload's offset: {@link FreeHeads}). */
    FreeHeads heads() {
        return heads;
    }

    /** Whether {@code debug=F} alone is this engine's own (every kmalloc block carries a head). */
    boolean checksFrees() {
        return checks != null;
    }

    /**
     * What the slab layer knows about the object (or large block) at {@code address}: cache, slab, slot, state and,
     * with user tracking (U), its last alloc and free sites.
     *
     * @throws InvalidPointerException when no object or large block starts there
     */
    public SlabObjectInfo objectInfo(long address) {
        screen(address, name(), "objectInfo");
        long e = pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
        if (e > 0) {
            long h = checkedHeader(e, address);
            SlabCache c = registry.byId(mem.get(INT, h + SlabLayer.H_CACHE));
            if (c == null) {
                throw new HeapCorruptionException(name() + ": the slab at " + hex(h) + " names no cache", address);
            }
            return c.slabs.describe(h, address);
        }
        int k = SlabPageEntry.largeOrder(e);
        if (k >= 0 && (address & (PAGE_SIZE - 1)) == 0) {
            return new SlabObjectInfo("kmalloc (large block of order " + k + ")", address, address, 0, "allocated", "", 0, "", 0);
        }
        throw new InvalidPointerException(name() + ": objectInfo(" + hex(address) + "): no object starts there", address);
    }

    // ================================================================== walk, statistics

    @Override
    protected HeapWalk walk() {
        SlabWalk w = walk;
        if (w == null) {
            throw new IllegalStateException("not started");
        }
        return w;
    }

    /** The page allocator underneath (tests and the walk; callers must not allocate through it). */
    BuddyPages pages() {
        return pages;
    }

    long firstAddress() {
        return firstAddress;
    }

    /** The largest order of the page allocator underneath: large kmalloc blocks have at most {@code PAGE_SIZE << it} bytes. */
    public int pageMaxOrder() {
        return pages.maxOrder();
    }

    /** Free blocks per order of the buddy allocator underneath, in the {@code /proc/buddyinfo} layout. */
    public String buddyinfo() {
        synchronized (pageLock) {
            return pages.buddyinfo();
        }
    }

    /**
     * The caches in the layout of Linux's {@code /proc/slabinfo} (version 2.1, {@code mm/slab_common.c}), newest cache
     * first as Linux lists them: {@code objsize} is the slot size, {@code tunables <limit> <batchcount>} the magazine
     * size (a depot exchange moves a whole magazine), {@code <sharedavail>} the rounds in the depot. Active objects
     * count every slot off the free lists, rounds in magazines included (as Linux SLAB counts its per-CPU arrays).
     */
    public String slabinfo() {
        StringBuilder sb = new StringBuilder("slabinfo - version: 2.1\n");
        sb.append("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount>"
                + " <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
        List<SlabCache> all = registry.live();
        for (int i = all.size() - 1; i >= 0; i--) {
            sb.append(all.get(i).info().format()).append('\n');
        }
        return sb.toString();
    }

    @Override
    protected List<AllocatorMetric> metrics() {
        long active = 0;
        long objects = 0;
        long activeSlabs = 0;
        long slabs = 0;
        long slabBytes = 0;
        long created = 0;
        long destroyed = 0;
        long ctors = 0;
        long dtors = 0;
        long depotRounds = 0;
        long exchanges = 0;
        long mags = 0;
        long contentions = 0;
        long resizes = 0;
        long slabOps = 0;
        List<SlabCache.SlabInfoRow> rows = new ArrayList<>();
        for (SlabCache c : registry.live()) {
            SlabCache.SlabInfoRow r = c.info();
            rows.add(r);
            active += r.activeObjs();
            objects += r.numObjs();
            activeSlabs += r.activeSlabs();
            slabs += r.numSlabs();
            slabBytes += r.numSlabs() * c.g.slabBytes();
            depotRounds += r.sharedAvail();
            synchronized (c.slabs.slabLock) {
                created += c.slabs.slabsCreated;
                destroyed += c.slabs.slabsDestroyed;
                ctors += c.slabs.constructorCalls;
                dtors += c.slabs.destructorCalls;
                slabOps += c.slabs.slabAllocs + c.slabs.slabFrees;
            }
            synchronized (c.depot) {
                exchanges += c.depot.fullTaken + c.depot.fullReturned;
            }
            mags += c.magazines.get();
            contentions += c.depotContentions();
            resizes += c.magazineResizes();
        }
        long magRounds = 0;
        for (long n : scavenging.roundsInMagazines()) {
            magRounds += n;
        }
        long largeBlocks;
        long largeBytes;
        long largeAllocations;
        synchronized (pageLock) {
            largeBlocks = large.allocs - large.frees;
            largeBytes = large.liveBytes;
            largeAllocations = large.allocs;
        }
        return List.of(new SlabInfoMetric(registry.live().size(), active, objects, activeSlabs, slabs, slabBytes, rows, slabinfo()),
                new SlabMetric(Debug.format(checks != null ? Debug.F : kmallocDebug), magazinesOn ? "on" : "off", magazineResize ? "on" : "off",
                        emptySlabs, scavenging.threadSnapshot().size(), magRounds, depotRounds, mags, exchanges, contentions, resizes, slabOps, created, destroyed, ctors, dtors, largeBlocks,
                        largeBytes, largeAllocations, scavenging.reclaims.get(), scavenging.scavenges.get(),
                        scavenging.deadThreadsReclaimed.get(), scavenging.threadsDetached.get()),
                new SlabPagesMetric(PAGE_SIZE, pages.maxOrder(), pages.freeBytes(), buddyinfo()));
    }

    /** Bytes of metadata outside the heap: buddy's side table, the page map, magazines, caches, thread records. */
    long externalBytes() {
        long bytes = pages.externalMetadataBytes() + pageMap.bytes() + states.bytes();
        for (SlabCache c : registry.live()) {
            bytes += 256 + c.magazines.get() * (32 + 8L * c.magazineSize);
        }
        bytes += scavenging.threadSnapshot().size() * (64 + 16L * registry.table().length);
        return bytes;
    }

    @Override
    public void close() {
        closed = true;
        scavenging.close();
        super.close();
    }


    @Override
    public String toString() {
        return name() + " (slab layer over " + pages + ", " + registry.live().size() + " caches)";
    }

    /** Page map entry of {@code address} (tests, walk). */
    long pageEntry(long address) {
        return pageMap.get(address >>> SlabPageEntry.PAGE_SHIFT);
    }
}
