package org.jalloc.core;

import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.shadow.LiveBlocks;

/** The {@link TrackingAllocator} of {@link Allocators#tracking}: a forwarding wrapper with a table of live blocks. */
final class Tracker extends ForwardingAllocator implements TrackingAllocator {
    private final LiveBlocks live = new LiveBlocks();
    private long peak;

    Tracker(Allocator delegate) {
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

    @Override
    public long requested(long address) {
        return live.requested(address);
    }

    @Override
    public long liveRequested() {
        return live.totalRequested();
    }

    @Override
    public long peakRequested() {
        return peak;
    }

    @Override
    public AllocatorStats stats() {
        return delegate.stats().withRequested(live.totalRequested(), peak);
    }
}
