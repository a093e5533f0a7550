package org.jalloc.check;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.spi.Arguments;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorMisuseException;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.DisciplineViolationException;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.InvalidAlignmentException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.HeapWalk;

/**
 * Checked mode: wraps any allocator, keeps a shadow model of its live blocks, and after every operation walks all
 * blocks (metadata only) with the {@link HeapChecker}. A violation throws one {@link HeapCheckException} carrying
 * every violation found at that operation, the operation, and a heap map around the fault.
 *
 * <h2>Payloads</h2>
 * In {@link Payloads#PATTERN} mode (fuzzing, trace replay) the checker owns the payload bytes: it writes a pattern
 * unique to each block ({@link Patterns}) and verifies the blocks each operation touched plus their neighbours
 * after it, and every live payload every K operations (K = max(64, live blocks), so the cost per operation stays
 * bounded) and on {@link #verifyAll()}. In {@link Payloads#CALLER_OWNED} mode the caller's bytes are left alone
 * and only metadata invariants are checked.
 *
 * <h2>Misuse</h2>
 * Every misuse is detected exactly from the shadow model (double free, an address that is not a live block start,
 * negative sizes, bad alignments) and throws before the wrapped allocator sees the call, so the heap is unchanged
 * byte for byte. The order a {@link org.jalloc.core.RegionAllocator} imposes (a stack's last in, first out) is the
 * allocator's to enforce: its {@link DisciplineViolationException} passes through to the caller, after the heap check,
 * instead of counting as a valid call rejected (API-5).
 *
 * <p>Single owner: not thread safe (concurrent allocators are checked at quiescent points, see testkit).
 */
public final class CheckedAllocator extends ForwardingAllocator {
    /** Who owns the payload bytes. */
    public enum Payloads {
        /** The checker writes and verifies a per-block pattern. */
        PATTERN,
        /** The caller owns the bytes: no payload writes, no payload checks. */
        CALLER_OWNED
    }

    private final HeapWalk walk;
    private final Heap heap;
    private final Payloads payloads;
    private final HeapChecker checker = new HeapChecker();
    private final Patterns patterns = new Patterns();
    private final LiveBlocks live = new LiveBlocks();
    private final LiveBlocks freed = new LiveBlocks();
    private final List<Violation> pending = new ArrayList<>();
    private long nextTag;
    private long operations;
    private long peakRequested;
    private long fullVerifyCountdown = 64;
    private long payloadBytesVerified;

    // The current operation, formatted only when a check fails.
    private String opName = "";
    private long opA;
    private long opB;
    private long opC;
    private int opArgs;

    private final boolean walkEveryOp;

    public CheckedAllocator(Allocator delegate, Payloads payloads) {
        this(delegate, payloads, true, 0);
    }

    /**
     * @param walkEveryOp false for one of several threads sharing a concurrent allocator: each operation is still
     *                    checked against this thread's shadow (API contract, misuse, the touched block's pattern),
     *                    while the heap walk runs at quiescent points ({@code ConcurrentFuzz} in testkit)
     * @param tagBase     first pattern tag (distinct per thread so patterns stay unique across threads)
     */
    public CheckedAllocator(Allocator delegate, Payloads payloads, boolean walkEveryOp, long tagBase) {
        super(delegate);
        this.walk = Inspection.of(delegate).heapWalk();
        this.heap = Inspection.of(delegate).heap();
        this.payloads = payloads;
        this.walkEveryOp = walkEveryOp;
        this.nextTag = tagBase;
    }

    /** Checks with {@link Payloads#PATTERN}. */
    public CheckedAllocator(Allocator delegate) {
        this(delegate, Payloads.PATTERN);
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    /** The shadow model: live payload address to requested size and pattern tag. */
    public LiveBlocks live() {
        return live;
    }

    /** Operations checked so far. */
    public long operations() {
        return operations;
    }

    /** Extents visited by all heap walks so far. */
    public long extentsVisited() {
        return checker.extentsVisited();
    }

    /** Payload bytes compared against their patterns so far. */
    public long payloadBytesVerified() {
        return payloadBytesVerified;
    }

    // ---------------------------------------------------------------- operations

    @Override
    public long malloc(long size) {
        requireSize("malloc", size);
        begin("malloc", 1, size, 0, 0);
        long a = 0;
        try {
            a = delegate.malloc(size);
        } catch (AllocatorMisuseException e) {
            rejected(e);
        }
        if (a != 0) {
            born(a, size);
        }
        after(a, 0);
        return a;
    }

    @Override
    @Enforces(Invariants.API_1)
    public long calloc(long count, long size) {
        long total = Arguments.callocBytes(name() + ": ", count, size);
        begin("calloc", 2, count, size, 0);
        long a = 0;
        try {
            a = delegate.calloc(count, size);
        } catch (AllocatorMisuseException e) {
            rejected(e);
        }
        if (a != 0) {
            long i = firstNonZero(a, total);
            if (i >= 0) {
                pending(Invariants.API_1, a + i, "calloc returned a non-zero byte at payload offset " + i, "0",
                        Integer.toString(heap.getByte(a + i) & 0xFF));
            }
            born(a, total);
        }
        after(a, 0);
        return a;
    }

    @Override
    @Enforces(Invariants.API_3)
    public long alignedAlloc(long alignment, long size) {
        Arguments.checkAlignedAlloc(name() + ": ", alignment, size);
        begin("alignedAlloc", 2, alignment, size, 0);
        long a = 0;
        try {
            a = delegate.alignedAlloc(alignment, size);
        } catch (AllocatorMisuseException e) {
            rejected(e);
        }
        if (a != 0) {
            long real = heap.memory().address() + a;
            if ((a & (alignment - 1)) != 0 || (real & (alignment - 1)) != 0) {
                pending(Invariants.API_3, a, "alignedAlloc returned a misaligned address", "multiple of " + alignment,
                        HeapMap.hex(a) + " (real " + Long.toHexString(real) + ")");
            }
            born(a, size);
        }
        after(a, 0);
        return a;
    }

    @Override
    @Enforces(Invariants.API_2)
    public long realloc(long address, long size) {
        requireSize("realloc", size);
        if (address == 0) {
            begin("realloc", 2, 0, size, 0);
            long a = 0;
            try {
                a = delegate.realloc(0, size);
            } catch (AllocatorMisuseException e) {
                rejected(e);
            }
            if (a != 0) {
                born(a, size);
            }
            after(a, 0);
            return a;
        }
        requireLive("realloc", address);
        begin("realloc", 2, address, size, 0);
        long oldRequested = live.requested(address);
        long tag = live.tag(address);
        long a = address;
        try {
            a = delegate.realloc(address, size);
        } catch (AllocatorMisuseException e) {
            rejected(e);
            after(address, 0);
            return address;
        }
        if (size == 0) {
            if (a != 0) {
                pending(Invariants.API_2, a, "realloc(p, 0) must free p and return NULL", "0", HeapMap.hex(a));
            }
            died(address);
        } else if (a != 0) {
            if (a != address) {
                died(address);
                if (live.contains(a)) {
                    pending(Invariants.HEAP_5, a, "realloc moved the block onto another live block", "a free address", "live block");
                }
                freed.remove(a);
            }
            long keep = Math.min(oldRequested, size);
            if (payloads == Payloads.PATTERN) {
                long bad = patterns.firstMismatch(heap, a, tag, 0, keep);
                if (bad >= 0) {
                    pending(Invariants.API_2, a + bad, "realloc lost content at payload offset " + bad + " (kept " + keep + " bytes)",
                            hexByte(patterns.expectedByte(tag, bad)), hexByte(heap.getByte(a + bad) & 0xFF));
                }
                if (size > oldRequested) {
                    patterns.write(heap, a, tag, oldRequested, size);
                }
            }
            live.put(a, size, tag);
            notePeak();
        }
        after(a == 0 ? address : a, a == 0 || a == address ? 0 : address);
        return a;
    }

    @Override
    @Enforces(Invariants.API_4)
    public boolean tryExpand(long address, long size) {
        requireSize("tryExpand", size);
        if (address == 0) {
            throw new InvalidPointerException(name() + ": tryExpand(NULL): NULL is never a block", 0);
        }
        requireLive("tryExpand", address);
        begin("tryExpand", 2, address, size, 0);
        boolean ok = false;
        try {
            ok = delegate.tryExpand(address, size);
        } catch (AllocatorMisuseException e) {
            rejected(e);
        }
        if (ok) {
            long usable = delegate.usableSize(address);
            if (usable < size) {
                pending(Invariants.API_4, address, "tryExpand succeeded but the block is too small", ">= " + size, Long.toString(usable));
            }
            long old = live.requested(address);
            long tag = live.tag(address);
            if (payloads == Payloads.PATTERN && size > old) {
                patterns.write(heap, address, tag, old, Math.min(size, usable));
            }
            live.put(address, size, tag);
            notePeak();
        }
        after(address, 0);
        return ok;
    }

    @Override
    public void free(long address) {
        if (address == 0) {
            begin("free", 1, 0, 0, 0);
            delegate.free(0);
            after(0, 0);
            return;
        }
        requireLive("free", address);
        begin("free", 1, address, 0, 0);
        try {
            delegate.free(address);
        } catch (AllocatorMisuseException e) {
            rejected(e);
            after(address, 0);
            return;
        }
        died(address);
        after(0, address);
    }

    /** Trims, then proves the heap still well formed and every live payload intact. */
    @Override
    public long trim() {
        begin("trim", 0, 0, 0, 0);
        long released = delegate.trim();
        after(0, 0);
        if (payloads == Payloads.PATTERN) {
            verifyAllPayloads();
            throwIfAny(List.of(), 0);
        }
        return released;
    }

    @Override
    public long usableSize(long address) {
        if (address == 0) {
            return 0;
        }
        requireLive("usableSize", address);
        return delegate.usableSize(address);
    }

    @Override
    public AllocatorStats stats() {
        return delegate.stats().withRequested(live.totalRequested(), peakRequested);
    }

    /**
     * Takes a live block out of this shadow without freeing it, to hand it to another thread's checked view
     * (which {@link #adopt}s it): the remote-free path of concurrent allocators.
     *
     * @return {requested size, pattern tag}
     */
    public long[] handOff(long address) {
        requireLive("handOff", address);
        long[] entry = {live.requested(address), live.tag(address)};
        live.remove(address);
        return entry;
    }

    /** Takes over a block another thread's checked view {@linkplain #handOff handed off}. */
    public void adopt(long address, long requested, long tag) {
        freed.remove(address);
        live.put(address, requested, tag);
    }

    /** Verifies every live payload and every invariant now; throws {@link HeapCheckException} on a violation. */
    public void verifyAll() {
        begin("verifyAll", 0, 0, 0, 0);
        List<Violation> found = checkHeap();
        if (payloads == Payloads.PATTERN) {
            verifyAllPayloads();
        }
        throwIfAny(found, 0);
    }

    // ---------------------------------------------------------------- shadow model

    private static final java.lang.foreign.MemorySegment ZEROS = java.lang.foreign.MemorySegment.ofArray(new long[512]);

    /** The first non-zero byte offset in {@code [address, address + length)}, or -1 (vectorized compares). */
    private long firstNonZero(long address, long length) {
        for (long off = 0; off < length; off += ZEROS.byteSize()) {
            long n = Math.min(ZEROS.byteSize(), length - off);
            long m = java.lang.foreign.MemorySegment.mismatch(ZEROS, 0, n, heap.memory(), address + off, address + off + n);
            if (m >= 0) {
                return off + m;
            }
        }
        return -1;
    }

    private void born(long address, long requested) {
        if (live.contains(address)) {
            pending(Invariants.HEAP_5, address, "the allocator returned a block that is still live", "a free address", "live block");
        }
        if ((address & 15) != 0 || ((heap.memory().address() + address) & 15) != 0) {
            pending(Invariants.HEAP_2, address, "payload not 16-byte aligned", "multiple of 16", HeapMap.hex(address));
        }
        freed.remove(address);
        long tag = ++nextTag;
        if (payloads == Payloads.PATTERN && requested > 0) {
            patterns.write(heap, address, tag, 0, requested);
        }
        live.put(address, requested, tag);
        notePeak();
    }

    private void died(long address) {
        live.remove(address);
        freed.put(address, 0, operations);
    }

    private void notePeak() {
        peakRequested = Math.max(peakRequested, live.totalRequested());
    }

    private void requireSize(String op, long size) {
        if (size < 0) {
            throw new InvalidSizeException(name() + ": " + op + "(" + size + "): negative size");
        }
    }

    private void requireLive(String op, long address) {
        if (live.contains(address)) {
            return;
        }
        if (freed.contains(address)) {
            throw new DoubleFreeException(name() + ": " + op + "(" + HeapMap.hex(address) + "): block already freed", address);
        }
        throw new InvalidPointerException(name() + ": " + op + "(" + HeapMap.hex(address) + "): not the start of a live block of this heap"
                + (address < heap.start() || address >= heap.brk() ? " (outside the heap)" : ""), address);
    }

    @Enforces(Invariants.API_5)
    private void rejected(AllocatorMisuseException e) {
        if (e instanceof DisciplineViolationException d) {
            // A RegionAllocator refusing a call its discipline forbids (out of order, stale) is misuse, not a valid
            // call rejected: the heap is checked as after any operation, then the exception goes to the caller.
            after(0, 0);
            throw d;
        }
        pending(Invariants.API_5, e.address(), "the allocator rejected a valid call: " + e.getMessage(), "accepted",
                e.getClass().getSimpleName());
    }

    // ---------------------------------------------------------------- checking

    private void begin(String name, int args, long a, long b, long c) {
        opName = name;
        opArgs = args;
        opA = a;
        opB = b;
        opC = c;
    }

    private String opText() {
        StringBuilder sb = new StringBuilder(opName).append('(');
        long[] v = {opA, opB, opC};
        for (int i = 0; i < opArgs; i++) {
            sb.append(i == 0 ? "" : ", ").append(v[i]);
        }
        return sb.append(')').toString();
    }

    private void pending(String id, long address, String message, String expected, String actual) {
        pending.add(new Violation(id, address, message, expected, actual));
    }

    private static String hexByte(int b) {
        return String.format("0x%02x", b);
    }

    private List<Violation> checkHeap() {
        return checker.check(walk, live, null);
    }

    /** After each operation: the whole metadata walk, then the payloads the operation touched and their neighbours. */
    private void after(long touched, long touchedNeighbourOf) {
        operations++;
        if (!walkEveryOp) {
            if (payloads == Payloads.PATTERN && touched != 0 && live.contains(touched)) {
                long bad = patterns.firstMismatch(heap, touched, live.tag(touched), 0, live.requested(touched));
                if (bad >= 0) {
                    payloadViolation(touched, live.tag(touched), bad);
                }
            }
            throwIfAny(List.of(), touched);
            return;
        }
        List<Violation> found = checkHeap();
        if (payloads == Payloads.PATTERN) {
            if (touched != 0) {
                verifyAround(touched);
            }
            if (touchedNeighbourOf != 0) {
                verifyAround(touchedNeighbourOf);
            }
            if (--fullVerifyCountdown <= 0) {
                verifyAllPayloads();
                fullVerifyCountdown = Math.max(64, live.size());
            }
        }
        throwIfAny(found, touched != 0 ? touched : touchedNeighbourOf);
    }

    private void throwIfAny(List<Violation> found, long fault) {
        if (found.isEmpty() && pending.isEmpty()) {
            return;
        }
        List<Violation> all = new ArrayList<>(pending);
        all.addAll(found);
        pending.clear();
        // A payload byte an API check already blamed on this operation (realloc lost it) is not reported twice.
        all.removeIf(v -> v.invariantId().equals(Invariants.HEAP_7) && all.stream().anyMatch(
                w -> w.invariantId().startsWith("API-") && w.address() == v.address()));
        long at = all.get(0).address() != 0 ? all.get(0).address() : fault;
        String map = walkEveryOp ? HeapMap.around(walk, at, 6, live) : "(not walked: other threads are running)\n";
        throw new HeapCheckException(name(), all, checker.suppressedViolations(), operations, opText(), map);
    }

    /** Verifies the extent containing {@code address} and its two neighbours, where they are live blocks. */
    private void verifyAround(long address) {
        int i = checker.indexOf(address);
        if (i < 0) {
            return;
        }
        for (int j = Math.max(0, i - 1); j <= Math.min(checker.extentCount() - 1, i + 1); j++) {
            if (checker.kind(j) == ExtentKind.ALLOCATED && live.contains(checker.payload(j))) {
                verifyPayload(checker.payload(j), checker.usable(j));
            }
        }
    }

    private void verifyAllPayloads() {
        live.forEach((address, requested, tag) -> {
            long bad = patterns.firstMismatch(heap, address, tag, 0, requested);
            payloadBytesVerified += requested;
            if (bad >= 0) {
                payloadViolation(address, tag, bad);
            }
        });
    }

    @Enforces({Invariants.HEAP_6, Invariants.HEAP_7})
    private void verifyPayload(long address, long walkedUsable) {
        long requested = live.requested(address);
        long tag = live.tag(address);
        long bad = patterns.firstMismatch(heap, address, tag, 0, requested);
        payloadBytesVerified += requested;
        if (bad >= 0) {
            payloadViolation(address, tag, bad);
        }
        long told = delegate.usableSize(address);
        if (told != walkedUsable) {
            pending(Invariants.HEAP_6, address, "usableSize disagrees with the block walk", Long.toString(walkedUsable), Long.toString(told));
        }
    }

    private void payloadViolation(long address, long tag, long offset) {
        pending(Invariants.HEAP_7, address + offset, "payload of live block " + HeapMap.hex(address) + " changed at offset " + offset,
                hexByte(patterns.expectedByte(tag, offset)), hexByte(heap.getByte(address + offset) & 0xFF));
    }
}
