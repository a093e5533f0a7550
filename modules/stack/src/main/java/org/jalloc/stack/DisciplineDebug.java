package org.jalloc.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.Arguments;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.RedZoneException;
import org.jalloc.core.UseAfterFreeException;
import org.jalloc.core.debug.DebugAllocator;
import org.jalloc.core.debug.DebugInvariants;
import org.jalloc.core.debug.DebugLayer;
import org.jalloc.core.debug.DebugOptions;
import org.jalloc.core.debug.LayeredWalk;
import org.jalloc.core.debug.Site;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.walk.InvariantSink;

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
 *  tables (single owner, no lock):
 *   live      base → Block     every live block, in address order (a release retires a range of them)
 *   byUser    user → Block     live blocks and the last {@link DebugAllocator#RECENT_FREES} freed ones (double free)
 *   pending   base → Block     freed, poisoned blocks whose bytes no allocation has reached yet (disjoint)
 * </pre>
 *
 * Invariants: DEBUG-1 every live block's red zones hold 0xcc; DEBUG-2 every pending block holds 0x6b from
 * {@code base + skip} to {@code base + under} ({@code skip} = 8 for a pool's link word, else 0).
 *
 * <ol>
 *   <li>malloc(n): (stack, arena) verify the poison of the pending blocks in the window the engine may write
 *       ({@link #writeWindow}); ask the engine for {@code front + max(n, 16) + 16} (Z) or {@code n}; drop the pending
 *       blocks the engine's frontier moved over; (pool) verify the poison of the slot taken; paint, record, return
 *       {@code base + front}.</li>
 *   <li>free(p): the live block (else {@link DoubleFreeException} naming both free sites, or
 *       {@link InvalidPointerException}); the discipline first (a stack's older block: the engine's
 *       {@code OutOfOrderFreeException}, heap unchanged); zones (Z), the engine's usable size (F); then the engine
 *       frees, the views die, the block is poisoned (P) and pending.</li>
 *   <li>releaseTo, reset: the engine first (its discipline errors are exact); then every block it released is retired
 *       as a free (zones verified: a {@link RedZoneException} after the release names the first damage, poisoned,
 *       views closed); reset verifies every pending block and forgets them (the arena may give pages back).</li>
 * </ol>
 */
abstract sealed class DisciplineDebug extends DebugLayer permits DisciplineDebug.Region, DisciplineDebug.Pool {
    static final byte RED = DebugAllocator.RED;
    static final byte POISON = DebugAllocator.POISON;
    static final long ZONE = DebugAllocator.ZONE;

    private static final MemorySegment RED_BYTES = LayeredWalk.RED_BYTES;
    private static final MemorySegment POISON_BYTES = LayeredWalk.POISON_BYTES;

    /** One block the layer knows. */
    static final class Block {
        long base;
        long user;
        final long front;
        long usable;
        long under;
        @Nullable Site allocSite;
        @Nullable Site freeSite;
        @Nullable Arena scope;
        @Nullable ArrayDeque<Site> accesses;
        boolean freed;
        boolean reported;

        Block(long base, long front, long usable, long under) {
            this.base = base;
            this.user = base + front;
            this.front = front;
            this.usable = usable;
            this.under = under;
        }
    }

    final boolean tracks;
    final boolean zones;
    final boolean poison;
    final boolean sanity;
    private final long skip;

    final TreeMap<Long, Block> live = new TreeMap<>();
    private final HashMap<Long, Block> byUser = new HashMap<>();
    private final ArrayDeque<Block> recent = new ArrayDeque<>();
    final TreeMap<Long, Block> pending = new TreeMap<>();
    private int countdown = 1 + ThreadLocalRandom.current().nextInt(2 * LeakLevel.SAMPLE_INTERVAL - 1);

    DisciplineDebug(Allocator engine, int flags, LeakLevel leaks, String name, long skip) {
        super(engine, name, (flags & DebugOptions.U) != 0, leaks);
        this.tracks = flags != 0 || leaks != LeakLevel.DISABLED;
        this.zones = (flags & DebugOptions.Z) != 0;
        this.poison = (flags & DebugOptions.P) != 0;
        this.sanity = (flags & DebugOptions.F) != 0;
        this.skip = skip;
    }

    /** The spec's {@code debug=} letters as flags ({@code -}: none). */
    static int flags(String debug) {
        return DebugOptions.parseFlags(debug) & (DebugOptions.F | DebugOptions.Z | DebugOptions.P | DebugOptions.U);
    }

    /** Z's extra bytes per block: what a pool's slot grows by. */
    static long zoneBytes(int flags) {
        return (flags & DebugOptions.Z) != 0 ? 16 + ZONE : 0;
    }

    /** Wraps {@code engine} when {@code debug}/{@code leaks} ask for it; the engine itself otherwise. */
    static Allocator wrap(Allocator engine, String debug, String leaks, String name) {
        int flags = flags(debug);
        LeakLevel level = LeakLevel.parse(leaks);
        if (flags == 0 && level == LeakLevel.DISABLED) {
            return engine;
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

    // ---------------------------------------------------------------- hooks of the discipline

    /** The engine's allocation frontier (a stack's sp, an arena's top), or 0 for a pool. */
    abstract long frontier();

    /** Verifies the pending blocks in the bytes the engine may write when it takes {@code bytes} more. */
    abstract void writeWindow(long bytes);

    /** Drops the pending blocks the engine's frontier moved over, from {@code before} to {@link #frontier()}. */
    final void written(long before) {
        long after = frontier();
        dropPending(Math.min(before, after), Math.max(before, after));
    }

    /** Verifies the poison of the pending blocks overlapping {@code [lo, hi)}. */
    final void verifyPending(long lo, long hi) {
        for (Block q : overlapping(lo, hi)) {
            verifyPoison(q);
        }
    }

    final void dropPending(long lo, long hi) {
        for (Block q : overlapping(lo, hi)) {
            pending.remove(q.base);
        }
    }

    private List<Block> overlapping(long lo, long hi) {
        List<Block> out = new ArrayList<>();
        if (lo >= hi) {
            return out;
        }
        // pending blocks are disjoint and sorted: walk down from the last one starting below hi
        for (Block q : pending.headMap(hi, false).descendingMap().values()) {
            if (q.base + q.under <= lo) {
                break;
            }
            out.add(q);
        }
        return out;
    }

    // ---------------------------------------------------------------- sampling

    private boolean sampleNow() {
        return switch (leaks) {
            case DISABLED -> false;
            case PARANOID -> true;
            case SIMPLE, ADVANCED -> {
                if (--countdown > 0) {
                    yield false;
                }
                countdown = 1 + ThreadLocalRandom.current().nextInt(2 * LeakLevel.SAMPLE_INTERVAL - 1);
                yield true;
            }
        };
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
            return aligned ? delegate.alignedAlloc(alignment, size) : delegate.malloc(size);
        }
        long usable = Math.max(size, 16);
        long front = zones ? alignment : 0;
        long request = zones ? front + usable + ZONE : size;
        long before = frontier();
        writeWindow(request + alignment + 2 * ZONE);
        long base = aligned ? delegate.alignedAlloc(alignment, request) : delegate.malloc(request);
        if (base == 0) {
            return 0;
        }
        written(before);
        takenFromEngine(base);
        long under = delegate.usableSize(base);
        Block b = new Block(base, front, zones ? usable : under, under);
        if (zones) {
            paintZones(b);
        }
        if (sites || sampleNow()) {
            b.allocSite = Site.capture(siteDepth);
        }
        live.put(base, b);
        byUser.put(b.user, b);
        return b.user;
    }

    /** A block the engine just handed out at {@code base}: the pool verifies the poison of its slot here. */
    void takenFromEngine(long base) {}

    private void paintZones(Block b) {
        heap.fill(b.base, b.front, RED);
        heap.fill(b.user + b.usable, b.base + b.under - b.user - b.usable, RED);
    }

    // ---------------------------------------------------------------- free

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        if (!tracks) {
            delegate.free(address);
            return;
        }
        Block b = requireLive("free", address);
        checkDiscipline(b);
        verifyBeforeFree(b);
        delegate.free(b.base);
        retire(b, sites ? Site.capture(siteDepth) : null, true);
    }

    /** Throws what the engine throws for freeing {@code b} against the discipline (a stack's older block), changing nothing. */
    void checkDiscipline(Block b) {}

    private void verifyBeforeFree(Block b) {
        if (zones) {
            verifyZones("free", b);
        }
        if (sanity) {
            long under = delegate.usableSize(b.base);
            if (under != b.under) {
                throw new HeapCorruptionException(name + ": free(" + hex(b.user) + "): the allocator's usable size of the block at "
                        + hex(b.base) + " changed from " + b.under + " to " + under + " while it was live (its header was overwritten)"
                        + allocatedAt(b.allocSite), b.user);
            }
        }
    }

    /** A block the engine no longer holds: views die, poison, pending, remembered for a double free. */
    final void retire(Block b, @Nullable Site freeSite, boolean poisonIt) {
        live.remove(b.base);
        b.freeSite = freeSite;
        closeScope(b);
        b.freed = true;
        recent.addLast(b);
        if (recent.size() > DebugAllocator.RECENT_FREES) {
            Block old = recent.removeFirst();
            if (byUser.get(old.user) == old) {
                byUser.remove(old.user);
            }
        }
        if (poison && poisonIt) {
            heap.fill(b.base + skip, b.under - skip, POISON);
            b.reported = false;
            pending.put(b.base, b);
        }
    }

    /**
     * Retires every live block in {@code blocks} (released by the engine): zones verified first, the first damage
     * thrown after all are retired.
     */
    final void retireReleased(String op, List<Block> blocks) {
        RedZoneException damage = firstDamage(op, blocks);
        retireAll(blocks, true);
        if (damage != null) {
            throw damage;
        }
    }

    /** The exception for the first damaged red zone of {@code blocks}, or null. */
    final @Nullable RedZoneException firstDamage(String op, List<Block> blocks) {
        if (zones) {
            for (Block b : blocks) {
                long bad = damagedZone(b);
                if (bad >= 0) {
                    return new RedZoneException(zoneMessage(op, b, bad), b.user);
                }
            }
        }
        return null;
    }

    final void retireAll(List<Block> blocks, boolean poisonIt) {
        Site at = sites && !blocks.isEmpty() ? Site.capture(siteDepth) : null;
        for (Block b : blocks) {
            retire(b, at, poisonIt);
        }
    }

    private static void closeScope(Block b) {
        Arena scope = b.scope;
        if (scope != null) {
            b.scope = null;
            try {
                scope.close();
            } catch (IllegalStateException alreadyEndedByTheHeap) {
                // the heap was reset or closed: the views are dead already
            }
        }
    }

    // ---------------------------------------------------------------- resize

    @Override
    public long realloc(long address, long size) {
        if (!tracks) {
            return delegate.realloc(address, size);
        }
        if (address == 0) {
            return malloc(size);
        }
        checkResizeSize("realloc", address, size);
        Block b = requireLive("realloc", address);
        if (size == 0) {
            free(address);
            return 0;
        }
        if (zones) {
            verifyZones("realloc", b);
        }
        touched(b);
        if (size > heap.capacity()) {
            return 0;
        }
        if (resizeInPlace(b, size)) {
            return address;
        }
        return move(b, size);
    }

    /** Moves {@code b} to a block of {@code size} bytes, or returns 0 leaving it untouched. */
    abstract long move(Block b, long size);

    @Override
    public boolean tryExpand(long address, long size) {
        if (!tracks) {
            return delegate.tryExpand(address, size);
        }
        checkTryExpand(address, size);
        Block b = requireLive("tryExpand", address);
        if (zones) {
            verifyZones("tryExpand", b);
        }
        touched(b);
        return size <= heap.capacity() && resizeInPlace(b, size);
    }

    /** Resizes {@code b} within its engine block, or grows the engine block in place; repaints the rear zone. */
    final boolean resizeInPlace(Block b, long size) {
        long usable = zones ? Math.max(size, 16) : size;
        long need = zones ? b.front + usable + ZONE : size;
        if (need > b.under) {
            long before = frontier();
            writeWindow(need - b.under + 2 * ZONE);
            if (!delegate.tryExpand(b.base, need)) {
                return false;
            }
            written(before);
            b.under = delegate.usableSize(b.base);
        }
        b.usable = zones ? usable : b.under;
        if (zones) {
            heap.fill(b.user + b.usable, b.base + b.under - b.user - b.usable, RED);
        }
        return true;
    }

    /** The block record moved by the engine to {@code newBase} (a stack's slide): rekeyed, views closed, zones repainted. */
    final long moved(Block b, long newBase) {
        live.remove(b.base);
        byUser.remove(b.user);
        closeScope(b);
        b.base = newBase;
        b.user = newBase + b.front;
        b.under = delegate.usableSize(newBase);
        live.put(b.base, b);
        byUser.put(b.user, b);
        if (zones) {
            paintZones(b);
        }
        return b.user;
    }

    /** Moves by malloc, copy and free through this layer (an arena's older block). */
    final long copyMove(Block b, long size) {
        long q = allocate(16, size, false);
        if (q == 0) {
            return 0;
        }
        heap.copy(b.user, q, Math.min(b.usable, size));
        Block nb = byUser.get(q);
        if (nb != null && nb.allocSite == null) {
            nb.allocSite = b.allocSite;
        }
        free(b.user);
        return q;
    }

    // ---------------------------------------------------------------- queries and views

    @Override
    public long usableSize(long address) {
        if (!tracks || address == 0) {
            return delegate.usableSize(address);
        }
        Block b = requireLive("usableSize", address);
        touched(b);
        return b.usable;
    }

    @Override
    public MemorySegment segment(long address) {
        if (!tracks) {
            return super.segment(address);
        }
        if (address == 0) {
            throw new InvalidPointerException(name + ": segment(NULL)", 0);
        }
        Block b = requireLive("segment", address);
        touched(b);
        return scopedView(b, b.usable);
    }

    private MemorySegment scopedView(Block b, long length) {
        Arena scope = b.scope;
        if (scope == null) {
            scope = heap.dependentArena();
            b.scope = scope;
        }
        return heap.slice(b.user, length, scope); // rebinding is core's restricted call: this module needs no native access
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

    private void touched(Block b) {
        if ((leaks == LeakLevel.ADVANCED || leaks == LeakLevel.PARANOID) && b.allocSite != null) {
            b.accesses = recordAccess(b.accesses);
        }
    }

    // ---------------------------------------------------------------- checks

    /** The live block at {@code address}, or the exception saying exactly why it is none. */
    final Block requireLive(String op, long address) {
        Block b = byUser.get(address);
        if (b != null && !b.freed) {
            return b;
        }
        Map.Entry<Long, Block> around = live.floorEntry(address);
        if (around != null && address < around.getValue().base + around.getValue().under) {
            Block in = around.getValue();
            // an older block's start that is now inside a live block (its bytes were handed out again): interior
            throw new InvalidPointerException(name + ": " + op + "(" + hex(address) + "): not the start of a live block: inside the live block "
                    + hex(in.user) + " (" + in.usable + " bytes)", address);
        }
        if (b != null) {
            throw doubleFree(op, address, b.usable, b.allocSite, b.freeSite);
        }
        throw invalidPointer(op, address);
    }


    private long damagedZone(Block b) {
        long bad = mismatch(b.base, b.front, RED_BYTES);
        if (bad >= 0) {
            return bad;
        }
        long rear = b.user + b.usable;
        return mismatch(rear, b.base + b.under - rear, RED_BYTES);
    }

    private void verifyZones(String op, Block b) {
        long bad = damagedZone(b);
        if (bad >= 0) {
            throw new RedZoneException(zoneMessage(op, b, bad), b.user);
        }
    }

    private String zoneMessage(String op, Block b, long bad) {
        return zoneMessage(op, b.base, b.user, b.usable, b.under, bad, b.allocSite);
    }

    /** Verifies a pending block's poison (once: a damaged block is reported, then left to the engine). */
    final void verifyPoison(Block q) {
        if (q.reported) {
            return;
        }
        long bad = mismatch(q.base + skip, q.under - skip, POISON_BYTES);
        if (bad >= 0) {
            q.reported = true;
            throw new UseAfterFreeException(poisonMessage(q, bad), q.user);
        }
    }

    private String poisonMessage(Block q, long bad) {
        return poisonMessage(q.user, q.usable, bad, " (found when its bytes were about to be handed out again)", q.freeSite, q.allocSite);
    }

    /** Verifies every live block's zones and every pending block's poison now. */
    public void verify() {
        for (Block b : List.copyOf(live.values())) {
            if (zones) {
                verifyZones("verify", b);
            }
        }
        for (Block q : List.copyOf(pending.values())) {
            verifyPoison(q);
        }
    }

    // ---------------------------------------------------------------- leaks

    @Override
    protected void tallyLiveBlocks(LeakTally tally) {
        for (Block b : live.values()) {
            tally.block(b.allocSite, b.accesses, b.usable);
        }
    }

    // ---------------------------------------------------------------- inspection face

    @Override
    public HeapWalk heapWalk() {
        HeapWalk under = Inspection.of(delegate).heapWalk();
        return tracks ? new Walk(under) : under;
    }

    /** The engine's walk as the caller sees the heap: a live block's extent carries the caller's payload and usable size. */
    private final class Walk extends LayeredWalk {
        Walk(HeapWalk under) {
            super(under);
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            under.walkExtents((kind, start, size, payload, usable) -> {
                if (kind == ExtentKind.ALLOCATED) {
                    Block b = live.get(payload);
                    if (b != null) {
                        return visitor.extent(kind, start, size, b.user, b.usable);
                    }
                }
                return visitor.extent(kind, start, size, payload, usable);
            });
        }

        @Override
        protected void checkLayer(InvariantSink sink) {
            checkZones(sink);
            checkPending(sink);
        }
    }

    @Enforces(DebugInvariants.DEBUG_1)
    private void checkZones(InvariantSink sink) {
        if (!zones) {
            return;
        }
        for (Block b : live.values()) {
            long bad = damagedZone(b);
            if (bad >= 0) {
                sink.violation(DebugInvariants.DEBUG_1, bad, zoneMessage("check", b, bad), "cc", String.format("%02x", heap.getByte(bad) & 0xFF));
            }
        }
    }

    @Enforces(DebugInvariants.DEBUG_2)
    private void checkPending(InvariantSink sink) {
        for (Block q : pending.values()) {
            if (q.reported) {
                continue;
            }
            long bad = mismatch(q.base + skip, q.under - skip, POISON_BYTES);
            if (bad >= 0) {
                sink.violation(DebugInvariants.DEBUG_2, bad, poisonMessage(q, bad), "6b", String.format("%02x", heap.getByte(bad) & 0xFF));
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + ", " + delegate + ")";
    }

    // ================================================================ the disciplines

    /** {@code stack} ({@code lifo}) and {@code arena} under the layer: still a {@link org.jalloc.core.RegionAllocator}. */
    static final class Region extends DisciplineDebug implements org.jalloc.core.RegionAllocator {
        private final org.jalloc.core.RegionAllocator engine;
        private final boolean lifo;
        private final java.util.function.LongConsumer checkRelease;

        Region(org.jalloc.core.RegionAllocator engine, int flags, LeakLevel leaks, String name, boolean lifo,
               java.util.function.LongConsumer checkRelease) {
            super(engine, flags, leaks, name, 0);
            this.engine = engine;
            this.lifo = lifo;
            this.checkRelease = checkRelease;
        }

        @Override
        long frontier() {
            return engine instanceof StackAllocator s ? s.stackPointer() : ((ArenaAllocator) engine).top();
        }

        @Override
        void writeWindow(long bytes) {
            if (!poison) {
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
        void checkDiscipline(Block b) {
            if (lifo && b.base != ((StackAllocator) engine).stackPointer() + StackAllocator.HEADER) {
                delegate.free(b.base); // not the newest block of the newest frame: the engine's exact refusal
                throw new IllegalStateException(name + ": the stack freed an older block"); // unreachable: the engine refuses
            }
        }

        @Override
        long move(Block b, long size) {
            if (!lifo) {
                return copyMove(b, size);
            }
            if (b.base != ((StackAllocator) engine).stackPointer() + StackAllocator.HEADER) {
                return 0; // an older block of a stack cannot move (moving it would free it out of order)
            }
            long request = zones ? b.front + Math.max(size, 16) + ZONE : size;
            long before = frontier();
            writeWindow(request + 2 * ZONE);
            long q = delegate.realloc(b.base, request);
            if (q == 0) {
                return 0;
            }
            written(before);
            long user = moved(b, q);
            b.usable = zones ? Math.max(size, 16) : b.under;
            if (zones) {
                heap.fill(b.user + b.usable, b.base + b.under - b.user - b.usable, RED);
            }
            return user;
        }

        @Override
        public long checkpoint() {
            long before = frontier();
            writeWindow(2 * ZONE);
            long c = engine.checkpoint();
            written(before);
            return c;
        }

        @Override
        public void releaseTo(long checkpoint) {
            engine.releaseTo(checkpoint);
            retireReleased("releaseTo", released());
        }

        /** The live blocks beyond the engine's frontier after a release. */
        private List<Block> released() {
            long f = frontier();
            NavigableMap<Long, Block> gone = lifo ? live.headMap(f, false) : live.tailMap(f, true);
            return new ArrayList<>(gone.values());
        }

        @Override
        public void reset() {
            // everything is verified before the engine resets: the arena gives the pages beyond its first chunk back
            RuntimeException first = null;
            for (Block q : List.copyOf(pending.values())) {
                try {
                    verifyPoison(q);
                } catch (UseAfterFreeException e) {
                    first = first == null ? e : first;
                }
            }
            List<Block> all = new ArrayList<>(live.values());
            RedZoneException damage = firstDamage("reset", all);
            engine.reset();
            pending.clear();
            retireAll(all, false); // no poison: those pages may be the OS's again
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

    /** {@code pool} under the layer: still a {@link org.jalloc.core.FixedSizeAllocator} of the caller's object size. */
    static final class Pool extends DisciplineDebug implements org.jalloc.core.FixedSizeAllocator {
        private final PoolAllocator engine;
        private final long objectSize;

        Pool(PoolAllocator engine, int flags, LeakLevel leaks, String name) {
            super(engine, flags, leaks, name, 8);
            this.engine = engine;
            this.objectSize = engine.objectSize() - zoneBytes(flags);
        }

        @Override
        long frontier() {
            return 0;
        }

        @Override
        void writeWindow(long bytes) {
            // a pool writes only the link word of a slot given back: nothing pending is reached by a take
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
                long first = heap.start() + 16;
                return first % alignment == 0 && engine.objectSize() % alignment == 0 ? super.allocate(16, size, false) : 0;
            }
            return super.allocate(alignment, size, aligned);
        }

        @Override
        void takenFromEngine(long base) {
            Block q = pending.get(base);
            if (q == null) {
                return;
            }
            try {
                verifyPoison(q);
            } catch (UseAfterFreeException e) {
                engine.giveBack(base); // the take is undone: the pool as it was, the damage reported
                throw e;
            }
            pending.remove(base);
        }

        @Override
        long move(Block b, long size) {
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
