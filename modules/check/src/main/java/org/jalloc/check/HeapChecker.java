package org.jalloc.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;

/**
 * Proves a heap well formed from its allocator's {@link HeapWalk}: one walk of the extents (metadata only, no
 * payload reads), one walk of the free structures, the allocator's own checks, and, given a shadow model of the
 * live blocks, the bijection between live blocks and ALLOCATED extents.
 *
 * <p>Every violation found is reported (up to {@link #MAX_VIOLATIONS}; the rest are counted), each with its
 * invariant ID, expected and actual values. The extents of the last walk stay available ({@link #extentCount()},
 * {@link #indexOf}) so callers can verify the payloads of a block and its neighbours.
 *
 * <p>Not thread safe; reuse one instance per heap to keep the walk allocation-free.
 */
public final class HeapChecker {
    /** Violations kept per check; further ones are only counted. */
    public static final int MAX_VIOLATIONS = 64;

    private static final byte ALLOCATED = 0, FREE = 1, METADATA = 2, PADDING = 3;
    private static final ExtentKind[] KINDS = ExtentKind.values();

    // The extents of the last walk, in address order. No array of sizes: an extent is stored only where its
    // predecessor ends (HEAP-1), so extent i's size is the next start (the walk's end for the last) less its own.
    private byte[] kinds = new byte[256];
    private long[] starts = new long[256];
    private long[] payloads = new long[256];
    private long[] usables = new long[256];
    private int count;

    // The free blocks by index, in address order (freeStarts, freeSizes below): as long as the extent arrays (a heap
    // has no more free blocks than extents), so appending one needs no bounds test of its own.
    private int freeCount;
    /** Per free block: 0 not yet listed, 1 listed once, 2 listed more than once. */
    private byte[] seen = new byte[64];

    private final List<Violation> violations = new ArrayList<>();
    private int suppressed;
    private long extentsVisited;

    // Walk state, fields so the visitor lambda allocates nothing per check.
    private long expectedNext;
    private long walkEnd;
    private boolean walkBroken;
    private long entries;
    private int nextFreeGuess;
    private boolean freeTableBuilt;
    private long[] freeTableKeys = new long[0];
    private int[] freeTableValues = new int[0];
    // The flat map from a free block's start to its index (see lookupFree): one bit per grid position from the
    // first free start, the count of set bits before each word, and the free blocks' sizes packed by index.
    private boolean freeBitsUsed;
    private long freeLo;
    private long freeSpan;
    private int freeShift;
    private long[] freeBits = new long[0];
    private int[] freeRank = new int[0];
    private long[] freeSizes = new long[256];
    /** The free blocks' starts packed by index (the free index's own copy: read in order when the map is built). */
    private long[] freeStarts = new long[256];
    private long alignMask;
    private long heapBase;
    private @Nullable HeapWalk current;
    // The visitors are small classes of their own, not method references: the walks call them once per extent and
    // entry, and C2 inlines a visitor into a walk only when it is small (a lambda adds a frame, and a body past
    // 325 bytecodes or compiled past InlineSmallCode stays a call). Their hot paths are a few compares and stores;
    // every report is a call out of line, taken only on a violation.
    private final ExtentVisitor extentVisitor = new Extents();
    private final FreeEntryVisitor entryVisitor = new Entries();
    /** Where the checked walks report the allocator's own violations: held until the walk says it made all its checks. */
    @SuppressWarnings("methodref.receiver.bound") // called only from check(), long after construction
    private final org.jalloc.core.walk.InvariantSink sink = this::hold;
    /** Where checkInvariants reports: straight into the violations. */
    @SuppressWarnings("methodref.receiver.bound") // called only from check(), long after construction
    private final org.jalloc.core.walk.InvariantSink reporter = this::report;
    private final List<Violation> held = new ArrayList<>();
    private final List<Violation> kept = new ArrayList<>();
    private int heldSuppressed;
    private int keptSuppressed;

    /** Checks metadata invariants (HEAP-1..4, HEAP-8 and the allocator's own) without a shadow model. */
    public List<Violation> check(HeapWalk walk) {
        return check(walk, null, null);
    }

    /**
     * Checks every metadata invariant and, when {@code shadow} is given, that the ALLOCATED extents are exactly
     * its live blocks (HEAP-5) with enough usable bytes (HEAP-6).
     *
     * @param usableSize the allocator's {@code usableSize}, cross-checked against the walk for live blocks (may be null)
     * @return the violations found (empty when the heap is well formed); valid until the next call
     */
    public List<Violation> check(HeapWalk walk, @Nullable LiveBlocks shadow, java.util.function.@Nullable LongUnaryOperator usableSize) {
        violations.clear();
        suppressed = 0;
        current = walk;
        held.clear();
        kept.clear();
        heldSuppressed = 0;
        keptSuppressed = 0;
        try {
            boolean extentsChecked = keepHeld(walkExtents(walk));
            if (walk.coalescesImmediately()) {
                checkCoalesced();
            }
            boolean freeStructuresChecked = keepHeld(checkFreeStructures(walk));
            for (Violation v : kept) { // the allocator's checks of the two walks, where checkInvariants would report them
                report(v.invariantId(), v.address(), v.message(), v.expected(), v.actual());
            }
            suppressed += keptSuppressed;
            checkAllocatorInvariants(walk, extentsChecked, freeStructuresChecked);
            if (shadow != null) {
                checkLiveBlocks(shadow, usableSize);
            }
        } finally {
            current = null;
        }
        return violations;
    }

    /** Total extents visited by all walks so far. */
    public long extentsVisited() {
        return extentsVisited;
    }

    /** Violations beyond {@link #MAX_VIOLATIONS} in the last check. */
    public int suppressedViolations() {
        return suppressed;
    }

    /** Number of extents of the last walk. */
    public int extentCount() {
        return count;
    }

    public ExtentKind kind(int i) {
        return KINDS[kinds[i]];
    }

    public long start(int i) {
        return starts[i];
    }

    public long size(int i) {
        return (i + 1 < count ? starts[i + 1] : expectedNext) - starts[i]; // expectedNext: where the last stored extent ends
    }

    public long payload(int i) {
        return payloads[i];
    }

    public long usable(int i) {
        return usables[i];
    }

    /** The index of the extent containing {@code address} in the last walk, or -1. */
    public int indexOf(long address) {
        int i = Arrays.binarySearch(starts, 0, count, address);
        if (i >= 0) {
            return i;
        }
        int before = -i - 2;
        return before >= 0 && address < starts[before] + size(before) ? before : -1;
    }

    /** An allocator's violation found in a checked walk: kept if the walk completes its checks, else dropped. */
    private void hold(String id, long address, String message, String expected, String actual) {
        if (held.size() < MAX_VIOLATIONS) {
            held.add(new Violation(id, address, message, expected, actual));
        } else {
            heldSuppressed++;
        }
    }

    /**
     * Ends a checked walk: when it made all its checks its violations are kept; when not, they are dropped,
     * because {@code checkInvariants} makes those checks again and would report them twice.
     */
    private boolean keepHeld(boolean checked) {
        if (checked) {
            kept.addAll(held);
            keptSuppressed += heldSuppressed;
        }
        held.clear();
        heldSuppressed = 0;
        return checked;
    }

    /** Records a violation (callers outside this class: payload and API checks). */
    void report(String id, long address, String message, String expected, String actual) {
        if (violations.size() < MAX_VIOLATIONS) {
            violations.add(new Violation(id, address, message, expected, actual));
        } else {
            suppressed++;
        }
    }

    /** The extent walk, with the allocator's per-block checks folded in; true when the allocator made them all. */
    @Enforces({Invariants.HEAP_1, Invariants.HEAP_8})
    private boolean walkExtents(HeapWalk walk) {
        count = 0;
        freeCount = 0;
        alignMask = walk.payloadAlignment() - 1;
        heapBase = walk.heap().memory().address();
        expectedNext = walk.walkStart();
        walkEnd = walk.walkEnd();
        walkBroken = false;
        boolean checked = false;
        try {
            checked = walk.walkExtents(extentVisitor, sink);
        } catch (RuntimeException e) {
            report(Invariants.HEAP_8, expectedNext, "the extent walk failed: " + e, "a complete walk", e.getClass().getSimpleName());
            walkBroken = true;
            checked = false;
        }
        extentsVisited += count;
        if (!walkBroken && expectedNext != walkEnd) {
            report(Invariants.HEAP_1, expectedNext, "the walk ended before the break", "last extent ends at " + HeapMap.hex(walkEnd),
                    "ends at " + HeapMap.hex(expectedNext));
        }
        return checked && !walkBroken;
    }

    /** The extent visitor: HEAP-1's tiling test, the extent stored, HEAP-2 tested, a FREE block indexed. */
    private final class Extents implements ExtentVisitor {
        @Override
        public boolean extent(ExtentKind kind, long start, long size, long payload, long usable) {
            HeapChecker c = HeapChecker.this; // one local: a field of the outer class is then one getfield, not two
            int i = c.count;
            if (start != c.expectedNext || size <= 0 || size > c.walkEnd - start || i == c.starts.length) {
                return c.acceptExtentSlow(kind, start, size, payload, usable);
            }
            byte k = (byte) kind.ordinal();
            c.kinds[i] = k;
            c.starts[i] = start;
            c.payloads[i] = payload;
            c.usables[i] = usable;
            c.count = i + 1;
            long end = start + size;
            c.expectedNext = end;
            if (k <= FREE) { // HEAP-2 on the way (one pass over the extents, not a second over the arrays)
                c.acceptBlock(k, start, end, payload, usable);
            }
            return true;
        }
    }

    /** HEAP-2 for the block just stored (ending at {@code end}); a FREE block is appended to the free blocks. */
    @Enforces(Invariants.HEAP_2)
    private void acceptBlock(byte k, long start, long end, long payload, long usable) {
        if ((((payload | (heapBase + payload)) & alignMask) != 0) | payload < start | usable < 0 | payload + usable > end
                | (k == ALLOCATED & usable < 16)) {
            reportBlock(k, start, end - start, payload, usable);
        }
        if (k == FREE) {
            int f = freeCount;
            freeSizes[f] = end - start;
            freeStarts[f] = start;
            freeCount = f + 1;
        }
    }

    /** An extent off the hot path: a break in the tiling (HEAP-1), or full arrays. */
    private boolean acceptExtentSlow(ExtentKind kind, long start, long size, long payload, long usable) {
        if (start != expectedNext) {
            report(Invariants.HEAP_1, start, start > expectedNext ? "gap before extent" : "extent overlaps its predecessor",
                    "extent at " + HeapMap.hex(expectedNext), "extent at " + HeapMap.hex(start));
            walkBroken = true;
            return false;
        }
        if (size <= 0 || size > walkEnd - start) {
            report(Invariants.HEAP_1, start, "extent size out of range", "0 < size <= " + (walkEnd - start), Long.toString(size));
            walkBroken = true;
            return false;
        }
        grow();
        return extentVisitor.extent(kind, start, size, payload, usable);
    }

    /** HEAP-2's reports for a block the visitor found wrong (the same tests, each named). */
    @Enforces(Invariants.HEAP_2)
    private void reportBlock(byte k, long start, long size, long p, long usable) {
        if (((p | (heapBase + p)) & (alignMask)) != 0) {
            report(Invariants.HEAP_2, start, "payload misaligned", "multiple of " + (alignMask + 1), HeapMap.hex(p));
        }
        if (p < start || usable < 0 || p + usable > start + size) {
            report(Invariants.HEAP_2, start, "payload does not fit its block",
                    "[" + HeapMap.hex(p) + ", +" + usable + ") inside [" + HeapMap.hex(start) + ", +" + size + ")", "outside");
        }
        if (k == ALLOCATED && usable < 16) {
            report(Invariants.HEAP_2, start, "live block smaller than the minimum", ">= 16 usable bytes", Long.toString(usable));
        }
    }

    private void grow() {
        int n = starts.length * 2;
        kinds = Arrays.copyOf(kinds, n);
        starts = Arrays.copyOf(starts, n);
        payloads = Arrays.copyOf(payloads, n);
        usables = Arrays.copyOf(usables, n);
        freeSizes = Arrays.copyOf(freeSizes, n);
        freeStarts = Arrays.copyOf(freeStarts, n);
    }

    @Enforces(Invariants.HEAP_4)
    private void checkCoalesced() {
        for (int i = 1; i < count; i++) {
            if (kinds[i] == FREE && kinds[i - 1] == FREE) {
                report(Invariants.HEAP_4, starts[i], "two adjacent free blocks (immediate coalescing promised)",
                        "left neighbour allocated or metadata", "free block at " + HeapMap.hex(starts[i - 1]));
            }
        }
    }

    /** The free-structure walk, with the allocator's per-entry checks folded in; true when it made them all. */
    @Enforces({Invariants.HEAP_3, Invariants.HEAP_8})
    private boolean checkFreeStructures(HeapWalk walk) {
        if (seen.length < freeCount) {
            seen = new byte[Math.max(freeCount, seen.length * 2)];
        }
        Arrays.fill(seen, 0, freeCount, (byte) 0);
        entries = 0;
        nextFreeGuess = 0;
        freeTableBuilt = false;
        freeBitsUsed = false; // lookupFree reads the map only once this check built it
        boolean checked;
        try {
            checked = walk.walkFreeStructures(entryVisitor, sink);
        } catch (RuntimeException e) {
            report(Invariants.HEAP_8, 0, "the free-structure walk failed: " + e, "a complete walk", e.getClass().getSimpleName());
            return false;
        }
        if (walkBroken) {
            return checked; // blocks past the break in the walk are unknown: "missing" reports would be noise
        }
        for (int f = 0; f < freeCount; f++) {
            if (seen[f] == 0) {
                report(Invariants.HEAP_3, freeStarts[f], "free block is in no free structure (lost)", "in exactly one list", "in none");
            }
        }
        return checked;
    }

    /** The entry visitor: the cycle bound, the entry's free block, its size, once only (HEAP-3). */
    private final class Entries implements FreeEntryVisitor {
        @Override
        public boolean entry(int list, long blockStart, long blockSize) {
            HeapChecker c = HeapChecker.this;
            long e = c.entries + 1;
            c.entries = e;
            int f = c.nextFreeGuess;
            if (f >= c.freeCount || c.freeStarts[f] != blockStart) {
                f = c.lookupFree(blockStart); // not the next free block in address order
            } else {
                c.nextFreeGuess = f + 1;
            }
            if (e > (long) c.freeCount + 1 || f < 0) {
                return c.acceptEntrySlow(list, blockStart, e, f);
            }
            byte[] seen = c.seen;
            byte s = seen[f];
            if (s != 0 || c.freeSizes[f] != blockSize) {
                c.reportEntry(list, blockStart, blockSize, f, s);
            } else {
                seen[f] = 1;
            }
            return true;
        }
    }

    /** An entry past the cycle bound, or naming no free block: reported, and the walk stopped where it must. */
    private boolean acceptEntrySlow(int list, long blockStart, long e, int f) {
        @Nullable HeapWalk walk = current; // set for the length of a check; describe() copes with null
        if (e > (long) freeCount + 1) {
            report(Invariants.HEAP_3, blockStart, "free structures hold more entries than there are free blocks (cycle?)",
                    "<= " + freeCount + " entries", "more, stopped at " + describe(walk, list));
            return false;
        }
        int i = indexOf(blockStart);
        String what = i < 0 ? "outside the walked heap"
                : (starts[i] == blockStart ? KINDS[kinds[i]] + " block" : "inside the " + KINDS[kinds[i]] + " extent at " + HeapMap.hex(starts[i]));
        report(Invariants.HEAP_3, blockStart, describe(walk, list) + " names a block that is not free", "a FREE block", what);
        return i >= 0; // a link out of the heap: following it further would read wild memory
    }

    /** HEAP-3's reports for an entry of free block {@code f} with a wrong size or listed before ({@code s} its seen mark). */
    private void reportEntry(int list, long blockStart, long blockSize, int f, byte s) {
        @Nullable HeapWalk walk = current;
        long size = freeSizes[f];
        if (size != blockSize) {
            report(Invariants.HEAP_3, blockStart, describe(walk, list) + " records a wrong size", Long.toString(size), Long.toString(blockSize));
        }
        if (s != 0) {
            if (s == 1) {
                report(Invariants.HEAP_3, blockStart, "free block is in the free structures twice (" + describe(walk, list) + ")",
                        "exactly once", "twice or more");
            }
            seen[f] = 2;
        } else {
            seen[f] = 1;
        }
    }

    private static String describe(@Nullable HeapWalk walk, int list) {
        return walk == null ? "list " + list : walk.describeList(list);
    }

    /**
     * The index into the free blocks of the one starting at {@code start}, or -1, for an entry that is not the next
     * free block in address order (the visitor's guess).
     */
    private int lookupFree(long start) {
        // Lists kept in address order (implicit, address-ordered, bitmap scans) hit the visitor's sequential guess;
        // LIFO lists jump around, and for them a flat map built once per check on the first miss: a bitmap of the
        // free starts on their common grid with a running count of set bits per word (together about one bit
        // per 16 heap bytes, in cache where the extent arrays are not), so the index is a popcount away. Heaps
        // whose free blocks are too sparse for a bitmap get an open-addressing table instead.
        if (!freeBitsUsed) {
            return lookupFreeTable(start); // the map not built yet, or a table
        }
        long d = start - freeLo;
        if (d < 0 || d > freeSpan || (d & ((1L << freeShift) - 1)) != 0) {
            return -1;
        }
        long bit = d >>> freeShift;
        int w = (int) (bit >>> 6);
        long word = freeBits[w];
        long mask = 1L << bit; // shifts take the low six bits
        if ((word & mask) == 0) {
            return -1;
        }
        int f = freeRank[w] + Long.bitCount(word & (mask - 1));
        nextFreeGuess = f + 1;
        return f;
    }

    /** {@link #lookupFree} the first time in a check (the map built here), or where the map is a hash table. */
    private int lookupFreeTable(long start) {
        if (freeCount == 0) {
            return -1;
        }
        if (!freeTableBuilt) {
            buildFreeTable();
            if (freeBitsUsed) {
                return lookupFree(start);
            }
        }
        int mask = freeTableKeys.length - 1;
        for (int i = mix(start) & mask; ; i = (i + 1) & mask) {
            long key = freeTableKeys[i];
            if (key == start) {
                nextFreeGuess = freeTableValues[i] + 1;
                return freeTableValues[i];
            }
            if (key == EMPTY) {
                return -1;
            }
        }
    }

    private static final long EMPTY = Long.MIN_VALUE;
    /** The bitmap is used while it needs at most this many bits per free block (a table entry costs 96). */
    private static final long BITS_PER_FREE_BLOCK = 64;

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    private void buildFreeTable() {
        freeTableBuilt = true;
        freeBitsUsed = false;
        if (freeCount == 0) {
            return;
        }
        long lo = freeStarts[0];
        long hi = freeStarts[freeCount - 1];
        long grid = 0;
        for (int f = 1; f < freeCount; f++) {
            grid |= freeStarts[f] - lo;
        }
        int shift = grid == 0 ? 0 : Long.numberOfTrailingZeros(grid);
        long bits = ((hi - lo) >>> shift) + 1;
        if (bits <= Math.max(1L << 16, BITS_PER_FREE_BLOCK * freeCount)) {
            buildFreeBits(lo, hi - lo, shift, (int) ((bits + 63) >>> 6));
        } else {
            buildFreeHashTable();
        }
    }

    private void buildFreeBits(long lo, long span, int shift, int words) {
        if (freeBits.length < words || freeBits.length > 4 * words) {
            freeBits = new long[words];
            freeRank = new int[words];
        } else {
            Arrays.fill(freeBits, 0, words, 0L);
        }
        for (int f = 0; f < freeCount; f++) {
            long bit = (freeStarts[f] - lo) >>> shift;
            freeBits[(int) (bit >>> 6)] |= 1L << bit;
        }
        int rank = 0;
        for (int w = 0; w < words; w++) {
            freeRank[w] = rank;
            rank += Long.bitCount(freeBits[w]);
        }
        freeLo = lo;
        freeSpan = span;
        freeShift = shift;
        freeBitsUsed = true;
    }

    private void buildFreeHashTable() {
        int capacity = Integer.highestOneBit(Math.max(16, freeCount * 2 - 1)) << 1;
        if (freeTableKeys.length < capacity || freeTableKeys.length > 4 * capacity) {
            freeTableKeys = new long[capacity];
            freeTableValues = new int[capacity];
        }
        Arrays.fill(freeTableKeys, EMPTY);
        int mask = freeTableKeys.length - 1;
        for (int f = 0; f < freeCount; f++) {
            long key = freeStarts[f];
            int i = mix(key) & mask;
            while (freeTableKeys[i] != EMPTY) {
                i = (i + 1) & mask;
            }
            freeTableKeys[i] = key;
            freeTableValues[i] = f;
        }
    }

    @Enforces(Invariants.HEAP_8)
    private void checkAllocatorInvariants(HeapWalk walk, boolean extentsChecked, boolean freeStructuresChecked) {
        try {
            walk.checkInvariants(reporter, extentsChecked, freeStructuresChecked);
        } catch (RuntimeException e) {
            report(Invariants.HEAP_8, 0, "the allocator's own checks failed: " + e, "checks complete", e.getClass().getSimpleName());
        }
    }

    @Enforces({Invariants.HEAP_5, Invariants.HEAP_6})
    private void checkLiveBlocks(LiveBlocks shadow, java.util.function.@Nullable LongUnaryOperator usableSize) {
        // Fast path, O(n) with hash lookups: every ALLOCATED extent is live and the counts agree, which makes
        // the map from extents to live blocks a bijection (extents are distinct). Only on a mismatch is the
        // shadow sorted to name the missing blocks.
        int matched = 0;
        for (int i = 0; i < count; i++) {
            if (kinds[i] != ALLOCATED) {
                continue;
            }
            long p = payloads[i];
            long requested = shadow.requested(p);
            if (requested < 0) {
                report(Invariants.HEAP_5, p, "ALLOCATED block that no live allocation owns (leaked or phantom)", "free, or a live block",
                        "allocated, " + size(i) + " bytes");
                continue;
            }
            matched++;
            if (usables[i] < requested) {
                report(Invariants.HEAP_6, p, "live block smaller than requested", ">= " + requested, Long.toString(usables[i]));
            }
            if (usableSize != null) {
                long told = usableSize.applyAsLong(p);
                if (told != usables[i]) {
                    report(Invariants.HEAP_6, p, "usableSize disagrees with the block walk", Long.toString(usables[i]), Long.toString(told));
                }
            }
        }
        if (matched == shadow.size()) {
            return;
        }
        long[] live = shadow.sortedAddresses();
        for (long p : live) {
            int i = indexOf(p);
            if (i < 0 || kinds[i] != ALLOCATED || payloads[i] != p) {
                reportMissing(p);
            }
        }
    }

    private void reportMissing(long address) {
        if (walkBroken && address >= expectedNext) {
            return; // beyond the point where the walk stopped: already reported as HEAP-1
        }
        int i = indexOf(address);
        String actual;
        if (i < 0) {
            actual = "not in the walk";
        } else if (payloads[i] == address) {
            actual = KINDS[kinds[i]] + " block";
        } else {
            actual = "inside the " + KINDS[kinds[i]] + " extent at " + HeapMap.hex(starts[i]);
        }
        report(Invariants.HEAP_5, address, "live block missing from the walk", "an ALLOCATED block with this payload", actual);
    }
}
