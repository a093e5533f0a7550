package org.jalloc.core.debug;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongToIntFunction;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.Arguments;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.RedZoneException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.UseAfterFreeException;

/**
 * The debug layer: a decorator over any allocator's engine, made from the spec options {@code debug=FZPU} and
 * {@code leaks=LEVEL} ({@link DebugOptions}). With every option off there is no decorator at all; with {@code F} alone
 * no table either: the engines that screen the size word below each payload check F themselves
 * ({@code org.jalloc.core.spi.EngineShadow}: the sizes of live blocks in a shadow outside the heap, no layer), and
 * {@link TaggedSanity} (F's state in a tagged prefix of each block) serves the others.
 *
 * <pre>
 *  one block with Z (front = 16, or the alignment of an alignedAlloc):
 *
 *  base                user = base + front           user + usable          base + underUsable
 *   │ red zone (0xcc)   │ payload: the caller's bytes  │ red zone (0xcc, ≥ 16) │
 *   └───────────────────┴──────────────────────────────┴───────────────────────┘
 *   └─────────────── one block of the underlying allocator (its usableSize = underUsable) ────────┘
 *
 *  tables (one lock when the underlying allocator is concurrent; none when it has a single owner), all primitive
 *  arrays but the sites and scopes, so tracking a block allocates no Java object (F, Z, P):
 *   records     {@link RecordedLayer}'s: block r = base[r], user[r], usable[r], underUsable[r], state[r] (LIVE |
 *               QUARANTINED | REPORTED), allocSite[r], freeSite[r], scope[r], accesses[r]; unused records on a
 *               stack of indices
 *   blocks      user address → r ≥ 0 for every live block (F, Z, P, U or scoped views), → -2 - i for a block
 *               freed since, remembered in slot i of recent: an {@link AddressIndex}, so a free of a live block,
 *               a double free and a bad pointer are each told apart by one lookup (a free then rewrites the value
 *               in the slot it found: one probe per malloc, one per free)
 *   recent      ring of the last {@link #RECENT_FREES} frees: user address, usable size, alloc and free sites. A mark
 *               -2 - i is current while recentUser[i] is its address; once slot i is reused it is forgotten (the
 *               pointer is then invalid), and each time the ring wraps a sweep drops forgotten marks from blocks
 *   quarantine  FIFO ring of the records of freed, poisoned blocks (P), at most {@link #QUARANTINE_BLOCKS} blocks and
 *               min({@link #QUARANTINE_BYTES}, capacity / 8) bytes; the underlying allocator still holds them
 *   sampled     (leaks only, no debug flags) base address → site of the sampled live blocks, with a counting
 *               filter so an unsampled free costs one array load
 * </pre>
 *
 * Invariants (checked through the block walk, {@link DebugInvariants}): DEBUG-1 every live block's red zones hold
 * {@link #RED}; DEBUG-2 every quarantined block holds {@link #POISON} from {@code base} to {@code base + underUsable}.
 * Tables: {@code blocks.get(user[r]) = r ⇔ state[r] = LIVE}; a block freed in the last {@link #RECENT_FREES} frees
 * and not allocated again maps to the slot of its latest free, {@code blocks.get(a) = -2 - i ∧ recentUser[i] = a}.
 *
 * <p>Algorithms:
 * <ol>
 *   <li>malloc(n): ask the engine for {@code front + max(n, 16) + 16} bytes (Z) or {@code n}; paint the zones; take a
 *       record (with its site under U or when sampled: a raw {@link Site}, formatted only if a report needs it); put
 *       it in {@code blocks}; hand out {@code base + front}. When the engine is full and the quarantine holds blocks,
 *       verify and release them all and try once more.</li>
 *   <li>free(p): find p in {@code blocks} (a freed mark: {@link DoubleFreeException} naming both free sites from
 *       {@code recent}; absent: {@link InvalidPointerException}); verify its zones (Z, {@link RedZoneException}); F: the engine's
 *       {@code usableSize} of the block is still what it was; P: verify the poison of the blocks this free pushes
 *       out of the quarantine ({@link UseAfterFreeException}) — every check before any change, so misuse leaves the
 *       heap as it was; then close the block's view scope, note the free in {@code recent}, poison the block and
 *       queue its record (P) or free it in the engine and drop its record.</li>
 *   <li>segment(p), asSegmentAllocator(): a view bound to a per-block arena (one of the heap's dependent arenas), closed
 *       when p is freed, so any later access throws {@link IllegalStateException}.</li>
 *   <li>leaks without a debug letter: an allocation is sampled when a countdown (a random interval of mean
 *       {@link LeakLevel#SAMPLE_INTERVAL}) reaches 0 — an unsampled allocation costs a decrement and no table entry;
 *       a sampled one a raw capture and an entry in {@code sampled}. The report walks the engine's heap: every live
 *       block is counted (totals), sampled ones are grouped by site, the rest in one group without a site.</li>
 * </ol>
 */
public final class DebugAllocator extends RecordedLayer {
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

    private static final int FILTER = 1 << 12;
    private static final int QUARANTINE_RING = 512; // a power of two above QUARANTINE_BLOCKS + 1

    private static final byte QUARANTINED = 2;

    private final DebugOptions options;
    private final @Nullable ReentrantLock lock;
    private final boolean poison;
    private final boolean sanity;
    private final long quarantineBytesMax;


    /** User address → record of every live block, or → -2 - (its slot in recent) for a block freed since. */
    private final AddressIndex blocks = new AddressIndex();
    private int liveCount;

    // quarantined records, FIFO ring
    private final int[] quarantine = new int[QUARANTINE_RING];
    private int quarantineHead;
    private int quarantineSize;
    private long quarantineBytes;

    private final AddressMap<Site> sampled = new AddressMap<>();
    private final int[] filter = new int[FILTER];
    /**
     * Sampled blocks live: an unsampled free looks at the filter only while one is (a thread that frees a sampled
     * block was handed it after its sample was counted, so it never reads 0 for it).
     */
    private int sampledLive;


    DebugAllocator(Allocator delegate, DebugOptions options, String name) {
        super(delegate, name, options.has(DebugOptions.U), options.leaks(), options.tracksBlocks(), options.has(DebugOptions.Z), 0, "");
        this.options = options;
        this.lock = delegate.threadSafety() == ThreadSafety.CONCURRENT ? new ReentrantLock() : null;
        this.poison = options.has(DebugOptions.P);
        this.sanity = options.has(DebugOptions.F);
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

    // ---------------------------------------------------------------- locking

    @Override
    protected void lock() {
        if (lock != null) {
            lock.lock();
        }
    }

    @Override
    protected void unlock() {
        if (lock != null) {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- records

    private int quarantined(int k) {
        return quarantine[(quarantineHead + k) & (QUARANTINE_RING - 1)];
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
        long total = Arguments.callocBytes(name + ": ", count, size);
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
        Arguments.checkAlignedAlloc(name + ": ", alignment, size);
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
            sampled.put(p, site);
            filter[filterSlot(p)]++;
            sampledLive++;
        } finally {
            unlock();
        }
    }

    /** Caller holds the lock. */
    private long allocateTracked(long alignment, long size, boolean aligned) {
        if (size > heap.capacity()) {
            return 0;
        }
        long payload = Math.max(size, 16);
        long front = zones ? alignment : 0;
        long request = zones ? front + payload + ZONE : size;
        long b = engineAllocate(aligned, alignment, request);
        if (b == 0 && quarantineSize > 0) {
            flushQuarantine();
            b = engineAllocate(aligned, alignment, request);
        }
        if (b == 0) {
            return 0;
        }
        long under = delegate.usableSize(b);
        long u = b + front;
        int r = newRecord(b, u, zones ? payload : under, under);
        if (zones) {
            heap.fill(b, front, RED);
            heap.fill(u + payload, under - front - payload, RED);
        }
        if (sites || sampleNow()) {
            allocSite[r] = Site.capture(siteDepth);
        }
        blocks.put(u, r); // replaces the freed mark of an earlier block at the same address
        liveCount++;
        return u;
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
            if (sampledLive != 0 && filter[filterSlot(address)] != 0) {
                unsample(address);
            }
            delegate.free(address);
            return;
        }
        lock();
        try {
            int s = blocks.find(address);
            int r = s < 0 ? AddressIndex.ABSENT : blocks.valueAt(s);
            if (r < 0) {
                throw misuse("free", address, r);
            }
            verifyBeforeFree(r);
            release(r, sites ? Site.capture(siteDepth) : null, s);
        } finally {
            unlock();
        }
    }

    private void unsample(long address) {
        lock();
        try {
            if (sampled.remove(address) != null) {
                filter[filterSlot(address)]--;
                sampledLive--;
            }
        } finally {
            unlock();
        }
    }

    /** Every check of a free, before any change: zones, the engine's view of the block, the quarantine it pushes out. */
    private void verifyBeforeFree(int r) {
        if (zones) {
            verifyZones("free", r);
        }
        if (sanity) {
            long under = delegate.usableSize(base[r]);
            if (under != underUsable[r]) {
                throw new HeapCorruptionException(name + ": free(" + hex(user[r]) + "): the allocator's usable size of the block at "
                        + hex(base[r]) + " changed from " + underUsable[r] + " to " + under + " while it was live (its metadata was overwritten)"
                        + allocatedAt(r), user[r]);
            }
        }
        if (poison) {
            long bytes = quarantineBytes + underUsable[r];
            int count = quarantineSize + 1;
            for (int k = 0; k < quarantineSize; k++) {
                if (count <= QUARANTINE_BLOCKS && bytes <= quarantineBytesMax) {
                    break;
                }
                int q = quarantined(k);
                verifyPoison(q);
                count--;
                bytes -= underUsable[q];
            }
        }
    }

    /** Frees a verified live block (caller holds the lock). */
    private void release(int r, @Nullable Site site) {
        release(r, site, -1);
    }

    /** Frees a verified live block whose entry in {@code blocks} is in slot {@code s} (-1: not known); caller holds the lock. */
    private void release(int r, @Nullable Site site, int s) {
        if (!poison) {
            delegate.free(base[r]); // first: if the engine refuses (its own debugging), the tables stay as they were
        }
        liveCount--;
        closeScope(r);
        int i = rememberFree(r, site);
        blocks.setValueAt(s >= 0 ? s : blocks.find(user[r]), -2 - i);
        if (recentNext == 0) {
            forgetOldFrees();
        }
        if (poison) {
            heap.fill(base[r], underUsable[r], POISON);
            state[r] = QUARANTINED;
            freeSite[r] = site;
            accesses[r] = null;
            quarantine[(quarantineHead + quarantineSize) & (QUARANTINE_RING - 1)] = r;
            quarantineSize++;
            quarantineBytes += underUsable[r];
            while (quarantineSize > 0 && (quarantineSize > QUARANTINE_BLOCKS || quarantineBytes > quarantineBytesMax)) {
                evict();
            }
        } else {
            dropRecord(r);
        }
    }

    /** Drops from {@code blocks} the marks of frees the ring no longer holds (once per {@link #RECENT_FREES} frees). */
    private void forgetOldFrees() {
        for (int s = 0; s < blocks.capacity(); s++) {
            long key;
            int v;
            // removeAt shifts a later entry into s: look at s again
            while ((key = blocks.keyAt(s)) != 0 && (v = blocks.valueAt(s)) <= -2 && recentUser[-2 - v] != key) {
                blocks.removeAt(s);
            }
        }
    }

    private void evict() {
        int q = quarantine[quarantineHead];
        quarantineHead = (quarantineHead + 1) & (QUARANTINE_RING - 1);
        quarantineSize--;
        quarantineBytes -= underUsable[q];
        long b = base[q];
        dropRecord(q);
        delegate.free(b);
    }

    private void flushQuarantine() {
        for (int k = 0; k < quarantineSize; k++) {
            verifyPoison(quarantined(k));
        }
        while (quarantineSize > 0) {
            evict();
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
        checkResizeSize("realloc", address, size);
        lock();
        try {
            int r = requireLive("realloc", address);
            if (size == 0) {
                verifyBeforeFree(r);
                release(r, sites ? Site.capture(siteDepth) : null);
                return 0;
            }
            if (zones) {
                verifyZones("realloc", r);
            }
            touched(r);
            if (size > heap.capacity()) {
                return 0;
            }
            if (expandInPlace(r, size)) {
                return address;
            }
            verifyBeforeFree(r); // before the new block exists: a failed check leaves the heap as it was
            long moved = allocateTracked(16, size, false);
            if (moved == 0) {
                return 0;
            }
            heap.copy(user[r], moved, Math.min(usable[r], size));
            int nr = blocks.get(moved);
            if (nr >= 0 && allocSite[r] != null && allocSite[nr] == null) {
                allocSite[nr] = allocSite[r];
            }
            release(r, sites ? Site.capture(siteDepth) : null);
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
        checkTryExpand(address, size);
        lock();
        try {
            int r = requireLive("tryExpand", address);
            if (zones) {
                verifyZones("tryExpand", r);
            }
            touched(r);
            if (size > heap.capacity()) {
                return false;
            }
            return expandInPlace(r, size);
        } finally {
            unlock();
        }
    }

    /** Resizes in place through the engine, repainting the rear zone; caller holds the lock and verified the zones. */
    private boolean expandInPlace(int r, long size) {
        long payload = Math.max(size, 16);
        if (!zones) {
            if (!delegate.tryExpand(base[r], size)) {
                return false;
            }
            underUsable[r] = delegate.usableSize(base[r]);
            usable[r] = underUsable[r];
            return true;
        }
        long front = user[r] - base[r];
        if (!delegate.tryExpand(base[r], front + payload + ZONE)) {
            return false;
        }
        long under = delegate.usableSize(base[r]);
        usable[r] = payload;
        underUsable[r] = under;
        heap.fill(user[r] + payload, under - front - payload, RED);
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
            return usable[requireLive("usableSize", address)];
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
            int r = requireLive("segment", address);
            touched(r);
            return scopedView(r, usable[r]);
        } finally {
            unlock();
        }
    }

    @Override
    public SegmentAllocator asSegmentAllocator() {
        if (!tracks) {
            return super.asSegmentAllocator();
        }
        return (byteSize, byteAlignment) -> {
            long a = Arguments.allocateForSegment(this, byteSize, byteAlignment);
            lock();
            try {
                return scopedView(requireLive("asSegmentAllocator", a), byteSize);
            } finally {
                unlock();
            }
        };
    }

    // ---------------------------------------------------------------- checks

    /** The record of the live block at {@code address}, or the exception saying exactly why it is none (caller holds the lock). */
    private int requireLive(String op, long address) {
        int r = blocks.get(address);
        if (r >= 0) {
            return r;
        }
        throw misuse(op, address, r);
    }

    /** The exception for {@code op} on {@code address}, which {@code blocks} maps to {@code v} < 0 (caller holds the lock). */
    private RuntimeException misuse(String op, long address, int v) {
        if (v != AddressIndex.ABSENT && recentUser[-2 - v] == address) {
            return recentDoubleFree(op, address, -2 - v);
        }
        return invalidPointer(op, address);
    }

    private String allocatedAt(int r) {
        return allocatedAt(allocSite[r]);
    }

    // ---------------------------------------------------------------- the records, for leaks and the walk

    @Override
    protected int[] liveRecords() {
        int[] live = new int[records];
        int n = 0;
        for (int r = 0; r < records; r++) {
            if (state[r] == LIVE) {
                live[n++] = r;
            }
        }
        return Arrays.copyOf(live, n);
    }

    @Override
    protected int[] heldRecords() {
        int[] held = new int[quarantineSize];
        for (int k = 0; k < held.length; k++) {
            held[k] = quarantined(k);
        }
        return held;
    }

    @Override
    protected LongToIntFunction recordsByBase() {
        AddressIndex byBase = new AddressIndex();
        for (int r = 0; r < records; r++) {
            if (state[r] != 0) {
                byBase.put(base[r], r);
            }
        }
        return byBase::get;
    }

    @Override
    protected void tallyUntracked(LeakTally tally, long payload, long usableBytes) {
        tally.block(sampled.get(payload), null, usableBytes);
    }

    @Override
    public String toString() {
        return "DebugAllocator(" + name + ", " + delegate + ")";
    }

    /** Blocks in quarantine now (tests). */
    public int quarantined() {
        lock();
        try {
            return quarantineSize;
        } finally {
            unlock();
        }
    }
}
