package org.jalloc.testkit.trace;

import java.util.Arrays;

import org.jalloc.core.Allocator;

/**
 * Executes ops against an allocator with a table from id to address, the way mdriver does, and keeps the live
 * requested bytes (realloc replaces a block's size) and their peak: the numerator of utilization.
 *
 * <p>Semantics: an op on an id that is not live is skipped ({@code f}, {@code x}) or allocates ({@code r});
 * {@code a}/{@code c}/{@code m} on a live id leaks the old block (it stays live, unreachable by id). An allocation
 * returning 0 for a non-zero request is out of memory: the id stays not live and {@link #outOfMemory()} is set.
 */
public final class OpRunner {
    private long[] address;
    private long[] requested;
    private long liveRequested;
    private long peakRequested;
    private long executed;
    private long outOfMemoryAt = -1;

    public OpRunner(long ids) {
        int n = (int) Math.max(16, Math.min(ids, 1 << 24));
        address = new long[n];
        requested = new long[n];
    }

    /**
     * Executes {@code op}; returns false if it ran out of memory (an allocation returned 0).
     */
    public boolean apply(Allocator allocator, Op op) {
        int id = op.id();
        if (id >= address.length) {
            int n = Math.max(id + 1, address.length * 2);
            address = Arrays.copyOf(address, n);
            requested = Arrays.copyOf(requested, n);
        }
        executed++;
        boolean ok = true;
        switch (op.kind()) {
            case 'a' -> ok = born(id, allocator.malloc(op.size()), op.size());
            case 'c' -> ok = born(id, allocator.calloc(op.arg(), op.size()), op.requested());
            case 'm' -> ok = born(id, allocator.alignedAlloc(op.arg(), op.size()), op.size());
            case 'f' -> {
                if (id < 0) {
                    allocator.free(0);
                } else if (address[id] != 0) {
                    allocator.free(address[id]);
                    died(id);
                }
            }
            case 'r' -> {
                long old = id >= 0 ? address[id] : 0;
                long moved = allocator.realloc(old, op.size());
                if (op.size() == 0) {
                    if (old != 0) {
                        died(id);
                    }
                } else if (moved == 0) {
                    ok = false;
                } else {
                    if (old != 0) {
                        liveRequested -= requested[id];
                        address[id] = 0;
                    }
                    ok = born(id, moved, op.size());
                }
            }
            case 'x' -> {
                if (address[id] != 0 && allocator.tryExpand(address[id], op.size())) {
                    liveRequested += op.size() - requested[id];
                    requested[id] = op.size();
                    peakRequested = Math.max(peakRequested, liveRequested);
                }
            }
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
        if (!ok && outOfMemoryAt < 0) {
            outOfMemoryAt = executed;
        }
        return ok;
    }

    private boolean born(int id, long a, long size) {
        if (a == 0) {
            return false; // malloc(0) returns a minimum block, so 0 always means the heap is full
        }
        address[id] = a;
        requested[id] = size;
        liveRequested += size;
        peakRequested = Math.max(peakRequested, liveRequested);
        return true;
    }

    private void died(int id) {
        liveRequested -= requested[id];
        address[id] = 0;
        requested[id] = 0;
    }

    /** The address of a live id, or 0. */
    public long address(int id) {
        return id >= 0 && id < address.length ? address[id] : 0;
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
        if (id >= this.address.length || this.address[id] != 0) {
            return false;
        }
        return born(id, address, size);
    }

    /** Frees every live id (ids in ascending order). */
    public void freeAll(Allocator allocator) {
        for (int id = 0; id < address.length; id++) {
            if (address[id] != 0) {
                allocator.free(address[id]);
                died(id);
            }
        }
    }
}
