package org.jalloc.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Arrays;
import java.util.function.LongToIntFunction;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.Arguments;
import org.jalloc.core.Allocator;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.RedZoneException;
import org.jalloc.core.UseAfterFreeException;
import org.jalloc.core.debug.BlockViews;
import org.jalloc.core.debug.DebugAllocator;
import org.jalloc.core.debug.DebugLayer;
import org.jalloc.core.debug.DebugOptions;
import org.jalloc.core.debug.RecordedLayer;
import org.jalloc.core.debug.Site;
import org.jalloc.core.spi.SizedFree;

/**
 * The debug layer of {@code stack}, {@code arena} and {@code pool} ({@code debug=FZPU}, {@code leaks=LEVEL} in their
 * specs): core's generic {@link DebugAllocator} made to keep the discipline. It is the same decorator idea — the engine
 * untouched, red zones inside the engine's block, the same bytes ({@link DebugAllocator#RED}, {@link DebugAllocator#POISON}),
 * the same exceptions and site format ({@link Site}) — with one difference: <b>no quarantine</b>. A stack must get its
 * newest block's bytes back at once and an arena at its release, so a freed block is poisoned and handed back to the
 * engine at once, and the poison is verified <em>when the engine is about to write into those bytes again</em> (the
 * next allocation or frame record that reaches them), at {@link #reset()}, and by the checker (DEBUG-2).
 *
 * <pre>
 *  one block with Z (front = 16, or the alignment of an alignedAlloc); the engine's header lies below base:
 *
 *  base                user = base + front           user + usable          base + under
 *   │ red zone (0xcc)   │ payload: the caller's bytes  │ red zone (0xcc, ≥ 16) │
 *   └───────────────────┴──────────────────────────────┴───────────────────────┘
 *   └──────────── one block (stack record, arena extent, pool slot) of the engine ─────────┘
 *
 *  pool with Z: the pool is built with slot' = 16 + round16(object) + 16 (larger slots, object size unchanged for
 *  the caller); a freed slot's first word is the engine's free-list link: poison covers [base + 8, base + under).
 *
 *  tables (single owner, no lock), primitive arrays but the sites and scopes: tracking a block allocates no Java object
 *   records   {@link RecordedLayer}'s: r = base[r], user[r], usable[r], underUsable[r], state[r] (LIVE | PENDING |
 *             REPORTED), allocSite[r], freeSite[r], scope[r], accesses[r] (the object arrays stay null unless U, a
 *             sample or a view asks); unused records on a stack of indices
 *   index     which record a block is, by the discipline's own order (no hash):
 *               stack, arena: order = the tracked blocks in allocation order, which is address order (a stack's
 *               newest block is its lowest, an arena's its highest): orderBase[k], orderRec[k]. The newest is the
 *               last entry (a stack's or an arena's usual free: one compare); any other is found by binary search.
 *               An arena's block freed out of order leaves its entry behind (lazily dead: valid only while
 *               state[r] = LIVE and base[r] = orderBase[k]) until the entries past the frontier are dropped.
 *               pool: slotRec[i] for object i: r + 1 (live), -(r + 1) (pending), 0 (neither)
 *   pending   freed, poisoned blocks whose bytes no allocation has reached yet (disjoint): stack, arena: sorted by
 *             base (pendBase[k], pendRec[k]); pool: in slotRec
 *   recent    ring of the last {@link DebugAllocator#RECENT_FREES} frees (user, usable, alloc and free sites), searched
 *             only when a call names no live block: a double free names both free sites
 * </pre>
 *
 * Not made for {@code debug=F} alone (no other letter, no leak level): the engine does that itself, with no layer
 * ({@link EngineSanity}, {@link #engineDoesF}); the reports are worded the same.
 *
 * What is tracked: with a debug letter every block; with only a leak level ({@code leaks=simple} and the rest) only
 * the sampled blocks (1 in {@link LeakLevel#SAMPLE_INTERVAL}, every one at {@code paranoid}): an unsampled
 * allocation costs a decrement and the engine's call, an unsampled free the index's one compare or load and the
 * engine's call, and the leak report counts every live block through the engine's block walk (as the generic layer).
 *
 * Invariants: DEBUG-1 every live block's red zones hold 0xcc; DEBUG-2 every pending block holds 0x6b from
 * {@code base + skip} to {@code base + under} ({@code skip} = 8 for a pool's link word, else 0).
 *
 * <ol>
 *   <li>malloc(n): (stack, arena) verify the poison of the pending blocks in the window the engine may write
 *       ({@link #writeWindow}); ask the engine for {@code front + max(n, 16) + 16} (Z) or {@code n}; drop the pending
 *       blocks the engine's frontier moved over; (pool) verify the poison of the slot taken; paint, record, return
 *       {@code base + front}.</li>
 *   <li>free(p): the live block (else {@link org.jalloc.core.DoubleFreeException} naming both free sites, or
 *       {@link InvalidPointerException}); the discipline first (a stack's older block: the engine's
 *       {@code OutOfOrderFreeException}, heap unchanged); zones (Z); then the engine frees it only if its usable size
 *       is still the one recorded (F, {@link SizedFree}: one header read, fused into the engine's free); the views die,
 *       the block is poisoned (P) and pending.</li>
 *   <li>releaseTo, reset: the engine first (its discipline errors are exact); then every block it released is retired
 *       as a free (zones verified: a {@link RedZoneException} after the release names the first damage, poisoned,
 *       views closed); reset verifies every pending block and forgets them (the arena may give pages back).</li>
 * </ol>
 */
abstract sealed class DisciplineDebug extends RecordedLayer permits DisciplineDebug.Region, DisciplineDebug.Pool {
    static final byte RED = DebugAllocator.RED;
    static final byte POISON = DebugAllocator.POISON;
    static final long ZONE = DebugAllocator.ZONE;


    static final byte PENDING = 2;

    final boolean poison;
    final boolean sanity;
    private final long skip;
    final SizedFree sized;


    DisciplineDebug(Allocator engine, int flags, LeakLevel leaks, String name, long skip) {
        super(engine, name, (flags & DebugOptions.U) != 0, leaks, flags != 0, (flags & DebugOptions.Z) != 0, skip,
                " (found when its bytes were about to be handed out again)");
        this.poison = (flags & DebugOptions.P) != 0;
        this.sanity = (flags & DebugOptions.F) != 0;
        this.skip = skip;
        this.sized = SizedFree.of(engine);
    }

    /** The spec's {@code debug=} letters as flags ({@code -}: none). */
    static int flags(String debug) {
        return DebugOptions.parseFlags(debug) & (DebugOptions.F | DebugOptions.Z | DebugOptions.P | DebugOptions.U);
    }

    /** Z's extra bytes per block: what a pool's slot grows by. */
    static long zoneBytes(int flags) {
        return (flags & DebugOptions.Z) != 0 ? 16 + ZONE : 0;
    }

    /**
     * True when the options ask for {@code debug=F} alone (no other letter, no leak level): then the engine does F
     * itself, with no layer ({@link EngineSanity}: the check is in the engine's own header or bitmap, no record per block).
     */
    static boolean engineDoesF(java.util.Map<String, String> options) {
        return flags(options.getOrDefault("debug", "-")) == DebugOptions.F
                && LeakLevel.parse(options.getOrDefault("leaks", "disabled")) == LeakLevel.DISABLED;
    }

    /** Wraps {@code engine} when {@code debug}/{@code leaks} ask for it; the engine itself otherwise (or when it does F itself). */
    static Allocator wrap(Allocator engine, String debug, String leaks, String name) {
        int flags = flags(debug);
        LeakLevel level = LeakLevel.parse(leaks);
        if (flags == 0 && level == LeakLevel.DISABLED || flags == DebugOptions.F && level == LeakLevel.DISABLED) {
            return engine; // off, or F alone: done by the engine (engineDoesF)
        }
        try {
            return switch (engine) {
                case StackAllocator s -> new Region(s, flags, level, name, true, s::checkRelease);
                case ArenaAllocator a -> new Region(a, flags, level, name, false, a::checkRelease);
                case PoolAllocator p -> new Pool(p, flags, level, name);
                default -> throw new IllegalArgumentException(name + ": no discipline debug layer for " + engine);
            };
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- records

    // ---------------------------------------------------------------- hooks of the discipline

    /** The record of the tracked live block whose payload starts at {@code address}, or -1. */
    abstract int find(long address);

    /** Leaks only: the record of the sampled block a legal {@code free(address)} frees, or -1. */
    int findFreed(long address) {
        return find(address);
    }

    /** The record of the tracked live block whose engine block holds {@code address}, or -1 (misuse path). */
    abstract int containing(long address);

    /** The record of the tracked live block whose engine block starts at {@code b}, or -1 (the walk). */
    abstract int atBase(long b);

    /** Enters live record {@code r} in the index. */
    abstract void track(int r);

    /** Removes live record {@code r} from the index (before its state changes). */
    abstract void untrack(int r);

    /** Enters record {@code r}, just poisoned, among the pending blocks. */
    abstract void addPending(int r);

    // liveRecords(): the live records in address order (reports, checks, reset); heldRecords(): the pending ones

    /** The engine's allocation frontier (a stack's sp, an arena's top), or 0 for a pool. */
    abstract long frontier();

    /** Verifies the pending blocks in the bytes the engine may write when it takes {@code bytes} more. */
    abstract void writeWindow(long bytes);

    /** Drops the pending blocks the engine's frontier moved over, from {@code before} to {@link #frontier()}. */
    abstract void written(long before);

    /** After a free through the engine: what the engine gave back with it (an arena's dead blocks below) leaves the index. */
    void afterFree() {}


    /** Leaks only: a record with its site for the sampled block at {@code p}. */
    private int sample(long p) {
        long u = sized.freshUsableSize(p);
        int r = newRecord(p, p, u, u);
        allocSite[r] = Site.capture(siteDepth);
        track(r);
        return r;
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public long malloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException(name + ": malloc(" + size + "): negative size");
        }
        return allocate(16, size, false);
    }

    @Override
    public long calloc(long count, long size) {
        long total = Arguments.callocBytes(name + ": ", count, size);
        long p = allocate(16, total, false);
        if (p != 0 && total > 0) {
            heap.fill(p, total, (byte) 0);
        }
        return p;
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        Arguments.checkAlignedAlloc(name + ": ", alignment, size);
        return allocate(Math.max(16, alignment), size, alignment > 16);
    }

    long allocate(long alignment, long size, boolean aligned) {
        if (size > heap.capacity()) {
            return 0;
        }
        if (!tracks) {
            long p = aligned ? delegate.alignedAlloc(alignment, size) : delegate.malloc(size);
            if (p != 0 && sampleNow()) {
                sample(p);
            }
            return p;
        }
        if (zones || poison) {
            return allocateGuarded(alignment, size, aligned);
        }
        // F and U alone: the engine's block as it is, one record (the fast path kept small for the JIT to inline)
        long b = aligned ? delegate.alignedAlloc(alignment, size) : delegate.malloc(size);
        if (b == 0) {
            return 0;
        }
        long und = sized.freshUsableSize(b);
        int r = newRecord(b, b, und, und);
        if (sites || sampleNow()) {
            allocSite[r] = Site.capture(siteDepth);
        }
        track(r);
        return b;
    }

    /** allocate with Z or P: zones around the payload, the pending blocks in the engine's window verified and dropped. */
    private long allocateGuarded(long alignment, long size, boolean aligned) {
        long payload = Math.max(size, 16);
        long front = zones ? alignment : 0;
        long request = zones ? front + payload + ZONE : size;
        long before = 0;
        if (poison) {
            before = frontier();
            writeWindow(request + alignment + 2 * ZONE);
        }
        long b = aligned ? delegate.alignedAlloc(alignment, request) : delegate.malloc(request);
        if (b == 0) {
            return 0;
        }
        if (poison) {
            written(before);
            takenFromEngine(b);
        }
        long und = sized.freshUsableSize(b);
        int r = newRecord(b, b + front, zones ? payload : und, und);
        if (zones) {
            paintZones(r);
        }
        if (sites || sampleNow()) {
            allocSite[r] = Site.capture(siteDepth);
        }
        track(r);
        return b + front;
    }

    /** A block the engine just handed out at {@code b} (P): the pool verifies the poison of its slot here. */
    void takenFromEngine(long b) {}

    private void paintZones(int r) {
        heap.fill(base[r], user[r] - base[r], RED);
        heap.fill(user[r] + usable[r], base[r] + underUsable[r] - user[r] - usable[r], RED);
    }

    // ---------------------------------------------------------------- free

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        if (!tracks) {
            freeUntracked(address);
            return;
        }
        int r = find(address);
        if (r < 0) {
            throw misuse("free", address);
        }
        checkDiscipline(r);
        if (zones) {
            verifyZones("free", r);
        }
        long b = base[r];
        if (sanity) {
            long now = sized.freeIfUsable(b, underUsable[r]);
            if (now != underUsable[r]) {
                throw usableChanged(r, now);
            }
        } else {
            delegate.free(b);
        }
        untrack(r);
        retire(r, sites ? Site.capture(siteDepth) : null, true);
        afterFree();
    }

    /** Leaks only: the engine frees; a sampled block's record goes. */
    private void freeUntracked(long address) {
        int r = findFreed(address);
        delegate.free(address); // first: a misuse is the engine's exact refusal, the record kept
        if (r >= 0) {
            untrack(r);
            dropRecord(r);
        }
        afterFree();
    }

    /** F: the engine's usable size of record {@code r}'s block is {@code now}, not what it was (nothing was freed). */
    private HeapCorruptionException usableChanged(int r, long now) {
        return new HeapCorruptionException(name + ": free(" + hex(user[r]) + "): the allocator's usable size of the block at "
                + hex(base[r]) + " changed from " + underUsable[r] + " to " + now + " while it was live (its header was overwritten)"
                + allocatedAt(allocSite[r]), user[r]);
    }

    /** Throws what the engine throws for freeing record {@code r} against the discipline (a stack's older block), changing nothing. */
    void checkDiscipline(int r) {}

    /** A block the engine no longer holds, out of the index already: views die, remembered for a double free, poisoned and pending (P). */
    final void retire(int r, @Nullable Site site, boolean poisonIt) {
        if (scope[r] != null) {
            closeScope(r);
        }
        rememberFree(r, site);
        if (poison && poisonIt) {
            poisonAndPend(r, site);
        } else {
            dropRecord(r);
        }
    }

    private void poisonAndPend(int r, @Nullable Site site) {
        heap.fill(base[r] + skip, underUsable[r] - skip, POISON);
        state[r] = PENDING;
        if (keepsSites) {
            freeSite[r] = site;
            accesses[r] = null;
        }
        addPending(r);
    }

    /** The first damaged red zone among records {@code rs[0, n)} as an exception, or null. */
    final @Nullable RedZoneException firstDamage(String op, int[] rs, int n) {
        if (zones) {
            for (int k = 0; k < n; k++) {
                long bad = damagedZone(rs[k]);
                if (bad >= 0) {
                    return new RedZoneException(zoneMessage(op, rs[k], bad), user[rs[k]]);
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- resize

    @Override
    public long realloc(long address, long size) {
        if (!tracks) {
            return reallocUntracked(address, size);
        }
        if (address == 0) {
            return malloc(size);
        }
        checkResizeSize("realloc", address, size);
        int r = requireLive("realloc", address);
        if (size == 0) {
            free(address);
            return 0;
        }
        if (zones) {
            verifyZones("realloc", r);
        }
        touched(r);
        if (size > heap.capacity()) {
            return 0;
        }
        if (resizeInPlace(r, size)) {
            return address;
        }
        return move(r, size);
    }

    /** Leaks only: the engine's realloc; a sampled block keeps its record (and site) at its new address. */
    private long reallocUntracked(long address, long size) {
        if (address != 0) {
            checkResizeSize("realloc", address, size);
        }
        int r = address == 0 ? -1 : find(address);
        if (r >= 0) {
            touched(r);
        }
        long p = delegate.realloc(address, size);
        if (address == 0) {
            if (p != 0 && sampleNow()) {
                sample(p);
            }
            return p;
        }
        if (size == 0 || (p != 0 && p != address)) {
            if (r >= 0) {
                untrack(r);
                if (size == 0) {
                    dropRecord(r);
                } else {
                    base[r] = p;
                    user[r] = p;
                    usable[r] = underUsable[r] = sized.freshUsableSize(p);
                    track(r);
                }
            } else if (p != 0 && sampleNow()) {
                sample(p);
            }
            afterFree();
        } else if (p == address && r >= 0) {
            usable[r] = underUsable[r] = sized.freshUsableSize(p);
        }
        return p;
    }

    /** Moves record {@code r} to a block of {@code size} bytes, or returns 0 leaving it untouched. */
    abstract long move(int r, long size);

    @Override
    public boolean tryExpand(long address, long size) {
        if (!tracks) {
            checkTryExpand(address, size);
            int r = find(address);
            if (r >= 0) {
                touched(r);
            }
            boolean grown = delegate.tryExpand(address, size);
            if (grown && r >= 0) {
                usable[r] = underUsable[r] = sized.freshUsableSize(address);
            }
            return grown;
        }
        checkTryExpand(address, size);
        int r = requireLive("tryExpand", address);
        if (zones) {
            verifyZones("tryExpand", r);
        }
        touched(r);
        return size <= heap.capacity() && resizeInPlace(r, size);
    }

    /** Resizes record {@code r} within its engine block, or grows the engine block in place; repaints the rear zone. */
    final boolean resizeInPlace(int r, long size) {
        long want = zones ? Math.max(size, 16) : size;
        long front = user[r] - base[r];
        long need = zones ? front + want + ZONE : size;
        if (need > underUsable[r]) {
            long before = frontier();
            writeWindow(need - underUsable[r] + 2 * ZONE);
            if (!delegate.tryExpand(base[r], need)) {
                return false;
            }
            written(before);
            underUsable[r] = delegate.usableSize(base[r]);
        }
        usable[r] = zones ? want : underUsable[r];
        if (zones) {
            heap.fill(user[r] + usable[r], base[r] + underUsable[r] - user[r] - usable[r], RED);
        }
        return true;
    }

    /** Record {@code r} moved by the engine to {@code newBase} (a stack's slide): re-indexed, views closed, zones repainted. */
    final long moved(int r, long newBase) {
        untrack(r);
        closeScope(r);
        long front = user[r] - base[r];
        base[r] = newBase;
        user[r] = newBase + front;
        underUsable[r] = delegate.usableSize(newBase);
        track(r);
        if (zones) {
            paintZones(r);
        }
        return user[r];
    }

    /** Moves by malloc, copy and free through this layer (an arena's older block). */
    final long copyMove(int r, long size) {
        long q = allocate(16, size, false);
        if (q == 0) {
            return 0;
        }
        heap.copy(user[r], q, Math.min(usable[r], size));
        int nr = find(q);
        if (nr >= 0 && allocSite[nr] == null && allocSite[r] != null) {
            allocSite[nr] = allocSite[r];
        }
        free(user[r]);
        return q;
    }

    // ---------------------------------------------------------------- queries and views

    @Override
    public long usableSize(long address) {
        if (!tracks || address == 0) {
            if (recordsAccesses && address != 0) {
                int r = find(address);
                if (r >= 0) {
                    touched(r);
                }
            }
            return delegate.usableSize(address);
        }
        int r = requireLive("usableSize", address);
        touched(r);
        return usable[r];
    }

    @Override
    public MemorySegment segment(long address) {
        if (!tracks) {
            if (recordsAccesses && address != 0) {
                int r = find(address);
                if (r >= 0) {
                    touched(r);
                }
            }
            return super.segment(address);
        }
        if (address == 0) {
            throw new InvalidPointerException(name + ": segment(NULL)", 0);
        }
        int r = requireLive("segment", address);
        touched(r);
        return scopedView(r, usable[r]);
    }

    @Override
    public SegmentAllocator asSegmentAllocator() {
        if (!tracks) {
            return super.asSegmentAllocator();
        }
        return (byteSize, byteAlignment) -> {
            long a = Arguments.allocateForSegment(this, byteSize, byteAlignment);
            return scopedView(requireLive("asSegmentAllocator", a), byteSize);
        };
    }

    // ---------------------------------------------------------------- checks

    /** The record of the live block at {@code address}, or the exception saying exactly why it is none. */
    final int requireLive(String op, long address) {
        int r = find(address);
        if (r >= 0) {
            return r;
        }
        throw misuse(op, address);
    }

    /** {@code op} on an address that names no live block: interior, a recent free (double free), or invalid. */
    private RuntimeException misuse(String op, long address) {
        int in = containing(address);
        if (in >= 0) {
            // an older block's start that is now inside a live block (its bytes were handed out again): interior
            return new InvalidPointerException(name + ": " + op + "(" + hex(address) + "): not the start of a live block: inside the live block "
                    + hex(user[in]) + " (" + usable[in] + " bytes)", address);
        }
        int i = latestFree(address);
        return i >= 0 ? recentDoubleFree(op, address, i) : invalidPointer(op, address);
    }

    // ---------------------------------------------------------------- the records, for leaks and the walk

    @Override
    protected LongToIntFunction recordsByBase() {
        return this::atBase;
    }

    @Override
    protected void tallyUntracked(LeakTally tally, long payload, long usableBytes) {
        int r = atBase(payload); // the sampled blocks carry their sites
        tally.block(r >= 0 ? allocSite[r] : null, r >= 0 ? accessesOf(r) : null, usableBytes);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + ", " + delegate + ")";
    }

    // ================================================================ the disciplines

    /**
     * {@code stack} ({@code lifo}) and {@code arena} under the layer: still a {@link org.jalloc.core.RegionAllocator}.
     * Its index is the tracked blocks in allocation order, which is address order: descending for a stack (each new
     * block lies below the older ones), ascending for an arena (each new block lies above).
     */
    static final class Region extends DisciplineDebug implements org.jalloc.core.RegionAllocator {
        private final org.jalloc.core.RegionAllocator engine;
        private final @Nullable StackAllocator stack;
        private final @Nullable ArenaAllocator arena;
        private final boolean lifo;
        private final java.util.function.LongConsumer checkRelease;

        // the index: tracked blocks in allocation (= address) order; an arena's entry may be lazily dead
        private long[] orderBase = new long[64];
        private int[] orderRec = new int[64];
        private int orderCount;

        // pending blocks, ascending by base, disjoint
        private long[] pendBase = new long[16];
        private int[] pendRec = new int[16];
        private int pendCount;

        Region(org.jalloc.core.RegionAllocator engine, int flags, LeakLevel leaks, String name, boolean lifo,
               java.util.function.LongConsumer checkRelease) {
            super(engine, flags, leaks, name, 0);
            this.engine = engine;
            this.stack = engine instanceof StackAllocator s ? s : null;
            this.arena = engine instanceof ArenaAllocator a ? a : null;
            this.lifo = lifo;
            this.checkRelease = checkRelease;
        }

        @Override
        long frontier() {
            StackAllocator s = stack;
            if (s != null) {
                return s.stackPointer();
            }
            ArenaAllocator a = arena;
            return a != null ? a.top() : 0;
        }

        /** True when {@code x} lies on the older side of {@code y} in allocation order (a stack: above; an arena: below). */
        private boolean older(long x, long y) {
            return lifo ? x > y : x < y;
        }

        /** True when an engine block at {@code b} lies past the frontier {@code f} (released or given back). */
        private boolean beyond(long b, long f) {
            return lifo ? b < f : b >= f;
        }

        private boolean valid(int k) {
            int r = orderRec[k];
            return state[r] == LIVE && base[r] == orderBase[k];
        }

        // ------------------------------------------------------------ index

        @Override
        void track(int r) {
            long b = base[r];
            // entries at or past the new block are gone (only dead ones can be: the engine handed these bytes out)
            while (orderCount > 0 && !older(orderBase[orderCount - 1], b)) {
                orderCount--;
            }
            if (orderCount == orderBase.length) {
                orderBase = Arrays.copyOf(orderBase, orderCount * 2);
                orderRec = Arrays.copyOf(orderRec, orderCount * 2);
            }
            orderBase[orderCount] = b;
            orderRec[orderCount] = r;
            orderCount++;
        }

        @Override
        void untrack(int r) {
            int n = orderCount;
            if (n > 0 && orderRec[n - 1] == r && orderBase[n - 1] == base[r]) {
                n--;
                while (!lifo && n > 0 && !valid(n - 1)) {
                    n--; // an arena's dead entries below the freed top block
                }
                orderCount = n;
            }
            // otherwise (an arena's older block) its entry goes dead with the record's state
        }

        @Override
        void afterFree() {
            // an arena gives back the dead blocks below a freed top block: their entries past the top go too
            if (!lifo) {
                long f = frontier();
                while (orderCount > 0 && orderBase[orderCount - 1] >= f && !valid(orderCount - 1)) {
                    orderCount--;
                }
            }
        }

        /** The entry with the greatest address at or below {@code a}, or -1. */
        private int floor(long a) {
            int lo = 0;
            int hi = orderCount - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (orderBase[mid] <= a) {
                    found = mid;
                    if (lifo) {
                        hi = mid - 1; // descending: a greater base lies to the left
                    } else {
                        lo = mid + 1;
                    }
                } else if (lifo) {
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found;
        }

        @Override
        int find(long address) {
            int n = orderCount;
            if (n > 0) {
                int r = orderRec[n - 1];
                if (user[r] == address) {
                    return r; // the newest: a stack's or an arena's usual call
                }
                int k = floor(address);
                if (k >= 0 && valid(k) && user[orderRec[k]] == address) {
                    return orderRec[k];
                }
            }
            return -1;
        }

        @Override
        int findFreed(long address) {
            if (!lifo) {
                return find(address);
            }
            // a stack frees only its newest block: a sampled one is the newest entry (anything else the engine refuses)
            int n = orderCount;
            return n > 0 && user[orderRec[n - 1]] == address ? orderRec[n - 1] : -1;
        }

        @Override
        int containing(long address) {
            int k = floor(address);
            if (k >= 0 && valid(k)) {
                int r = orderRec[k];
                if (address < base[r] + underUsable[r]) {
                    return r;
                }
            }
            return -1;
        }

        @Override
        int atBase(long b) {
            int k = floor(b);
            return k >= 0 && valid(k) && orderBase[k] == b ? orderRec[k] : -1;
        }

        @Override
        protected int[] liveRecords() {
            int[] out = new int[orderCount];
            int n = 0;
            for (int j = 0; j < orderCount; j++) {
                int k = lifo ? orderCount - 1 - j : j;
                if (valid(k)) {
                    out[n++] = orderRec[k];
                }
            }
            return Arrays.copyOf(out, n);
        }

        // ------------------------------------------------------------ pending

        @Override
        void addPending(int r) {
            long b = base[r];
            int k = pendCount;
            while (k > 0 && pendBase[k - 1] > b) {
                k--; // a stack's and an arena's newest release lies above the pending blocks: usually no step
            }
            if (pendCount == pendBase.length) {
                pendBase = Arrays.copyOf(pendBase, pendCount * 2);
                pendRec = Arrays.copyOf(pendRec, pendCount * 2);
            }
            System.arraycopy(pendBase, k, pendBase, k + 1, pendCount - k);
            System.arraycopy(pendRec, k, pendRec, k + 1, pendCount - k);
            pendBase[k] = b;
            pendRec[k] = r;
            pendCount++;
        }

        @Override
        protected int[] heldRecords() {
            return Arrays.copyOf(pendRec, pendCount);
        }

        /** The first pending entry that ends above {@code lo} (pending blocks are disjoint: their ends ascend too). */
        private int firstEndingAbove(long lo) {
            int a = 0;
            int b = pendCount;
            while (a < b) {
                int mid = (a + b) >>> 1;
                int q = pendRec[mid];
                if (base[q] + underUsable[q] <= lo) {
                    a = mid + 1;
                } else {
                    b = mid;
                }
            }
            return a;
        }

        /** The entries {@code [from, to)} overlapping {@code [lo, hi)}, as {@code from << 32 | to}. */
        private long overlapping(long lo, long hi) {
            if (lo >= hi || pendCount == 0) {
                return 0;
            }
            int from = firstEndingAbove(lo);
            int to = from;
            while (to < pendCount && pendBase[to] < hi) {
                to++;
            }
            return (long) from << 32 | to;
        }

        /** Verifies the poison of the pending blocks overlapping {@code [lo, hi)}, the highest first. */
        private void verifyPending(long lo, long hi) {
            long range = overlapping(lo, hi);
            int from = (int) (range >>> 32);
            for (int k = (int) range - 1; k >= from; k--) {
                verifyPoison(pendRec[k]);
            }
        }

        private void dropPending(long lo, long hi) {
            long range = overlapping(lo, hi);
            int from = (int) (range >>> 32);
            int to = (int) range;
            if (from >= to) {
                return;
            }
            for (int k = from; k < to; k++) {
                dropRecord(pendRec[k]);
            }
            System.arraycopy(pendBase, to, pendBase, from, pendCount - to);
            System.arraycopy(pendRec, to, pendRec, from, pendCount - to);
            pendCount -= to - from;
        }

        @Override
        void writeWindow(long bytes) {
            if (!poison || pendCount == 0) {
                return;
            }
            long f = frontier();
            if (lifo) {
                verifyPending(f - bytes, f);
            } else {
                verifyPending(f, f + bytes);
            }
        }

        @Override
        void written(long before) {
            if (!poison || pendCount == 0) {
                return;
            }
            long after = frontier();
            dropPending(Math.min(before, after), Math.max(before, after));
        }

        // ------------------------------------------------------------ the discipline

        @Override
        void checkDiscipline(int r) {
            StackAllocator s = stack;
            if (s != null && base[r] != s.stackPointer() + StackAllocator.HEADER) {
                delegate.free(base[r]); // not the newest block of the newest frame: the engine's exact refusal
                throw new IllegalStateException(name + ": the stack freed an older block"); // unreachable: the engine refuses
            }
        }

        @Override
        long move(int r, long size) {
            StackAllocator s = stack;
            if (s == null) {
                return copyMove(r, size);
            }
            if (base[r] != s.stackPointer() + StackAllocator.HEADER) {
                return 0; // an older block of a stack cannot move (moving it would free it out of order)
            }
            long front = user[r] - base[r];
            long request = zones ? front + Math.max(size, 16) + ZONE : size;
            long before = frontier();
            writeWindow(request + 2 * ZONE);
            long q = delegate.realloc(base[r], request);
            if (q == 0) {
                return 0;
            }
            written(before);
            long u = moved(r, q);
            usable[r] = zones ? Math.max(size, 16) : underUsable[r];
            if (zones) {
                heap.fill(user[r] + usable[r], base[r] + underUsable[r] - user[r] - usable[r], RED);
            }
            return u;
        }

        @Override
        public long checkpoint() {
            if (!poison) {
                return engine.checkpoint();
            }
            long before = frontier();
            writeWindow(2 * ZONE);
            long c = engine.checkpoint();
            written(before);
            return c;
        }

        @Override
        public void releaseTo(long checkpoint) {
            engine.releaseTo(checkpoint);
            long f = frontier();
            int top = orderCount;
            int k = top;
            while (k > 0 && beyond(orderBase[k - 1], f)) {
                k--;
            }
            if (k == top) {
                return;
            }
            orderCount = k;
            retireReleased(k, top);
        }

        /** The entries {@code [k, top)}, released by the engine and out of the index, retired in address order (ascending). */
        private void retireReleased(int k, int top) {
            // they stay in the arrays until the next track: visited live ones only, with no allocation
            if (!tracks) {
                for (int e = k; e < top; e++) {
                    if (valid(e)) {
                        dropRecord(orderRec[e]);
                    }
                }
                return;
            }
            RedZoneException damage = null;
            boolean any = false;
            for (int j = 0; j < top - k; j++) {
                int e = lifo ? top - 1 - j : k + j;
                if (valid(e)) {
                    any = true;
                    if (zones && damage == null) {
                        long bad = damagedZone(orderRec[e]);
                        if (bad >= 0) {
                            damage = new RedZoneException(zoneMessage("releaseTo", orderRec[e], bad), user[orderRec[e]]);
                        }
                    }
                }
            }
            Site at = sites && any ? Site.capture(siteDepth) : null;
            for (int j = 0; j < top - k; j++) {
                int e = lifo ? top - 1 - j : k + j;
                if (valid(e)) {
                    retire(orderRec[e], at, true);
                }
            }
            if (damage != null) {
                throw damage;
            }
        }

        @Override
        public void reset() {
            if (!tracks) {
                engine.reset();
                for (int r : liveRecords()) {
                    dropRecord(r);
                }
                orderCount = 0;
                return;
            }
            // everything is verified before the engine resets: the arena gives the pages beyond its first chunk back
            RuntimeException first = null;
            for (int q : heldRecords()) {
                try {
                    verifyPoison(q);
                } catch (UseAfterFreeException e) {
                    first = first == null ? e : first;
                }
            }
            int[] all = liveRecords();
            RedZoneException damage = firstDamage("reset", all, all.length);
            engine.reset();
            for (int k = 0; k < pendCount; k++) {
                dropRecord(pendRec[k]);
            }
            pendCount = 0;
            orderCount = 0;
            Site at = sites && all.length > 0 ? Site.capture(siteDepth) : null;
            for (int r : all) {
                retire(r, at, false); // no poison: those pages may be the OS's again
            }
            if (first != null) {
                throw first;
            }
            if (damage != null) {
                throw damage;
            }
        }

        @Override
        public boolean lifo() {
            return lifo;
        }

        @Override
        public Arena asArena() {
            return new RegionArena(this, checkRelease);
        }
    }

    /**
     * {@code pool} under the layer: still a {@link org.jalloc.core.FixedSizeAllocator} of the caller's object size.
     * Its index is the object number: {@code slotRec[i]} is {@code r + 1} for a live record, {@code -(r + 1)} for a
     * pending one, 0 for none.
     */
    static final class Pool extends DisciplineDebug implements org.jalloc.core.FixedSizeAllocator {
        private final PoolAllocator engine;
        private final long objectSize;
        private final long first;
        private final long slot;
        private final int shift;
        private final long end;
        private int[] slotRec = new int[64];

        Pool(PoolAllocator engine, int flags, LeakLevel leaks, String name) {
            super(engine, flags, leaks, name, 8);
            this.engine = engine;
            this.objectSize = engine.objectSize() - zoneBytes(flags);
            this.first = heap.start();
            this.slot = engine.objectSize();
            this.shift = Long.bitCount(slot) == 1 ? Long.numberOfTrailingZeros(slot) : -1;
            this.end = first + engine.objectCount() * slot;
        }

        /** The object holding {@code address}, or -1. */
        private int objectOf(long address) {
            long off = address - first;
            if (off < 0 || address >= end) {
                return -1;
            }
            long i = shift >= 0 ? off >>> shift : off / slot;
            return i < slotRec.length ? (int) i : -1;
        }

        private void setSlot(long b, int value) {
            long i = shift >= 0 ? (b - first) >>> shift : (b - first) / slot;
            if (i >= slotRec.length) {
                slotRec = Arrays.copyOf(slotRec, (int) Math.min(Math.max(slotRec.length * 2L, i + 1), Integer.MAX_VALUE - 8));
            }
            slotRec[(int) i] = value;
        }

        @Override
        int find(long address) {
            int i = objectOf(address);
            if (i < 0) {
                return -1;
            }
            int v = slotRec[i];
            return v > 0 && user[v - 1] == address ? v - 1 : -1;
        }

        @Override
        int containing(long address) {
            int i = objectOf(address);
            return i >= 0 && slotRec[i] > 0 ? slotRec[i] - 1 : -1;
        }

        @Override
        int atBase(long b) {
            int i = objectOf(b);
            return i >= 0 && slotRec[i] > 0 && base[slotRec[i] - 1] == b ? slotRec[i] - 1 : -1;
        }

        @Override
        void track(int r) {
            setSlot(base[r], r + 1);
        }

        @Override
        void untrack(int r) {
            setSlot(base[r], 0);
        }

        @Override
        void addPending(int r) {
            setSlot(base[r], -(r + 1));
        }

        @Override
        protected int[] liveRecords() {
            return collect(true);
        }

        @Override
        protected int[] heldRecords() {
            return collect(false);
        }

        private int[] collect(boolean live) {
            int n = 0;
            for (int v : slotRec) {
                if (live ? v > 0 : v < 0) {
                    n++;
                }
            }
            int[] out = new int[n];
            n = 0;
            for (int v : slotRec) {
                if (live ? v > 0 : v < 0) {
                    out[n++] = live ? v - 1 : -v - 1;
                }
            }
            return out;
        }

        @Override
        long frontier() {
            return 0;
        }

        @Override
        void writeWindow(long bytes) {
            // a pool writes only the link word of a slot given back: nothing pending is reached by a take
        }

        @Override
        void written(long before) {
            // no frontier: a pending slot is verified at the take that hands it out again
        }

        /**
         * A pool serves one size at one alignment: with Z every object's payload is at slot + 16, so an alignment the
         * payloads do not all have is refused (0), as the pool refuses one its slots do not all have.
         */
        @Override
        long allocate(long alignment, long size, boolean aligned) {
            if (size > objectSize) {
                return 0;
            }
            if (zones && aligned) {
                long firstPayload = heap.start() + 16;
                return firstPayload % alignment == 0 && engine.objectSize() % alignment == 0 ? super.allocate(16, size, false) : 0;
            }
            return super.allocate(alignment, size, aligned);
        }

        @Override
        void takenFromEngine(long b) {
            int i = objectOf(b);
            if (i < 0 || slotRec[i] >= 0) {
                return;
            }
            int q = -slotRec[i] - 1;
            try {
                verifyPoison(q);
            } catch (UseAfterFreeException e) {
                engine.giveBack(b); // the take is undone: the pool as it was, the damage reported
                throw e;
            }
            slotRec[i] = 0;
            dropRecord(q);
        }

        @Override
        long move(int r, long size) {
            return 0; // larger than the object size: a pool serves one size
        }

        @Override
        public long objectSize() {
            return objectSize;
        }

        @Override
        public long objectCount() {
            return engine.objectCount();
        }
    }
}
