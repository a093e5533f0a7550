package org.jalloc.core;

/**
 * Records the requested size of every live block (outside the heap) so {@link #stats()} reports live and peak
 * requested bytes, and so utilization can be computed. The wrapper is single-owner whatever it wraps (the table
 * is not synchronized): a concurrent allocator may be wrapped, and is then called by one thread at a time through it.
 */
public final class TrackingAllocator extends ForwardingAllocator {
    private final LiveBlocks live = new LiveBlocks();
    private long peak;

    TrackingAllocator(Allocator delegate) {
        super(delegate);
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    private long record(long address, long requested) {
        if (address != 0) {
            live.put(address, requested, 0);
            peak = Math.max(peak, live.totalRequested());
        }
        return address;
    }

    @Override
    public long malloc(long size) {
        return record(delegate.malloc(size), size);
    }

    @Override
    public long calloc(long count, long size) {
        long address = delegate.calloc(count, size);
        return record(address, count * size);
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        return record(delegate.alignedAlloc(alignment, size), size);
    }

    @Override
    public long realloc(long address, long size) {
        long moved = delegate.realloc(address, size);
        if (address != 0 && (moved != 0 || size == 0)) {
            live.remove(address);
        }
        return record(moved, size);
    }

    @Override
    public boolean tryExpand(long address, long size) {
        boolean ok = delegate.tryExpand(address, size);
        if (ok) {
            record(address, size);
        }
        return ok;
    }

    @Override
    public void free(long address) {
        delegate.free(address);
        live.remove(address);
    }

    /** Live requested bytes right now. */
    /** The size requested for the live block at {@code address}, or -1 if it is not a live block of this tracker. */
    public long requested(long address) {
        return live.requested(address);
    }

    public long liveRequested() {
        return live.totalRequested();
    }

    /** The highest live requested bytes so far. */
    public long peakRequested() {
        return peak;
    }

    @Override
    public AllocatorStats stats() {
        return delegate.stats().withRequested(live.totalRequested(), peak);
    }
}
