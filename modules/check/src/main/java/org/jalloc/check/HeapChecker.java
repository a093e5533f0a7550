package org.jalloc.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
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

    // The extents of the last walk, in address order.
    private byte[] kinds = new byte[256];
    private long[] starts = new long[256];
    private long[] sizes = new long[256];
    private long[] payloads = new long[256];
    private long[] usables = new long[256];
    private int count;

    private int[] freeIndex = new int[64];
    private int freeCount;
    private int[] seen = new int[64];

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
        walkExtents(walk);
        checkBlocks(walk);
        if (walk.coalescesImmediately()) {
            checkCoalesced();
        }
        checkFreeStructures(walk);
        checkAllocatorInvariants(walk);
        if (shadow != null) {
            checkLiveBlocks(shadow, usableSize);
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
        return sizes[i];
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
        return before >= 0 && address < starts[before] + sizes[before] ? before : -1;
    }

    /** Records a violation (callers outside this class: payload and API checks). */
    void report(String id, long address, String message, String expected, String actual) {
        if (violations.size() < MAX_VIOLATIONS) {
            violations.add(new Violation(id, address, message, expected, actual));
        } else {
            suppressed++;
        }
    }

    @Enforces({Invariants.HEAP_1, Invariants.HEAP_8})
    private void walkExtents(HeapWalk walk) {
        count = 0;
        expectedNext = walk.walkStart();
        walkEnd = walk.walkEnd();
        walkBroken = false;
        try {
            walk.walkExtents(this::acceptExtent);
        } catch (RuntimeException e) {
            report(Invariants.HEAP_8, expectedNext, "the extent walk failed: " + e, "a complete walk", e.getClass().getSimpleName());
            walkBroken = true;
        }
        extentsVisited += count;
        if (!walkBroken && expectedNext != walkEnd) {
            report(Invariants.HEAP_1, expectedNext, "the walk ended before the break", "last extent ends at " + HeapMap.hex(walkEnd),
                    "ends at " + HeapMap.hex(expectedNext));
        }
    }

    private boolean acceptExtent(ExtentKind kind, long start, long size, long payload, long usable) {
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
        if (count == starts.length) {
            grow();
        }
        kinds[count] = (byte) kind.ordinal();
        starts[count] = start;
        sizes[count] = size;
        payloads[count] = payload;
        usables[count] = usable;
        count++;
        expectedNext = start + size;
        return true;
    }

    private void grow() {
        int n = starts.length * 2;
        kinds = Arrays.copyOf(kinds, n);
        starts = Arrays.copyOf(starts, n);
        sizes = Arrays.copyOf(sizes, n);
        payloads = Arrays.copyOf(payloads, n);
        usables = Arrays.copyOf(usables, n);
    }

    @Enforces(Invariants.HEAP_2)
    private void checkBlocks(HeapWalk walk) {
        long align = walk.payloadAlignment();
        long base = walk.heap().memory().address();
        freeCount = 0;
        for (int i = 0; i < count; i++) {
            byte k = kinds[i];
            if (k == ALLOCATED || k == FREE) {
                long p = payloads[i];
                if (((p | (base + p)) & (align - 1)) != 0) {
                    report(Invariants.HEAP_2, starts[i], "payload misaligned", "multiple of " + align, HeapMap.hex(p));
                }
                if (p < starts[i] || usables[i] < 0 || p + usables[i] > starts[i] + sizes[i]) {
                    report(Invariants.HEAP_2, starts[i], "payload does not fit its block",
                            "[" + HeapMap.hex(p) + ", +" + usables[i] + ") inside [" + HeapMap.hex(starts[i]) + ", +" + sizes[i] + ")",
                            "outside");
                }
                if (k == ALLOCATED && usables[i] < 16) {
                    report(Invariants.HEAP_2, starts[i], "live block smaller than the minimum", ">= 16 usable bytes",
                            Long.toString(usables[i]));
                }
                if (k == FREE) {
                    if (freeCount == freeIndex.length) {
                        freeIndex = Arrays.copyOf(freeIndex, freeCount * 2);
                    }
                    freeIndex[freeCount++] = i;
                }
            }
        }
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

    @Enforces({Invariants.HEAP_3, Invariants.HEAP_8})
    private void checkFreeStructures(HeapWalk walk) {
        if (seen.length < freeCount) {
            seen = new int[Math.max(freeCount, seen.length * 2)];
        }
        Arrays.fill(seen, 0, freeCount, 0);
        entries = 0;
        nextFreeGuess = 0;
        freeTableBuilt = false;
        try {
            walk.walkFreeStructures((list, blockStart, blockSize) -> acceptEntry(walk, list, blockStart, blockSize));
        } catch (RuntimeException e) {
            report(Invariants.HEAP_8, 0, "the free-structure walk failed: " + e, "a complete walk", e.getClass().getSimpleName());
            return;
        }
        if (walkBroken) {
            return; // blocks past the break in the walk are unknown: "missing" reports would be noise
        }
        for (int f = 0; f < freeCount; f++) {
            if (seen[f] == 0) {
                int i = freeIndex[f];
                report(Invariants.HEAP_3, starts[i], "free block is in no free structure (lost)", "in exactly one list", "in none");
            }
        }
    }

    private boolean acceptEntry(HeapWalk walk, int list, long blockStart, long blockSize) {
        entries++;
        if (entries > (long) freeCount + 1) {
            report(Invariants.HEAP_3, blockStart, "free structures hold more entries than there are free blocks (cycle?)",
                    "<= " + freeCount + " entries", "more, stopped at " + walk.describeList(list));
            return false;
        }
        int f = findFree(blockStart);
        if (f < 0) {
            int i = indexOf(blockStart);
            String what = i < 0 ? "outside the walked heap"
                    : (starts[i] == blockStart ? KINDS[kinds[i]] + " block" : "inside the " + KINDS[kinds[i]] + " extent at " + HeapMap.hex(starts[i]));
            report(Invariants.HEAP_3, blockStart, walk.describeList(list) + " names a block that is not free", "a FREE block", what);
            return i >= 0; // a link out of the heap: following it further would read wild memory
        }
        int i = freeIndex[f];
        if (sizes[i] != blockSize) {
            report(Invariants.HEAP_3, blockStart, walk.describeList(list) + " records a wrong size", Long.toString(sizes[i]), Long.toString(blockSize));
        }
        if (++seen[f] == 2) {
            report(Invariants.HEAP_3, blockStart, "free block is in the free structures twice (" + walk.describeList(list) + ")",
                    "exactly once", "twice or more");
        }
        return true;
    }

    /** The index into the free blocks of the one starting at {@code start}, or -1. */
    private int findFree(long start) {
        // Lists kept in address order (implicit, address-ordered, bitmap scans) hit the sequential guess; LIFO
        // lists jump around, and for them an open-addressing table from block start to index, built once per
        // check on the first miss, costs one or two cache misses where a binary search costs twenty.
        int guess = nextFreeGuess;
        if (guess < freeCount && starts[freeIndex[guess]] == start) {
            nextFreeGuess = guess + 1;
            return guess;
        }
        if (!freeTableBuilt) {
            buildFreeTable();
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

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    private void buildFreeTable() {
        int capacity = Integer.highestOneBit(Math.max(16, freeCount * 2 - 1)) << 1;
        if (freeTableKeys.length < capacity || freeTableKeys.length > 4 * capacity) {
            freeTableKeys = new long[capacity];
            freeTableValues = new int[capacity];
        }
        Arrays.fill(freeTableKeys, EMPTY);
        int mask = freeTableKeys.length - 1;
        for (int f = 0; f < freeCount; f++) {
            long key = starts[freeIndex[f]];
            int i = mix(key) & mask;
            while (freeTableKeys[i] != EMPTY) {
                i = (i + 1) & mask;
            }
            freeTableKeys[i] = key;
            freeTableValues[i] = f;
        }
        freeTableBuilt = true;
    }

    @Enforces(Invariants.HEAP_8)
    private void checkAllocatorInvariants(HeapWalk walk) {
        try {
            walk.checkInvariants(this::report);
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
                        "allocated, " + sizes[i] + " bytes");
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
