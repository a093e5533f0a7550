package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.BLOCKS;
import static org.jalloc.threadcache.SizeClasses.COUNT;
import static org.jalloc.threadcache.SizeClasses.MAX_CACHED;
import static org.jalloc.threadcache.SizeClasses.PAGES;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;
import static org.jalloc.threadcache.SizeClasses.SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The checker's view of a {@link ThreadCacheAllocator}: spans in address order through the page map, every block of
 * a SMALL span by its size class (FREE when the state map says so: the block's own bytes may hold anything while it
 * is live, the free marker included), and every free structure: each thread
 * cache's lists, each central list's span free lists and remote stack, the page heap's free lists. Blocks sitting
 * in thread caches are FREE extents and appear in exactly one list.
 *
 * <p>Quiescent use only: the walk reads thread caches and lists without their owners' locks, which is exact while
 * every thread using the allocator is parked (a barrier, a join) or when one thread does everything.
 */
final class ThreadCacheWalk implements HeapWalk {
    static final int CACHE = 1;
    static final int CENTRAL = 2;
    static final int REMOTE = 3;
    static final int PAGE_HEAP = 4;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private final ThreadCacheAllocator a;
    private final Heap heap;
    private final MemorySegment mem;
    private final PageHeap pages;
    // scratch, reused by every check so a check allocates nothing per span or block
    private final SpanTable t;
    /** The spans of the last {@link #spansByAddress} in address order ({@code spanCount} of them). */
    private int[] order = new int[64];
    private int spanCount;
    private long[] owned = new long[0];
    private long[] withFree = new long[0];

    ThreadCacheWalk(ThreadCacheAllocator allocator) {
        this.a = allocator;
        this.heap = Inspection.of(allocator).heap();
        this.mem = heap.memory();
        this.pages = allocator.pageHeap;
        this.t = pages.spans;
    }

    static int listId(int kind, int owner, int cls) {
        return kind << 28 | (owner & 0xFFFFF) << 8 | cls;
    }

    @Override
    public Heap heap() {
        return heap;
    }

    @Override
    public boolean coalescesImmediately() {
        return false; // free spans are coalesced (TC-6), but a free block may sit next to a free span
    }

    @Override
    public long externalMetadataBytes() {
        long cacheBytes = a.caches.size() * (64L + 3 * (16 + 8L * COUNT));
        // the span table's chunks are in the page heap's bytes (no per-span Java object to estimate)
        return pages.externalBytes() + a.states.bytes() + (long) a.arenas * COUNT * (80 + 8) + cacheBytes;
    }

    @Override
    public String describeList(int list) {
        int kind = list >>> 28;
        int owner = (list >>> 8) & 0xFFFFF;
        int cls = list & 0xFF;
        return switch (kind) {
            case CACHE -> "thread cache " + owner + " class " + cls + " (" + SIZE[Math.min(cls, COUNT - 1)] + " B)";
            case CENTRAL -> "arena " + owner + " central list class " + cls + " (span free lists)";
            case REMOTE -> "arena " + owner + " remote stack class " + cls;
            case PAGE_HEAP -> "page heap free list " + (cls > PageHeap.EXACT ? "> " + PageHeap.EXACT + " pages" : cls + " pages");
            default -> "list " + list;
        };
    }

    /** The state map's word on a block start: free (in a list) or handed out. */
    private boolean isFreeBlock(long b) {
        return a.states.get(b) == ThreadCacheAllocator.FREE;
    }

    /** The free marker, which every listed block carries (a write after free clears it). */
    private boolean isMarked(long b) {
        return mem.get(LONG, b + 8) == (b ^ ThreadCacheAllocator.FREE_TAG);
    }

    /** The page map's span number for {@code page}, 0 also when it names no number of the table (a damaged entry). */
    private int spanAt(long page) {
        int s = pages.spanAt(page);
        return t.exists(s) ? s : 0;
    }

    /** True when {@code b} could be a block address worth following (in the heap, 16-aligned). */
    private boolean plausible(long b) {
        return b >= heap.start() && b < heap.brk() && (b & 15) == 0;
    }

    private long maxSteps() {
        return ((heap.brk() - heap.start()) >>> 4) + 2;
    }

    // ================================================================== walks

    @Override
    public void walkExtents(ExtentVisitor visitor) {
        extents(visitor, false);
    }

    /**
     * The checker's pass over the extents (see {@link HeapWalk}): the plain walk, counting each SMALL span's live
     * blocks ({@code checkLive}) as it reads their states, for TC-3's conservation. False when the visitor stopped it.
     */
    @Enforces("TC-3")
    @Override
    public boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
        return extents(visitor, true);
    }

    /** The extent walk; {@code count}: record each SMALL span's live blocks. False when the visitor stopped it. */
    private boolean extents(ExtentVisitor visitor, boolean count) {
        long end = heap.brk();
        long at = heap.start();
        while (at < end) {
            int s = spanAt(at >>> PAGE_SHIFT);
            if (s == 0 || t.start(s) != at || t.pages(s) <= 0) {
                return true; // TC-1 reports it; the checker sees the walk end before the break (HEAP-1)
            }
            long bytes = t.bytes(s);
            if (t.state(s) == SpanTable.SMALL && t.sizeClass(s) >= 1 && t.sizeClass(s) < COUNT) {
                long size = SIZE[t.sizeClass(s)];
                long n = Math.min(BLOCKS[t.sizeClass(s)], bytes / size);
                int live = 0;
                for (long i = 0; i < n; i++) {
                    long b = at + i * size;
                    boolean free = isFreeBlock(b);
                    if (!free) {
                        live++;
                    }
                    long u = free ? b : a.payloadOf(b, size); // under debug=F a live block's payload is past its head
                    if (!visitor.extent(free ? ExtentKind.FREE : ExtentKind.ALLOCATED, b, size, u, size - (u - b))) {
                        return false;
                    }
                }
                if (count) {
                    t.checkLive(s, live);
                }
                long tail = bytes - n * size;
                if (tail > 0 && !visitor.extent(ExtentKind.PADDING, at + n * size, tail, 0, 0)) {
                    return false;
                }
            } else if (t.state(s) == SpanTable.LARGE) {
                long u = a.payloadOf(at, bytes);
                if (!visitor.extent(ExtentKind.ALLOCATED, at, bytes, u, bytes - (u - at))) {
                    return false;
                }
            } else if (t.state(s) == SpanTable.FREE) {
                if (!visitor.extent(ExtentKind.FREE, at, bytes, at, bytes)) {
                    return false;
                }
            } else if (!visitor.extent(ExtentKind.METADATA, at, bytes, 0, 0)) {
                return false; // a span whose state or class is impossible: TC-2 reports it
            }
            at += bytes;
        }
        return true;
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        freeStructures(visitor, null);
    }

    /** {@code checkFree} of a span whose free list this check has not yet walked (set by the checked walk). */
    private static final int UNWALKED = -1;

    /**
     * The checker's pass over the free structures (see {@link HeapWalk}): {@link #walkFreeStructures(FreeEntryVisitor)}
     * with TC-4 made on the way, so each link is read once per check: every thread-cache and remote-stack entry, and
     * the free list of every span reached through its central list (the spans it does not reach, off their central
     * lists, {@link #checkInvariants(InvariantSink, boolean, boolean)} walks after). Counts each span's cached and
     * remote blocks ({@code checkCount}) and the length of its own list ({@code checkFree}) for TC-3. False when the
     * visitor or a link out of the heap stopped it: then {@code checkInvariants} makes TC-4 whole, as without the pass.
     */
    @Enforces("TC-4")
    @Override
    public boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
        return freeStructures(visitor, sink);
    }

    /** The free-structure walk: plain without a sink, the checker's pass (TC-4 on the way) with one. */
    private boolean freeStructures(FreeEntryVisitor visitor, @Nullable InvariantSink sink) {
        if (sink != null) {
            resetSpanScratch();
        }
        long limit = maxSteps();
        for (ThreadCache c : a.cacheSnapshot()) {
            for (int cls = 1; cls < COUNT; cls++) {
                int list = listId(CACHE, c.id, cls);
                long steps = 0;
                for (long b = c.head(cls); b != 0 && steps++ < limit; b = a.links.decode(b, mem.get(LONG, b))) {
                    if (!visitor.entry(list, b, SIZE[cls]) || !plausible(b)) {
                        return false;
                    }
                    if (sink != null) {
                        entry(sink, b, cls, -1, c.id);
                    }
                }
            }
        }
        for (CentralList[] lists : a.central) {
            for (int cls = 1; cls < COUNT; cls++) {
                CentralList cl = lists[cls];
                int list = listId(CENTRAL, cl.arena, cls);
                long spans = 0;
                for (int s = cl.spans; s != 0 && spans++ < limit; s = t.next(s)) {
                    boolean check = sink != null && validSmall(s) && t.checkFree(s) == UNWALKED; // each span's list checked once
                    long bound = check ? BLOCKS[t.sizeClass(s)] : 0;
                    if (check) {
                        t.checkFree(s, 0);
                    }
                    long steps = 0;
                    for (long b = t.freeHead(s); b != 0 && steps++ < limit; b = a.links.decode(b, mem.get(LONG, b))) {
                        if (!visitor.entry(list, b, SIZE[cls]) || !plausible(b)) {
                            return false;
                        }
                        if (check && (steps > bound + 1 || sink == null || !spanEntry(s, b, sink))) {
                            check = false; // checkSpanList's bound and stop, exactly
                        }
                    }
                }
                int remote = listId(REMOTE, cl.arena, cls);
                long steps = 0;
                for (long b = cl.remoteHead(); b != 0 && steps++ < limit; b = a.links.decode(b, mem.get(LONG, b))) {
                    if (!visitor.entry(remote, b, SIZE[cls]) || !plausible(b)) {
                        return false;
                    }
                    if (sink != null) {
                        entry(sink, b, cls, cl.arena, -1);
                    }
                }
            }
        }
        for (int i = 1; i <= PageHeap.EXACT + 1; i++) {
            long steps = 0;
            for (int s = pages.free[i]; s != 0 && steps++ < limit; s = t.next(s)) {
                if (!visitor.entry(listId(PAGE_HEAP, 0, i), t.start(s), t.bytes(s))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Clears the TC-3 scratch of every span {@link #spansByAddress} will return, marking its list not yet walked. */
    private void resetSpanScratch() {
        long end = heap.brk();
        long at = heap.start();
        while (at < end) {
            int s = spanAt(at >>> PAGE_SHIFT);
            if (s == 0 || t.start(s) != at || t.pages(s) <= 0 || t.end(s) > end) {
                return;
            }
            t.checkCount(s, 0);
            t.checkFree(s, UNWALKED);
            at = t.end(s);
        }
    }

    // ================================================================== the allocator's own invariants

    @Override
    public void checkInvariants(InvariantSink sink) {
        checkInvariants(sink, false, false);
    }

    @Override
    public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        spansByAddress(sink);
        checkSpanShapes(sink);
        if (freeStructuresChecked) {
            for (int k = 0; k < spanCount; k++) {
                int s = order[k]; // TC-4 of the span lists the checker's pass did not reach (spans off their central list)
                if (t.checkFree(s) == UNWALKED) {
                    t.checkFree(s, 0);
                    checkSpanList(s, sink);
                }
            }
        } else {
            checkListEntries(sink);
        }
        checkConservation(sink, extentsChecked);
        checkCaches(sink);
        checkPageHeap(sink);
        checkCentralLists(sink);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** TC-1: follows the spans through the page map; every page of a span names it, and its flat info agrees. */
    @Enforces("TC-1")
    private void spansByAddress(InvariantSink sink) {
        spanCount = 0;
        long end = heap.brk();
        long at = heap.start();
        while (at < end) {
            long page = at >>> PAGE_SHIFT;
            int s = spanAt(page);
            if (s == 0) {
                sink.violation("TC-1", at, "the page map names no span for a page below the break", "a span", "0 (none)");
                return;
            }
            if (t.start(s) != at || t.pages(s) <= 0 || t.end(s) > end) {
                sink.violation("TC-1", at, "the page map names a span that does not start here or overruns the break",
                        "a span starting at " + hex(at) + " ending by " + hex(end), t.describe(s));
                return;
            }
            for (long p = page + 1; p < page + t.pages(s); p++) {
                int other = spanAt(p);
                if (other != s) {
                    sink.violation("TC-1", p << PAGE_SHIFT, "page " + p + " of " + t.describe(s) + " maps elsewhere", t.describe(s),
                            t.describe(other));
                }
            }
            int[] flat = pages.info;
            if (flat.length > 0) {
                int base = t.state(s) == SpanTable.SMALL ? t.sizeClass(s) | t.arena(s) << 16 : 0;
                for (long p = page; p < page + t.pages(s); p++) {
                    int want = base == 0 ? 0 : base | (int) (p - page) << 8;
                    int idx = (int) (p - pages.firstPage);
                    int got = idx < flat.length ? flat[idx] : 0;
                    if (got != want) {
                        sink.violation("TC-1", p << PAGE_SHIFT, "the flat page info of page " + p + " of " + t.describe(s)
                                + " disagrees with its span", "0x" + Integer.toHexString(want), "0x" + Integer.toHexString(got));
                    }
                }
            }
            if (spanCount == order.length) {
                order = SpanTable.grow(order, spanCount + 1);
            }
            order[spanCount++] = s;
            at = t.end(s);
        }
    }

    /** TC-2: span shapes agree with the size-class table. */
    @Enforces("TC-2")
    private void checkSpanShapes(InvariantSink sink) {
        for (int k = 0; k < spanCount; k++) {
            int s = order[k];
            switch (t.state(s)) {
                case SpanTable.SMALL -> {
                    if (t.sizeClass(s) < 1 || t.sizeClass(s) >= COUNT) {
                        sink.violation("TC-2", t.start(s), "SMALL span with an impossible size class", "1.." + (COUNT - 1),
                                Integer.toString(t.sizeClass(s)));
                    } else if (t.pages(s) != PAGES[t.sizeClass(s)]) {
                        sink.violation("TC-2", t.start(s), "SMALL span of class " + t.sizeClass(s) + " has the wrong length",
                                PAGES[t.sizeClass(s)] + " pages", t.pages(s) + " pages");
                    }
                    if (t.arena(s) < 0 || t.arena(s) >= a.arenas) {
                        sink.violation("TC-2", t.start(s), "SMALL span owned by an arena that does not exist", "0.." + (a.arenas - 1),
                                Integer.toString(t.arena(s)));
                    }
                }
                case SpanTable.LARGE -> {
                    if (t.sizeClass(s) != 0) {
                        sink.violation("TC-2", t.start(s), "LARGE span with a size class", "class 0", "class " + t.sizeClass(s));
                    }
                }
                case SpanTable.FREE -> {
                    if (t.sizeClass(s) != 0) {
                        sink.violation("TC-2", t.start(s), "FREE span with a size class", "class 0", "class " + t.sizeClass(s));
                    }
                }
                default -> sink.violation("TC-2", t.start(s), "span in an impossible state", "FREE, SMALL or LARGE",
                        Integer.toString(t.state(s)));
            }
        }
    }

    private boolean validSmall(int s) {
        return t.validSmall(s);
    }

    private boolean isBlockStart(int s, long b) {
        long off = b - t.start(s);
        if (off < 0) {
            return false;
        }
        long size = SIZE[t.sizeClass(s)];
        long q = off / size; // one division where % and / took two
        return q * size == off && q < BLOCKS[t.sizeClass(s)];
    }

    /**
     * TC-4: every entry of every class list is a marked block of that class (and arena), FREE in the state map; counts
     * each span's blocks
     * in caches and remote stacks ({@code checkCount}) and the length of its own free list ({@code checkFree}).
     */
    @Enforces("TC-4")
    private void checkListEntries(InvariantSink sink) {
        for (int k = 0; k < spanCount; k++) {
            int s = order[k];
            t.checkCount(s, 0);
            t.checkFree(s, 0);
        }
        long limit = maxSteps();
        for (ThreadCache c : a.cacheSnapshot()) {
            for (int cls = 1; cls < COUNT; cls++) {
                long steps = 0;
                for (long b = c.head(cls); b != 0 && steps++ < limit; b = a.links.decode(b, mem.get(LONG, b))) {
                    if (!entry(sink, b, cls, -1, c.id)) {
                        break;
                    }
                }
            }
        }
        for (CentralList[] lists : a.central) {
            for (int cls = 1; cls < COUNT; cls++) {
                CentralList cl = lists[cls];
                long steps = 0;
                for (long b = cl.remoteHead(); b != 0 && steps++ < limit; b = a.links.decode(b, mem.get(LONG, b))) {
                    if (!entry(sink, b, cls, cl.arena, -1)) {
                        break;
                    }
                }
            }
        }
        for (int k = 0; k < spanCount; k++) {
            int s = order[k];
            checkSpanList(s, sink);
        }
    }

    /** TC-4 of the free list of span {@code s} (a valid SMALL span), counting its length in {@code checkFree}. */
    private void checkSpanList(int s, InvariantSink sink) {
        if (!validSmall(s)) {
            return;
        }
        long steps = 0;
        for (long b = t.freeHead(s); b != 0 && steps++ <= BLOCKS[t.sizeClass(s)]; b = a.links.decode(b, mem.get(LONG, b))) {
            if (!spanEntry(s, b, sink)) {
                break;
            }
        }
    }

    /** TC-4 of entry {@code b} of the free list of span {@code s}; false (after reporting) when it names no block of the span. */
    @Enforces("TC-4")
    private boolean spanEntry(int s, long b, InvariantSink sink) {
        if (!plausible(b) || spanAt(b >>> PAGE_SHIFT) != s || !isBlockStart(s, b)) {
            sink.violation("TC-4", b, "the free list of " + t.describe(s) + " names something else", "a block of this span",
                    hex(b));
            return false;
        }
        if (!isMarked(b)) {
            sink.violation("TC-4", b, "a block on the free list of " + t.describe(s) + " lacks the free marker",
                    hex(b ^ ThreadCacheAllocator.FREE_TAG), hex(mem.get(LONG, b + 8)));
        }
        if (!isFreeBlock(b)) {
            sink.violation("TC-4", b, "a block on the free list of " + t.describe(s) + " is live in the state map",
                    "FREE (" + ThreadCacheAllocator.FREE + ")", Byte.toString(a.states.get(b)));
        }
        t.checkFree(s, t.checkFree(s) + 1);
        return true;
    }

    /** Where a list entry is, for a message (built only when there is a violation to report). */
    private static String where(int arena, int cache) {
        return arena >= 0 ? "arena " + arena + " remote stack" : "thread cache " + cache;
    }

    /** TC-4 for entry {@code b} of a class-{@code cls} list: a remote stack of {@code arena}, else thread cache {@code cache}. */
    private boolean entry(InvariantSink sink, long b, int cls, int arena, int cache) {
        if (!plausible(b)) {
            sink.violation("TC-4", b, where(arena, cache) + " class " + cls + " links outside the heap", "a block address", hex(b));
            return false;
        }
        int s = spanAt(b >>> PAGE_SHIFT);
        if (s == 0 || !validSmall(s) || t.sizeClass(s) != cls || !isBlockStart(s, b) || (arena >= 0 && t.arena(s) != arena)) {
            sink.violation("TC-4", b, where(arena, cache) + " class " + cls + " holds something that is not a block of its class"
                    + (arena >= 0 ? " and arena" : ""), "a block of a class-" + cls + " span", t.describe(s));
            return true;
        }
        if (!isMarked(b)) {
            sink.violation("TC-4", b, where(arena, cache) + " class " + cls + " holds a block without the free marker",
                    hex(b ^ ThreadCacheAllocator.FREE_TAG), hex(mem.get(LONG, b + 8)));
        }
        if (!isFreeBlock(b)) {
            sink.violation("TC-4", b, where(arena, cache) + " class " + cls + " holds a block that is live in the state map",
                    "FREE (" + ThreadCacheAllocator.FREE + ")", Byte.toString(a.states.get(b)));
        }
        t.checkCount(s, t.checkCount(s) + 1);
        return true;
    }

    /** TC-3: conservation per SMALL span; the live blocks as the checked extent walk counted them when {@code liveCounted}. */
    @Enforces("TC-3")
    private void checkConservation(InvariantSink sink, boolean liveCounted) {
        for (int k = 0; k < spanCount; k++) {
            int s = order[k];
            if (!validSmall(s)) {
                continue;
            }
            int blocks = BLOCKS[t.sizeClass(s)];
            long live = 0;
            if (liveCounted) {
                live = t.checkLive(s);
            } else {
                long size = SIZE[t.sizeClass(s)];
                long n = Math.min(blocks, t.bytes(s) / size);
                for (long i = 0; i < n; i++) {
                    if (!isFreeBlock(t.start(s) + i * size)) {
                        live++;
                    }
                }
            }
            if (t.freeCount(s) != t.checkFree(s)) {
                sink.violation("TC-3", t.start(s), "free count of " + t.describe(s) + " disagrees with its free list",
                        Integer.toString(t.checkFree(s)), Integer.toString(t.freeCount(s)));
            }
            if (t.allocated(s) + t.freeCount(s) != blocks) {
                sink.violation("TC-3", t.start(s), "blocks of " + t.describe(s) + " do not add up: allocated + free != blocks",
                        Integer.toString(blocks), t.allocated(s) + " + " + t.freeCount(s));
            }
            if (t.allocated(s) != live + t.checkCount(s)) {
                sink.violation("TC-3", t.start(s), "allocated count of " + t.describe(s) + " != live + cached + remote",
                        live + " + " + t.checkCount(s), Integer.toString(t.allocated(s)));
            }
            if (t.allocated(s) <= 0) {
                sink.violation("TC-3", t.start(s), t.describe(s) + " has no block out but was not returned to the page heap",
                        "allocated > 0", Integer.toString(t.allocated(s)));
            }
        }
    }

    /** TC-5: thread-cache counts, bytes and bounds. */
    @Enforces("TC-5")
    private void checkCaches(InvariantSink sink) {
        long limit = maxSteps();
        for (ThreadCache c : a.cacheSnapshot()) {
            long bytes = 0;
            for (int cls = 1; cls < COUNT; cls++) {
                long length = 0;
                for (long b = c.head(cls); b != 0 && length < limit && plausible(b); b = a.links.decode(b, mem.get(LONG, b))) {
                    length++;
                }
                if (length != c.count(cls)) {
                    sink.violation("TC-5", c.head(cls), c + " class " + cls + ": count disagrees with the list",
                            Long.toString(length), Integer.toString(c.count(cls)));
                }
                if (c.count(cls) > MAX_CACHED[cls]) {
                    sink.violation("TC-5", c.head(cls), c + " class " + cls + " list is over its bound",
                            "<= " + MAX_CACHED[cls], Integer.toString(c.count(cls)));
                }
                if (c.lowWater(cls) > c.count(cls) || c.lowWater(cls) < 0) {
                    sink.violation("TC-5", 0, c + " class " + cls + ": low-water mark outside [0, count]",
                            "0.." + c.count(cls), Integer.toString(c.lowWater(cls)));
                }
                bytes += (long) c.count(cls) * SIZE[cls];
            }
            if (bytes != c.bytes) {
                sink.violation("TC-5", 0, c + ": byte total disagrees with the lists", Long.toString(bytes), Long.toString(c.bytes));
            }
            if (c.bytes > c.capBytes) {
                sink.violation("TC-5", 0, c + " holds more than its limit", "<= " + c.capBytes, Long.toString(c.bytes));
            }
        }
    }

    /** TC-6: page-heap lists, coalescing, counters and released pages. */
    @Enforces("TC-6")
    private void checkPageHeap(InvariantSink sink) {
        long listed = 0;
        long limit = maxSteps();
        for (int i = 1; i <= PageHeap.EXACT + 1; i++) {
            long steps = 0;
            for (int s = pages.free[i]; s != 0 && steps++ < limit; s = t.next(s)) {
                listed++;
                if (t.state(s) != SpanTable.FREE || PageHeap.listIndex(t.pages(s)) != i) {
                    sink.violation("TC-6", t.start(s), "page-heap free list " + i + " holds " + t.describe(s),
                            "a FREE span of " + (i > PageHeap.EXACT ? "> " + PageHeap.EXACT : Integer.toString(i)) + " pages",
                            t.describe(s));
                }
            }
        }
        long freeSpans = 0;
        long freePages = 0;
        long dirty = 0;
        int previous = 0;
        for (int k = 0; k < spanCount; k++) {
            int s = order[k];
            if (t.state(s) == SpanTable.FREE) {
                freeSpans++;
                freePages += t.pages(s);
                dirty += t.dirtyPages(s);
                long actual = t.pages(s) - pages.countReleased(t.firstPage(s), t.pages(s));
                if (actual != t.dirtyPages(s)) {
                    sink.violation("TC-6", t.start(s), "dirty page count of " + t.describe(s) + " disagrees with the released bitmap",
                            Long.toString(actual), Long.toString(t.dirtyPages(s)));
                }
                if (t.inLru(s) != (t.dirtyPages(s) > 0)) {
                    sink.violation("TC-6", t.start(s), t.describe(s) + " is " + (t.inLru(s) ? "" : "not ") + "on the dirty LRU",
                            "on it iff it has dirty pages", t.dirtyPages(s) + " dirty pages");
                }
                if (previous != 0 && t.state(previous) == SpanTable.FREE) {
                    sink.violation("TC-6", t.start(s), "two adjacent free spans (the page heap coalesces at once)",
                            "the left neighbour in use", t.describe(previous));
                }
            } else {
                long released = pages.countReleased(t.firstPage(s), t.pages(s));
                if (released != 0) {
                    sink.violation("TC-6", t.start(s), t.describe(s) + " is in use but has pages marked returned to the OS", "0",
                            Long.toString(released));
                }
            }
            previous = s;
        }
        if (listed != freeSpans || freeSpans != pages.freeSpans) {
            sink.violation("TC-6", 0, "free span counts disagree", freeSpans + " in the walk",
                    listed + " on the lists, counter " + pages.freeSpans);
        }
        if (freePages != pages.freePages || dirty != pages.dirtyPages) {
            sink.violation("TC-6", 0, "page-heap counters disagree with the free spans",
                    "free " + freePages + ", dirty " + dirty, "free " + pages.freePages + ", dirty " + pages.dirtyPages);
        }
    }

    /** TC-7: each central list holds exactly its spans with free blocks, and its counters add up. */
    @Enforces("TC-7")
    private void checkCentralLists(InvariantSink sink) {
        int arenas = a.arenas;
        if (owned.length != arenas * COUNT) {
            owned = new long[arenas * COUNT];
            withFree = new long[arenas * COUNT];
        } else {
            java.util.Arrays.fill(owned, 0);
            java.util.Arrays.fill(withFree, 0);
        }
        long[] owned = this.owned;
        long[] withFree = this.withFree;
        for (int k = 0; k < spanCount; k++) {
            int s = order[k];
            if (validSmall(s) && t.arena(s) >= 0 && t.arena(s) < arenas) {
                owned[t.arena(s) * COUNT + t.sizeClass(s)]++;
                if (t.freeCount(s) > 0) {
                    withFree[t.arena(s) * COUNT + t.sizeClass(s)]++;
                    if (!t.inCentral(s)) {
                        sink.violation("TC-7", t.start(s), t.describe(s) + " has free blocks but is not on its central list",
                                "on the list", "off it");
                    }
                }
            }
        }
        long limit = maxSteps();
        for (CentralList[] lists : a.central) {
            for (int cls = 1; cls < COUNT; cls++) {
                CentralList cl = lists[cls];
                long listed = 0;
                long free = 0;
                for (int s = cl.spans; s != 0 && listed < limit; s = t.next(s)) {
                    listed++;
                    free += t.freeCount(s);
                    if (t.state(s) != SpanTable.SMALL || t.sizeClass(s) != cls || t.arena(s) != cl.arena || t.freeCount(s) <= 0 || !t.inCentral(s)) {
                        sink.violation("TC-7", t.start(s), "arena " + cl.arena + " central list " + cls + " holds " + t.describe(s)
                                + " with " + t.freeCount(s) + " free blocks", "a SMALL span of this class and arena with free blocks",
                                t.describe(s));
                    }
                }
                int k = cl.arena * COUNT + cls;
                if (listed != withFree[k] || cl.spanCount != owned[k] || cl.freeBlocks != free) {
                    sink.violation("TC-7", 0, "arena " + cl.arena + " central list " + cls + " counters disagree",
                            withFree[k] + " listed, " + owned[k] + " spans, " + free + " free blocks",
                            listed + " listed, " + cl.spanCount + " spans, " + cl.freeBlocks + " free blocks");
                }
            }
        }
    }
}
