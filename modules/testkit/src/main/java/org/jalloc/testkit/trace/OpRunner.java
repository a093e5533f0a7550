package org.jalloc.testkit.trace;

import org.jalloc.core.Allocator;

/**
 * Executes ops against an allocator with a table from id to address, the way mdriver does, and keeps the live
 * requested bytes (realloc replaces a block's size) and their peak: the numerator of utilization.
 *
 * <p>Semantics: an op on an id that is not live is skipped ({@code f}, {@code x}) or allocates ({@code r});
 * {@code a}/{@code c}/{@code m} on a live id leaks the old block (it stays live, unreachable by id). An allocation
 * returning 0 for a non-zero request is out of memory: the id stays not live and {@link #outOfMemory()} is set.
 *
 * <p>Memory: the id table ({@link IdTable}) grows with the ids in use, not with the largest id, so a trace naming
 * id 2,147,483,646 costs a few bytes, not 32 GiB.
 */
public final class OpRunner {
    private final IdTable table;
    private long liveRequested;
    private long peakRequested;
    private long executed;
    private long outOfMemoryAt = -1;

    /** A runner expecting about {@code ids} ids (a hint: any id in {@code [0, Integer.MAX_VALUE)} works). */
    public OpRunner(long ids) {
        table = new IdTable(ids);
    }

    /**
     * Executes {@code op}; returns false if it ran out of memory (an allocation returned 0).
     */
    public boolean apply(Allocator allocator, Op op) {
        return apply(allocator, op.kind(), op.id(), op.size(), op.arg());
    }

    /** Executes op {@code index} of {@code ops} (no {@link Op} object is made); false if it ran out of memory. */
    public boolean apply(Allocator allocator, OpList ops, int index) {
        return apply(allocator, ops.kind(index), ops.id(index), ops.size(index), ops.arg(index));
    }

    private boolean apply(Allocator allocator, char kind, int id, long size, long arg) {
        executed++;
        boolean ok = true;
        switch (kind) {
            case 'a' -> ok = born(id, allocator.malloc(size), size);
            case 'c' -> ok = born(id, allocator.calloc(arg, size), saturatingProduct(arg, size));
            case 'm' -> ok = born(id, allocator.alignedAlloc(arg, size), size);
            case 'f' -> {
                if (id < 0) {
                    allocator.free(0);
                } else {
                    long a = table.first(id);
                    if (a != 0) {
                        allocator.free(a);
                        died(id);
                    }
                }
            }
            case 'r' -> {
                long old = id >= 0 ? table.first(id) : 0;
                long moved = allocator.realloc(old, size);
                if (size == 0) {
                    if (old != 0) {
                        died(id);
                    }
                } else if (moved == 0) {
                    ok = false;
                } else {
                    if (old != 0) {
                        died(id);
                    }
                    ok = born(id, moved, size);
                }
            }
            case 'x' -> {
                long a = table.first(id);
                if (a != 0 && allocator.tryExpand(a, size)) {
                    liveRequested += size - table.second(id);
                    table.set(id, a, size);
                    peakRequested = Math.max(peakRequested, liveRequested);
                }
            }
            default -> throw new IllegalArgumentException("unknown op kind '" + kind + "'");
        }
        if (!ok && outOfMemoryAt < 0) {
            outOfMemoryAt = executed;
        }
        return ok;
    }

    private static long saturatingProduct(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    private boolean born(int id, long a, long size) {
        if (a == 0) {
            return false; // malloc(0) returns a minimum block, so 0 always means the heap is full
        }
        table.set(id, a, size);
        liveRequested += size;
        peakRequested = Math.max(peakRequested, liveRequested);
        return true;
    }

    private void died(int id) {
        liveRequested -= table.second(id);
        table.set(id, 0, 0);
    }

    /** The address of a live id, or 0. */
    public long address(int id) {
        return id >= 0 ? table.first(id) : 0;
    }

    public long liveRequested() {
        return liveRequested;
    }

    public long peakRequested() {
        return peakRequested;
    }

    /** Ops executed so far. */
    public long executed() {
        return executed;
    }

    public boolean outOfMemory() {
        return outOfMemoryAt >= 0;
    }

    /** The 1-based number of the first op that ran out of memory, or -1. */
    public long outOfMemoryAt() {
        return outOfMemoryAt;
    }

    /** Forgets a live id without freeing it (its block is handed to another runner); returns its address or 0. */
    public long forget(int id) {
        long a = address(id);
        if (a != 0) {
            died(id);
        }
        return a;
    }

    /** Makes {@code id} own a block another runner {@linkplain #forget forgot}; returns false if the id is live. */
    public boolean adopt(int id, long address, long size) {
        if (id < 0 || table.first(id) != 0) {
            return false;
        }
        return born(id, address, size);
    }

    /** Frees every live id (ids in ascending order). */
    public void freeAll(Allocator allocator) {
        table.forEachSet((id, address, size) -> {
            allocator.free(address);
            died(id);
        });
    }
}
