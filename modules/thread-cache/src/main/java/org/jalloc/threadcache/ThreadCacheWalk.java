package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.BLOCKS;
import static org.jalloc.threadcache.SizeClasses.COUNT;
import static org.jalloc.threadcache.SizeClasses.MAX_CACHED;
import static org.jalloc.threadcache.SizeClasses.PAGES;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;
import static org.jalloc.threadcache.SizeClasses.SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

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
    private final List<Span> spanScratch = new ArrayList<>();
    private long[] owned = new long[0];
    private long[] withFree = new long[0];

    ThreadCacheWalk(ThreadCacheAllocator allocator) {
        this.a = allocator;
        this.heap = Inspection.of(allocator).heap();
        this.mem = heap.memory();
        this.pages = allocator.pageHeap;
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
        long spans = pages.freeSpans;
        for (CentralList[] lists : a.central) {
            for (int c = 1; c < COUNT; c++) {
                spans += lists[c].spanCount;
            }
        }
        long cacheBytes = a.caches.size() * (64L + 3 * (16 + 8L * COUNT));
        return pages.externalBytes() + a.states.bytes() + spans * 96 + (long) a.arenas * COUNT * (80 + 8) + cacheBytes;
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
            Span s = pages.map.get(at >>> PAGE_SHIFT);
            if (s == null || s.start != at || s.pages <= 0) {
                return true; // TC-1 reports it; the checker sees the walk end before the break (HEAP-1)
            }
            long bytes = s.bytes();
            if (s.state == Span.SMALL && s.sizeClass >= 1 && s.sizeClass < COUNT) {
                long size = SIZE[s.sizeClass];
                long n = Math.min(BLOCKS[s.sizeClass], bytes / size);
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
                    s.checkLive = live;
                }
                long tail = bytes - n * size;
                if (tail > 0 && !visitor.extent(ExtentKind.PADDING, at + n * size, tail, 0, 0)) {
                    return false;
                }
            } else if (s.state == Span.LARGE) {
                long u = a.payloadOf(at, bytes);
                if (!visitor.extent(ExtentKind.ALLOCATED, at, bytes, u, bytes - (u - at))) {
                    return false;
                }
            } else if (s.state == Span.FREE) {
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

    /** {@code Span.checkFree} of a span whose free list this check has not yet walked (set by the checked walk). */
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
                for (Span s = cl.spans; s != null && spans++ < limit; s = s.next) {
                    boolean check = sink != null && validSmall(s) && s.checkFree == UNWALKED; // each span's list checked once
                    long bound = check ? BLOCKS[s.sizeClass] : 0;
                    if (check) {
                        s.checkFree = 0;
                    }
                    long steps = 0;
                    for (long b = s.freeHead; b != 0 && steps++ < limit; b = a.links.decode(b, mem.get(LONG, b))) {
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
            for (Span s = pages.free[i]; s != null && steps++ < limit; s = s.next) {
                if (!visitor.entry(listId(PAGE_HEAP, 0, i), s.start, s.bytes())) {
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
            Span s = pages.map.get(at >>> PAGE_SHIFT);
            if (s == null || s.start != at || s.pages <= 0 || s.end() > end) {
                return;
            }
            s.checkCount = 0;
            s.checkFree = UNWALKED;
            at = s.end();
        }
    }

    // ================================================================== the allocator's own invariants

    @Override
    public void checkInvariants(InvariantSink sink) {
        checkInvariants(sink, false, false);
    }

    @Override
    public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        List<Span> spans = spansByAddress(sink);
        checkSpanShapes(spans, sink);
        if (freeStructuresChecked) {
            for (Span s : spans) { // TC-4 of the span lists the checker's pass did not reach (spans off their central list)
                if (s.checkFree == UNWALKED) {
                    s.checkFree = 0;
                    checkSpanList(s, sink);
                }
            }
        } else {
            checkListEntries(spans, sink);
        }
        checkConservation(spans, sink, extentsChecked);
        checkCaches(sink);
        checkPageHeap(spans, sink);
        checkCentralLists(spans, sink);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** TC-1: follows the spans through the page map; every page of a span names it, and its flat info agrees. */
    @Enforces("TC-1")
    private List<Span> spansByAddress(InvariantSink sink) {
        List<Span> spans = spanScratch;
        spans.clear();
        long end = heap.brk();
        long at = heap.start();
        while (at < end) {
            long page = at >>> PAGE_SHIFT;
            Span s = pages.map.get(page);
            if (s == null) {
                sink.violation("TC-1", at, "the page map names no span for a page below the break", "a span", "null");
                return spans;
            }
            if (s.start != at || s.pages <= 0 || s.end() > end) {
                sink.violation("TC-1", at, "the page map names a span that does not start here or overruns the break",
                        "a span starting at " + hex(at) + " ending by " + hex(end), s.describe());
                return spans;
            }
            for (long p = page + 1; p < page + s.pages; p++) {
                Span other = pages.map.get(p);
                if (other != s) {
                    sink.violation("TC-1", p << PAGE_SHIFT, "page " + p + " of " + s.describe() + " maps elsewhere", s.describe(),
                            String.valueOf(other));
                }
            }
            int[] flat = pages.info;
            if (flat.length > 0) {
                int base = s.state == Span.SMALL ? s.sizeClass | s.arena << 16 : 0;
                for (long p = page; p < page + s.pages; p++) {
                    int want = base == 0 ? 0 : base | (int) (p - page) << 8;
                    int idx = (int) (p - pages.firstPage);
                    int got = idx < flat.length ? flat[idx] : 0;
                    if (got != want) {
                        sink.violation("TC-1", p << PAGE_SHIFT, "the flat page info of page " + p + " of " + s.describe()
                                + " disagrees with its span", "0x" + Integer.toHexString(want), "0x" + Integer.toHexString(got));
                    }
                }
            }
            spans.add(s);
            at = s.end();
        }
        return spans;
    }

    /** TC-2: span shapes agree with the size-class table. */
    @Enforces("TC-2")
    private void checkSpanShapes(List<Span> spans, InvariantSink sink) {
        for (Span s : spans) {
            switch (s.state) {
                case Span.SMALL -> {
                    if (s.sizeClass < 1 || s.sizeClass >= COUNT) {
                        sink.violation("TC-2", s.start, "SMALL span with an impossible size class", "1.." + (COUNT - 1),
                                Integer.toString(s.sizeClass));
                    } else if (s.pages != PAGES[s.sizeClass]) {
                        sink.violation("TC-2", s.start, "SMALL span of class " + s.sizeClass + " has the wrong length",
                                PAGES[s.sizeClass] + " pages", s.pages + " pages");
                    }
                    if (s.arena < 0 || s.arena >= a.arenas) {
                        sink.violation("TC-2", s.start, "SMALL span owned by an arena that does not exist", "0.." + (a.arenas - 1),
                                Integer.toString(s.arena));
                    }
                }
                case Span.LARGE -> {
                    if (s.sizeClass != 0) {
                        sink.violation("TC-2", s.start, "LARGE span with a size class", "class 0", "class " + s.sizeClass);
                    }
                }
                case Span.FREE -> {
                    if (s.sizeClass != 0) {
                        sink.violation("TC-2", s.start, "FREE span with a size class", "class 0", "class " + s.sizeClass);
                    }
                }
                default -> sink.violation("TC-2", s.start, "span in an impossible state", "FREE, SMALL or LARGE",
                        Integer.toString(s.state));
            }
        }
    }

    private static boolean validSmall(@Nullable Span s) {
        return s != null && s.state == Span.SMALL && s.sizeClass >= 1 && s.sizeClass < COUNT;
    }

    private static boolean isBlockStart(Span s, long b) {
        long off = b - s.start;
        if (off < 0) {
            return false;
        }
        long size = SIZE[s.sizeClass];
        long q = off / size; // one division where % and / took two
        return q * size == off && q < BLOCKS[s.sizeClass];
    }

    /**
     * TC-4: every entry of every class list is a marked block of that class (and arena), FREE in the state map; counts
     * each span's blocks
     * in caches and remote stacks ({@code checkCount}) and the length of its own free list ({@code checkFree}).
     */
    @Enforces("TC-4")
    private void checkListEntries(List<Span> spans, InvariantSink sink) {
        for (Span s : spans) {
            s.checkCount = 0;
            s.checkFree = 0;
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
        for (Span s : spans) {
            checkSpanList(s, sink);
        }
    }

    /** TC-4 of the free list of span {@code s} (a valid SMALL span), counting its length in {@code checkFree}. */
    private void checkSpanList(Span s, InvariantSink sink) {
        if (!validSmall(s)) {
            return;
        }
        long steps = 0;
        for (long b = s.freeHead; b != 0 && steps++ <= BLOCKS[s.sizeClass]; b = a.links.decode(b, mem.get(LONG, b))) {
            if (!spanEntry(s, b, sink)) {
                break;
            }
        }
    }

    /** TC-4 of entry {@code b} of the free list of span {@code s}; false (after reporting) when it names no block of the span. */
    @Enforces("TC-4")
    private boolean spanEntry(Span s, long b, InvariantSink sink) {
        if (!plausible(b) || pages.map.get(b >>> PAGE_SHIFT) != s || !isBlockStart(s, b)) {
            sink.violation("TC-4", b, "the free list of " + s.describe() + " names something else", "a block of this span",
                    hex(b));
            return false;
        }
        if (!isMarked(b)) {
            sink.violation("TC-4", b, "a block on the free list of " + s.describe() + " lacks the free marker",
                    hex(b ^ ThreadCacheAllocator.FREE_TAG), hex(mem.get(LONG, b + 8)));
        }
        if (!isFreeBlock(b)) {
            sink.violation("TC-4", b, "a block on the free list of " + s.describe() + " is live in the state map",
                    "FREE (" + ThreadCacheAllocator.FREE + ")", Byte.toString(a.states.get(b)));
        }
        s.checkFree++;
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
        Span s = pages.map.get(b >>> PAGE_SHIFT);
        if (s == null || !validSmall(s) || s.sizeClass != cls || !isBlockStart(s, b) || (arena >= 0 && s.arena != arena)) {
            sink.violation("TC-4", b, where(arena, cache) + " class " + cls + " holds something that is not a block of its class"
                    + (arena >= 0 ? " and arena" : ""), "a block of a class-" + cls + " span", String.valueOf(s));
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
        s.checkCount++;
        return true;
    }

    /** TC-3: conservation per SMALL span; the live blocks as the checked extent walk counted them when {@code liveCounted}. */
    @Enforces("TC-3")
    private void checkConservation(List<Span> spans, InvariantSink sink, boolean liveCounted) {
        for (Span s : spans) {
            if (!validSmall(s)) {
                continue;
            }
            int blocks = BLOCKS[s.sizeClass];
            long live = 0;
            if (liveCounted) {
                live = s.checkLive;
            } else {
                long size = SIZE[s.sizeClass];
                long n = Math.min(blocks, s.bytes() / size);
                for (long i = 0; i < n; i++) {
                    if (!isFreeBlock(s.start + i * size)) {
                        live++;
                    }
                }
            }
            if (s.freeCount != s.checkFree) {
                sink.violation("TC-3", s.start, "free count of " + s.describe() + " disagrees with its free list",
                        Integer.toString(s.checkFree), Integer.toString(s.freeCount));
            }
            if (s.allocated + s.freeCount != blocks) {
                sink.violation("TC-3", s.start, "blocks of " + s.describe() + " do not add up: allocated + free != blocks",
                        Integer.toString(blocks), s.allocated + " + " + s.freeCount);
            }
            if (s.allocated != live + s.checkCount) {
                sink.violation("TC-3", s.start, "allocated count of " + s.describe() + " != live + cached + remote",
                        live + " + " + s.checkCount, Integer.toString(s.allocated));
            }
            if (s.allocated <= 0) {
                sink.violation("TC-3", s.start, s.describe() + " has no block out but was not returned to the page heap",
                        "allocated > 0", Integer.toString(s.allocated));
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
    private void checkPageHeap(List<Span> spans, InvariantSink sink) {
        long listed = 0;
        long limit = maxSteps();
        for (int i = 1; i <= PageHeap.EXACT + 1; i++) {
            long steps = 0;
            for (Span s = pages.free[i]; s != null && steps++ < limit; s = s.next) {
                listed++;
                if (s.state != Span.FREE || PageHeap.listIndex(s.pages) != i) {
                    sink.violation("TC-6", s.start, "page-heap free list " + i + " holds " + s.describe(),
                            "a FREE span of " + (i > PageHeap.EXACT ? "> " + PageHeap.EXACT : Integer.toString(i)) + " pages",
                            s.describe());
                }
            }
        }
        long freeSpans = 0;
        long freePages = 0;
        long dirty = 0;
        Span previous = null;
        for (Span s : spans) {
            if (s.state == Span.FREE) {
                freeSpans++;
                freePages += s.pages;
                dirty += s.dirtyPages;
                long actual = s.pages - pages.countReleased(s.firstPage(), s.pages);
                if (actual != s.dirtyPages) {
                    sink.violation("TC-6", s.start, "dirty page count of " + s.describe() + " disagrees with the released bitmap",
                            Long.toString(actual), Long.toString(s.dirtyPages));
                }
                if (s.inLru != (s.dirtyPages > 0)) {
                    sink.violation("TC-6", s.start, s.describe() + " is " + (s.inLru ? "" : "not ") + "on the dirty LRU",
                            "on it iff it has dirty pages", s.dirtyPages + " dirty pages");
                }
                if (previous != null && previous.state == Span.FREE) {
                    sink.violation("TC-6", s.start, "two adjacent free spans (the page heap coalesces at once)",
                            "the left neighbour in use", previous.describe());
                }
            } else {
                long released = pages.countReleased(s.firstPage(), s.pages);
                if (released != 0) {
                    sink.violation("TC-6", s.start, s.describe() + " is in use but has pages marked returned to the OS", "0",
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
    private void checkCentralLists(List<Span> spans, InvariantSink sink) {
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
        for (Span s : spans) {
            if (validSmall(s) && s.arena >= 0 && s.arena < arenas) {
                owned[s.arena * COUNT + s.sizeClass]++;
                if (s.freeCount > 0) {
                    withFree[s.arena * COUNT + s.sizeClass]++;
                    if (!s.inCentral) {
                        sink.violation("TC-7", s.start, s.describe() + " has free blocks but is not on its central list",
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
                for (Span s = cl.spans; s != null && listed < limit; s = s.next) {
                    listed++;
                    free += s.freeCount;
                    if (s.state != Span.SMALL || s.sizeClass != cls || s.arena != cl.arena || s.freeCount <= 0 || !s.inCentral) {
                        sink.violation("TC-7", s.start, "arena " + cl.arena + " central list " + cls + " holds " + s.describe()
                                + " with " + s.freeCount + " free blocks", "a SMALL span of this class and arena with free blocks",
                                s.describe());
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
