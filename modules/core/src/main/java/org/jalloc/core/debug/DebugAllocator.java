package org.jalloc.core.debug;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidAlignmentException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.LeakReport;
import org.jalloc.core.RedZoneException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.UseAfterFreeException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.walk.InvariantSink;

/**
 * The debug layer: a decorator over any allocator's engine, made from the spec options {@code debug=FZPU} and
 * {@code leaks=LEVEL} ({@link DebugOptions}). With every option off there is no decorator at all.
 *
 * <pre>
 *  one block with Z (front = 16, or the alignment of an alignedAlloc):
 *
 *  base                user = base + front           user + usable          base + underUsable
 *   │ red zone (0xcc)   │ payload: the caller's bytes  │ red zone (0xcc, ≥ 16) │
 *   └───────────────────┴──────────────────────────────┴───────────────────────┘
 *   └─────────────── one block of the underlying allocator (its usableSize = underUsable) ────────┘
 *
 *  tables (one lock when the underlying allocator is concurrent; none when it has a single owner):
 *   blocks      user address → Block     every live block (F, Z, P, U or scoped views), and the last
 *               {@link #RECENT_FREES} freed ones (marked freed) to name the first free of a double free
 *   quarantine  FIFO of freed, poisoned blocks (P), at most {@link #QUARANTINE_BLOCKS} blocks and
 *               min({@link #QUARANTINE_BYTES}, capacity / 8) bytes; the underlying allocator still holds them
 *   recent      FIFO of the freed blocks {@code blocks} remembers
 *   sampled     (leaks only, no debug flags) base address → Block of the sampled live blocks, with a counting
 *               filter so an unsampled free costs one array load
 * </pre>
 *
 * Invariants (checked through the block walk, {@link DebugInvariants}): DEBUG-1 every live block's red zones hold
 * {@link #RED}; DEBUG-2 every quarantined block holds {@link #POISON} from {@code base} to {@code base + underUsable}.
 *
 * <p>Algorithms:
 * <ol>
 *   <li>malloc(n): ask the engine for {@code front + max(n, 16) + 16} bytes (Z) or {@code n}; paint the zones; record
 *       the block (with its site under U or when sampled); hand out {@code base + front}. When the engine is full and
 *       the quarantine holds blocks, verify and release them all and try once more.</li>
 *   <li>free(p): find p among the live blocks of {@code blocks} (else {@link DoubleFreeException} naming both free sites, or
 *       {@link InvalidPointerException}); verify its zones (Z, {@link RedZoneException}); F: the engine's
 *       {@code usableSize} of the block is still what it was; P: verify the poison of the blocks this free pushes
 *       out of the quarantine ({@link UseAfterFreeException}) — every check before any change, so misuse leaves the
 *       heap as it was; then close the block's view scope, poison it and queue it (P) or free it in the engine.</li>
 *   <li>segment(p), asSegmentAllocator(): a view bound to a per-block arena (one of the heap's dependent arenas), closed
 *       when p is freed, so any later access throws {@link IllegalStateException}.</li>
 * </ol>
 */
public final class DebugAllocator extends ForwardingAllocator {
    /** Red-zone byte (SLUB's RED_ACTIVE). */
    public static final byte RED = (byte) 0xcc;
    /** Poison of a freed block (SLUB's POISON_FREE). */
    public static final byte POISON = 0x6b;
    /** Red zone bytes before a payload (and at least after it). */
    public static final long ZONE = 16;
    /** Blocks the quarantine holds at most. */
    public static final int QUARANTINE_BLOCKS = 256;
    /** Bytes the quarantine holds at most (also at most an eighth of the heap). */
    public static final long QUARANTINE_BYTES = 1L << 20;
    /** Frees remembered to name the first free of a double free. */
    public static final int RECENT_FREES = 4096;

    private static final java.util.function.Consumer<MemorySegment> NO_CLEANUP = s -> {};
    private static final int FILTER = 1 << 12;
    private static final MemorySegment RED_BYTES = filled(RED);
    private static final MemorySegment POISON_BYTES = filled(POISON);

    private static MemorySegment filled(byte b) {
        byte[] a = new byte[4096];
        java.util.Arrays.fill(a, b);
        return MemorySegment.ofArray(a);
    }

    /** One block the layer knows. */
    static final class Block {
        final long base;
        final long user;
        final long front;
        long usable;
        long underUsable;
        @Nullable Site allocSite;
        @Nullable Site freeSite;
        @Nullable Arena scope;
        @Nullable ArrayDeque<Site> accesses;
        boolean freed;
        boolean quarantined;
        boolean reported;

        Block(long base, long front, long usable, long underUsable) {
            this.base = base;
            this.user = base + front;
            this.front = front;
            this.usable = usable;
            this.underUsable = underUsable;
        }
    }

    private final DebugOptions options;
    private final String name;
    private final Heap heap;
    private final @Nullable ReentrantLock lock;
    private final boolean tracks;
    private final boolean zones;
    private final boolean poison;
    private final boolean sanity;
    private final boolean sites;
    private final LeakLevel leaks;
    private final int siteDepth;
    private final long quarantineBytesMax;

    /** User address → block: every live block and the last {@link #RECENT_FREES} freed ones ({@code freed} set). */
    private final AddressMap<Block> blocks = new AddressMap<>();
    private int liveCount;
    private final ArrayDeque<Block> quarantine = new ArrayDeque<>();
    private long quarantineBytes;
    private final ArrayDeque<Block> recentOrder = new ArrayDeque<>();

    private final AddressMap<Block> sampled = new AddressMap<>();
    private final int[] filter = new int[FILTER];

    private int countdown = 1 + ThreadLocalRandom.current().nextInt(2 * LeakLevel.SAMPLE_INTERVAL - 1);
    private boolean closed;
    private @Nullable LeakReport finalReport;

    DebugAllocator(Allocator delegate, DebugOptions options, String name) {
        super(delegate);
        this.options = options;
        this.name = name;
        this.heap = Inspection.of(delegate).heap();
        this.lock = delegate.threadSafety() == ThreadSafety.CONCURRENT ? new ReentrantLock() : null;
        this.tracks = options.tracksBlocks();
        this.zones = options.has(DebugOptions.Z);
        this.poison = options.has(DebugOptions.P);
        this.sanity = options.has(DebugOptions.F);
        this.sites = options.has(DebugOptions.U);
        this.leaks = options.leaks();
        this.siteDepth = leaks == LeakLevel.PARANOID ? Site.COMPLETE_DEPTH : Site.SHORT_DEPTH;
        this.quarantineBytesMax = Math.min(QUARANTINE_BYTES, heap.capacity() / 8);
    }

    /** Wraps {@code delegate} with {@code options} (tools; users get it from the spec). */
    public static Allocator wrap(Allocator delegate, DebugOptions options) {
        return options.wrap(delegate, options.displayName(delegate.name()));
    }

    /** The options this layer runs with. */
    public DebugOptions options() {
        return options;
    }

    @Override
    public String name() {
        return name;
    }

    // ---------------------------------------------------------------- locking

    private void lock() {
        if (lock != null) {
            lock.lock();
        }
    }

    private void unlock() {
        if (lock != null) {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- sampling

    private boolean sampleNow() {
        return switch (leaks) {
            case DISABLED -> false;
            case PARANOID -> true;
            case SIMPLE, ADVANCED -> {
                // A countdown to a random interval of mean SAMPLE_INTERVAL: no aliasing with periodic workloads, and
                // an unsampled allocation costs a decrement. Threads race on it harmlessly (only the rate varies).
                if (--countdown > 0) {
                    yield false;
                }
                countdown = 1 + ThreadLocalRandom.current().nextInt(2 * LeakLevel.SAMPLE_INTERVAL - 1);
                yield true;
            }
        };
    }

    private static int filterSlot(long address) {
        long h = address * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 52);
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public long malloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException(name + ": malloc(" + size + "): negative size");
        }
        if (!tracks) {
            long p = delegate.malloc(size);
            if (p != 0 && sampleNow()) {
                sample(p);
            }
            return p;
        }
        lock();
        try {
            return allocateTracked(16, size, false);
        } finally {
            unlock();
        }
    }

    @Override
    public long calloc(long count, long size) {
        if (count < 0 || size < 0) {
            throw new InvalidSizeException(name + ": calloc(" + count + ", " + size + "): negative operand");
        }
        long total;
        try {
            total = Math.multiplyExact(count, size);
        } catch (ArithmeticException overflow) {
            throw new InvalidSizeException(name + ": calloc(" + count + ", " + size + "): count * size overflows");
        }
        if (!tracks) {
            long p = delegate.calloc(count, size);
            if (p != 0 && sampleNow()) {
                sample(p);
            }
            return p;
        }
        lock();
        try {
            long p = allocateTracked(16, total, false);
            if (p != 0 && total > 0) {
                heap.fill(p, total, (byte) 0);
            }
            return p;
        } finally {
            unlock();
        }
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new InvalidAlignmentException(name + ": alignedAlloc(" + alignment + ", " + size + "): alignment is not a power of two");
        }
        if (size < 0) {
            throw new InvalidSizeException(name + ": alignedAlloc(" + alignment + ", " + size + "): negative size");
        }
        if (!tracks) {
            long p = delegate.alignedAlloc(alignment, size);
            if (p != 0 && sampleNow()) {
                sample(p);
            }
            return p;
        }
        lock();
        try {
            return allocateTracked(Math.max(16, alignment), size, alignment > 16);
        } finally {
            unlock();
        }
    }

    private void sample(long p) {
        Site site = Site.capture(siteDepth);
        lock();
        try {
            Block b = new Block(p, 0, 0, 0);
            b.allocSite = site;
            sampled.put(p, b);
            filter[filterSlot(p)]++;
        } finally {
            unlock();
        }
    }

    /** Caller holds the lock. */
    private long allocateTracked(long alignment, long size, boolean aligned) {
        if (size > heap.capacity()) {
            return 0;
        }
        long usable = Math.max(size, 16);
        long front = zones ? alignment : 0;
        long request = zones ? front + usable + ZONE : size;
        long base = engineAllocate(aligned, alignment, request);
        if (base == 0 && !quarantine.isEmpty()) {
            flushQuarantine();
            base = engineAllocate(aligned, alignment, request);
        }
        if (base == 0) {
            return 0;
        }
        long under = delegate.usableSize(base);
        Block b = new Block(base, front, zones ? usable : under, under);
        if (zones) {
            heap.fill(base, front, RED);
            heap.fill(b.user + b.usable, under - front - b.usable, RED);
        }
        if (sites || sampleNow()) {
            b.allocSite = Site.capture(siteDepth);
        }
        blocks.put(b.user, b); // replaces a freed block remembered at the same address
        liveCount++;
        return b.user;
    }

    private long engineAllocate(boolean aligned, long alignment, long request) {
        return aligned ? delegate.alignedAlloc(alignment, request) : delegate.malloc(request);
    }

    // ---------------------------------------------------------------- free

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        if (!tracks) {
            if (filter[filterSlot(address)] != 0) {
                unsample(address);
            }
            delegate.free(address);
            return;
        }
        lock();
        try {
            Block b = requireLive("free", address);
            verifyBeforeFree(b);
            release(b, sites ? Site.capture(siteDepth) : null);
        } finally {
            unlock();
        }
    }

    private void unsample(long address) {
        lock();
        try {
            if (sampled.remove(address) != null) {
                filter[filterSlot(address)]--;
            }
        } finally {
            unlock();
        }
    }

    /** Every check of a free, before any change: zones, the engine's view of the block, the quarantine it pushes out. */
    private void verifyBeforeFree(Block b) {
        if (zones) {
            verifyZones("free", b);
        }
        if (sanity) {
            long under = delegate.usableSize(b.base);
            if (under != b.underUsable) {
                throw new HeapCorruptionException(name + ": free(" + hex(b.user) + "): the allocator's usable size of the block at "
                        + hex(b.base) + " changed from " + b.underUsable + " to " + under + " while it was live (its metadata was overwritten)"
                        + allocatedAt(b), b.user);
            }
        }
        if (poison) {
            long bytes = quarantineBytes + b.underUsable;
            int count = quarantine.size() + 1;
            for (Block q : quarantine) {
                if (count <= QUARANTINE_BLOCKS && bytes <= quarantineBytesMax) {
                    break;
                }
                verifyPoison(q);
                count--;
                bytes -= q.underUsable;
            }
        }
    }

    /** Frees a verified live block (caller holds the lock). */
    private void release(Block b, @Nullable Site freeSite) {
        if (!poison) {
            delegate.free(b.base); // first: if the engine refuses (its own debugging), the tables stay as they were
        }
        b.freeSite = freeSite;
        closeScope(b);
        b.freed = true;
        liveCount--;
        recentOrder.addLast(b);
        if (recentOrder.size() > RECENT_FREES) {
            Block old = recentOrder.removeFirst();
            if (blocks.get(old.user) == old) {
                blocks.remove(old.user);
            }
        }
        if (poison) {
            heap.fill(b.base, b.underUsable, POISON);
            b.quarantined = true;
            quarantine.addLast(b);
            quarantineBytes += b.underUsable;
            while (!quarantine.isEmpty() && (quarantine.size() > QUARANTINE_BLOCKS || quarantineBytes > quarantineBytesMax)) {
                evict();
            }
        }
    }

    private void evict() {
        Block q = quarantine.removeFirst();
        quarantineBytes -= q.underUsable;
        q.quarantined = false;
        delegate.free(q.base);
    }

    private void flushQuarantine() {
        for (Block q : quarantine) {
            verifyPoison(q);
        }
        while (!quarantine.isEmpty()) {
            evict();
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
            if (address != 0 && size == 0 && filter[filterSlot(address)] != 0) {
                unsample(address);
            }
            long p = delegate.realloc(address, size);
            if (p != address && address != 0 && size != 0 && p != 0) {
                if (filter[filterSlot(address)] != 0) {
                    unsample(address);
                }
                if (sampleNow()) {
                    sample(p);
                }
            } else if (address == 0 && p != 0 && sampleNow()) {
                sample(p);
            }
            return p;
        }
        if (address == 0) {
            return malloc(size);
        }
        if (size < 0) {
            throw new InvalidSizeException(name + ": realloc(" + hex(address) + ", " + size + "): negative size");
        }
        lock();
        try {
            Block b = requireLive("realloc", address);
            if (size == 0) {
                verifyBeforeFree(b);
                release(b, sites ? Site.capture(siteDepth) : null);
                return 0;
            }
            if (zones) {
                verifyZones("realloc", b);
            }
            touched(b);
            if (size > heap.capacity()) {
                return 0;
            }
            if (expandInPlace(b, size)) {
                return address;
            }
            verifyBeforeFree(b); // before the new block exists: a failed check leaves the heap as it was
            long moved = allocateTracked(16, size, false);
            if (moved == 0) {
                return 0;
            }
            heap.copy(b.user, moved, Math.min(b.usable, size));
            Block nb = blocks.get(moved);
            if (nb != null && b.allocSite != null && nb.allocSite == null) {
                nb.allocSite = b.allocSite;
            }
            release(b, sites ? Site.capture(siteDepth) : null);
            return moved;
        } finally {
            unlock();
        }
    }

    @Override
    public boolean tryExpand(long address, long size) {
        if (!tracks) {
            return delegate.tryExpand(address, size);
        }
        if (address == 0) {
            throw new InvalidPointerException(name + ": tryExpand(NULL): NULL is never a block", 0);
        }
        if (size < 0) {
            throw new InvalidSizeException(name + ": tryExpand(" + hex(address) + ", " + size + "): negative size");
        }
        lock();
        try {
            Block b = requireLive("tryExpand", address);
            if (zones) {
                verifyZones("tryExpand", b);
            }
            touched(b);
            if (size > heap.capacity()) {
                return false;
            }
            return expandInPlace(b, size);
        } finally {
            unlock();
        }
    }

    /** Resizes in place through the engine, repainting the rear zone; caller holds the lock and verified the zones. */
    private boolean expandInPlace(Block b, long size) {
        long usable = Math.max(size, 16);
        if (!zones) {
            if (!delegate.tryExpand(b.base, size)) {
                return false;
            }
            b.underUsable = delegate.usableSize(b.base);
            b.usable = b.underUsable;
            return true;
        }
        if (!delegate.tryExpand(b.base, b.front + usable + ZONE)) {
            return false;
        }
        long under = delegate.usableSize(b.base);
        b.usable = usable;
        b.underUsable = under;
        heap.fill(b.user + usable, under - b.front - usable, RED);
        return true;
    }

    // ---------------------------------------------------------------- queries and views

    @Override
    public long usableSize(long address) {
        if (!tracks || address == 0) {
            return delegate.usableSize(address);
        }
        lock();
        try {
            Block b = requireLive("usableSize", address);
            return b.usable;
        } finally {
            unlock();
        }
    }

    @Override
    public MemorySegment segment(long address) {
        if (!tracks) {
            return super.segment(address);
        }
        if (address == 0) {
            throw new InvalidPointerException(name + ": segment(NULL)", 0);
        }
        lock();
        try {
            Block b = requireLive("segment", address);
            touched(b);
            return scopedView(b, b.usable);
        } finally {
            unlock();
        }
    }

    /** A view of the block's first {@code length} bytes that dies when the block is freed (caller holds the lock). */
    private MemorySegment scopedView(Block b, long length) {
        Arena scope = b.scope;
        if (scope == null) {
            scope = heap.dependentArena();
            b.scope = scope;
        }
        return heap.slice(b.user, length).reinterpret(scope, NO_CLEANUP);
    }

    @Override
    public SegmentAllocator asSegmentAllocator() {
        if (!tracks) {
            return super.asSegmentAllocator();
        }
        return (byteSize, byteAlignment) -> {
            if (byteSize < 0) {
                throw new IllegalArgumentException("negative byteSize " + byteSize);
            }
            if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
                throw new IllegalArgumentException("byteAlignment " + byteAlignment + " is not a power of two");
            }
            long a = byteAlignment <= 16 ? malloc(byteSize) : alignedAlloc(byteAlignment, byteSize);
            if (a == 0) {
                throw new OutOfMemoryError(name + ": heap exhausted allocating " + byteSize + " bytes");
            }
            lock();
            try {
                Block b = requireLive("asSegmentAllocator", a);
                return scopedView(b, byteSize);
            } finally {
                unlock();
            }
        };
    }

    private void touched(Block b) {
        if ((leaks == LeakLevel.ADVANCED || leaks == LeakLevel.PARANOID) && b.allocSite != null) {
            ArrayDeque<Site> a = b.accesses;
            if (a == null) {
                a = new ArrayDeque<>();
                b.accesses = a;
            }
            a.addFirst(Site.capture(Site.SHORT_DEPTH));
            while (a.size() > LeakLevel.RECENT_ACCESSES) {
                a.removeLast();
            }
        }
    }

    // ---------------------------------------------------------------- checks

    /** The live block at {@code address}, or the exception saying exactly why it is none (caller holds the lock). */
    private Block requireLive(String op, long address) {
        Block b = blocks.get(address);
        if (b != null && !b.freed) {
            return b;
        }
        Block gone = b;
        if (gone != null) {
            Site now = sites ? Site.capture(siteDepth) : null;
            throw new DoubleFreeException(name + ": " + op + "(" + hex(address) + "): block already freed (" + gone.usable + " bytes)"
                    + allocatedAt(gone) + "\n  first freed at:\n" + siteText(gone.freeSite)
                    + "  " + (op.equals("free") ? "freed again" : op) + " at:\n" + siteText(now), address);
        }
        throw new InvalidPointerException(name + ": " + op + "(" + hex(address) + "): not the start of a live block of this heap"
                + (address < heap.start() || address >= heap.brk() ? " (outside the heap)" : ""), address);
    }

    private String allocatedAt(Block b) {
        return b.allocSite == null ? (sites ? "" : " (add U to debug= to record sites)") : "\n  allocated at:\n" + b.allocSite.format("    ");
    }

    private String siteText(@Nullable Site s) {
        return s == null ? "    (not recorded: add U to debug=)\n" : s.format("    ");
    }

    /** The first byte of {@code [from, from + length)} that is not {@code expected}'s byte, or -1. */
    private long mismatch(long from, long length, MemorySegment expected) {
        MemorySegment memory = heap.memory();
        for (long off = 0; off < length; off += expected.byteSize()) {
            long n = Math.min(expected.byteSize(), length - off);
            long m = MemorySegment.mismatch(expected, 0, n, memory, from + off, from + off + n);
            if (m >= 0) {
                return from + off + m;
            }
        }
        return -1;
    }

    /** The first damaged red-zone byte of {@code b}, or -1. */
    private long damagedZone(Block b) {
        long bad = mismatch(b.base, b.front, RED_BYTES);
        if (bad >= 0) {
            return bad;
        }
        long rear = b.user + b.usable;
        return mismatch(rear, b.base + b.underUsable - rear, RED_BYTES);
    }

    private void verifyZones(String op, Block b) {
        long bad = damagedZone(b);
        if (bad >= 0) {
            throw new RedZoneException(zoneMessage(op, b, bad), b.user);
        }
    }

    private String zoneMessage(String op, Block b, long bad) {
        boolean under = bad < b.user;
        long zoneStart = under ? b.base : b.user + b.usable;
        long zoneEnd = under ? b.user : b.base + b.underUsable;
        long shown = Math.min(16, zoneEnd - zoneStart);
        long offset = bad - b.user;
        return name + ": " + op + "(" + hex(b.user) + "): red zone " + (under ? "before" : "after") + " block " + hex(b.user)
                + " (" + b.usable + " bytes) overwritten at payload offset " + offset + " (" + (under ? "underrun" : "overrun")
                + "): zone bytes found [" + bytes(zoneStart, shown) + (shown < zoneEnd - zoneStart ? " ..." : "") + "], expected cc"
                + allocatedAt(b);
    }

    private void verifyPoison(Block q) {
        if (q.reported) {
            return; // reported once; the block leaves quarantine with its damage
        }
        long bad = mismatch(q.base, q.underUsable, POISON_BYTES);
        if (bad >= 0) {
            q.reported = true;
            throw new UseAfterFreeException(poisonMessage(q, bad), q.user);
        }
    }

    private String poisonMessage(Block q, long bad) {
        return name + ": write after free into block " + hex(q.user) + " (" + q.usable + " bytes): first changed byte at payload offset "
                + (bad - q.user) + " (" + hex(bad) + "): found " + String.format("0x%02x", heap.getByte(bad) & 0xFF) + ", expected 0x6b"
                + "\n  freed at:\n" + siteText(q.freeSite) + (q.allocSite == null ? "" : "  allocated at:\n" + q.allocSite.format("    "));
    }

    private String bytes(long from, long n) {
        byte[] b = new byte[(int) n];
        for (int i = 0; i < n; i++) {
            b[i] = heap.getByte(from + i);
        }
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    /**
     * Verifies every live block's red zones and every quarantined block's poison now.
     *
     * @throws RedZoneException      for the first damaged zone
     * @throws UseAfterFreeException for the first changed poison byte
     */
    public void verify() {
        lock();
        try {
            for (Block b : liveBlocks()) {
                if (zones) {
                    verifyZones("verify", b);
                }
            }
            for (Block q : quarantine) {
                verifyPoison(q);
            }
        } finally {
            unlock();
        }
    }

    private List<Block> liveBlocks() {
        List<Block> all = new ArrayList<>(liveCount);
        blocks.forEach(b -> {
            if (!b.freed) {
                all.add(b);
            }
        });
        return all;
    }

    // ---------------------------------------------------------------- leaks

    @Override
    public LeakReport leakReport() {
        lock();
        try {
            if (closed) {
                LeakReport last = finalReport;
                return last != null ? last : LeakReport.disabled(name);
            }
            return report();
        } finally {
            unlock();
        }
    }

    private record Key(List<String> frames) {}

    private LeakReport report() {
        if (leaks == LeakLevel.DISABLED) {
            return LeakReport.disabled(name);
        }
        Map<Key, long[]> counts = new HashMap<>();
        Map<Key, List<List<String>>> accesses = new HashMap<>();
        long[] total = new long[2];
        java.util.function.BiConsumer<Block, Long> add = (b, bytes) -> {
            Key k = new Key(b.allocSite == null ? List.of() : b.allocSite.frames());
            long[] c = counts.computeIfAbsent(k, x -> new long[2]);
            c[0]++;
            c[1] += bytes;
            total[0]++;
            total[1] += bytes;
            if (b.accesses != null && !accesses.containsKey(k)) {
                accesses.put(k, b.accesses.stream().map(Site::frames).toList());
            }
        };
        if (tracks) {
            for (Block b : liveBlocks()) {
                add.accept(b, b.usable);
            }
        } else {
            Block unsampled = new Block(0, 0, 0, 0);
            Inspection.of(delegate).heapWalk().walkExtents((kind, start, size, payload, usable) -> {
                if (kind == ExtentKind.ALLOCATED) {
                    Block s = sampled.get(payload);
                    add.accept(s != null ? s : unsampled, usable);
                }
                return true;
            });
        }
        List<LeakReport.Group> groups = new ArrayList<>();
        counts.forEach((k, c) -> groups.add(new LeakReport.Group(k.frames(), c[0], c[1], accesses.getOrDefault(k, List.of()))));
        groups.sort(Comparator.comparingLong(LeakReport.Group::bytes).reversed().thenComparing(g -> -g.blocks()));
        return new LeakReport(name, leaks, total[0], total[1], groups);
    }

    // ---------------------------------------------------------------- close

    /** Prints the leak report (when leaks are tracked and something is live), then closes the heap and its views. */
    @Override
    public void close() {
        lock();
        try {
            if (closed) {
                return;
            }
            if (leaks != LeakLevel.DISABLED) {
                LeakReport r = report();
                finalReport = r;
                if (!r.isEmpty()) {
                    System.err.print(r.format());
                }
            }
            closed = true;
        } finally {
            unlock();
        }
        delegate.close();
    }

    // ---------------------------------------------------------------- inspection face

    @Override
    public HeapWalk heapWalk() {
        HeapWalk under = Inspection.of(delegate).heapWalk();
        return tracks ? new Walk(under) : under;
    }

    /**
     * The engine's walk as the caller sees the heap: a live block's ALLOCATED extent carries the caller's payload and
     * usable size; a quarantined block is METADATA (the debug layer holds it); the layer's invariants join the
     * engine's.
     */
    private final class Walk implements HeapWalk {
        private final HeapWalk under;

        Walk(HeapWalk under) {
            this.under = under;
        }

        @Override
        public Heap heap() {
            return under.heap();
        }

        @Override
        public long walkStart() {
            return under.walkStart();
        }

        @Override
        public long walkEnd() {
            return under.walkEnd();
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            // Engine payload → block, built per walk (the walk is O(heap) anyway), so malloc and free keep one table.
            AddressMap<Block> byBase = new AddressMap<>();
            for (Block b : liveBlocks()) {
                byBase.put(b.base, b);
            }
            for (Block q : quarantine) {
                byBase.put(q.base, q);
            }
            under.walkExtents((kind, start, size, payload, usable) -> {
                if (kind == ExtentKind.ALLOCATED) {
                    Block b = byBase.get(payload);
                    if (b != null) {
                        return b.quarantined ? visitor.extent(ExtentKind.METADATA, start, size, 0, 0)
                                : visitor.extent(kind, start, size, b.user, b.usable);
                    }
                }
                return visitor.extent(kind, start, size, payload, usable);
            });
        }

        @Override
        public void walkFreeStructures(FreeEntryVisitor visitor) {
            under.walkFreeStructures(visitor);
        }

        @Override
        public boolean coalescesImmediately() {
            return under.coalescesImmediately();
        }

        @Override
        public long payloadAlignment() {
            return under.payloadAlignment();
        }

        @Override
        public long externalMetadataBytes() {
            return under.externalMetadataBytes();
        }

        @Override
        public String describeList(int list) {
            return under.describeList(list);
        }

        @Override
        public void checkInvariants(InvariantSink sink) {
            under.checkInvariants(sink);
            checkZones(sink);
            checkQuarantine(sink);
        }
    }

    @Enforces(DebugInvariants.DEBUG_1)
    private void checkZones(InvariantSink sink) {
        if (!zones) {
            return;
        }
        liveBlocks().forEach(b -> {
            long bad = damagedZone(b);
            if (bad >= 0) {
                sink.violation(DebugInvariants.DEBUG_1, bad, zoneMessage("check", b, bad), "cc", String.format("%02x", heap.getByte(bad) & 0xFF));
            }
        });
    }

    @Enforces(DebugInvariants.DEBUG_2)
    private void checkQuarantine(InvariantSink sink) {
        for (Block q : quarantine) {
            long bad = mismatch(q.base, q.underUsable, POISON_BYTES);
            if (bad >= 0) {
                sink.violation(DebugInvariants.DEBUG_2, bad, poisonMessage(q, bad), "6b", String.format("%02x", heap.getByte(bad) & 0xFF));
            }
        }
    }

    @Override
    public String toString() {
        return "DebugAllocator(" + name + ", " + delegate + ")";
    }

    /** Blocks in quarantine now (tests). */
    public int quarantined() {
        lock();
        try {
            return quarantine.size();
        } finally {
            unlock();
        }
    }
}
