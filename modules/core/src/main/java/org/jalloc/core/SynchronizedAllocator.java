package org.jalloc.core;

import org.jalloc.core.spi.ForwardingAllocator;

/**
 * Makes a single-owner allocator safe for many threads with one lock around every call, the simplest concurrent
 * allocator there is (and the baseline a thread-caching one must beat). Walking the heap 
 * (the inspection face) is only meaningful while no other thread is inside the allocator.
 */
final class SynchronizedAllocator extends ForwardingAllocator {
    private final Object lock = new Object();

    SynchronizedAllocator(Allocator delegate) {
        super(delegate);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.CONCURRENT;
    }

    @Override
    public long malloc(long size) {
        synchronized (lock) {
            return delegate.malloc(size);
        }
    }

    @Override
    public long calloc(long count, long size) {
        synchronized (lock) {
            return delegate.calloc(count, size);
        }
    }

    @Override
    public long realloc(long address, long size) {
        synchronized (lock) {
            return delegate.realloc(address, size);
        }
    }

    @Override
    public boolean tryExpand(long address, long size) {
        synchronized (lock) {
            return delegate.tryExpand(address, size);
        }
    }

    @Override
    public void free(long address) {
        synchronized (lock) {
            delegate.free(address);
        }
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        synchronized (lock) {
            return delegate.alignedAlloc(alignment, size);
        }
    }

    @Override
    public long usableSize(long address) {
        synchronized (lock) {
            return delegate.usableSize(address);
        }
    }

    @Override
    public AllocatorStats stats() {
        synchronized (lock) {
            return delegate.stats();
        }
    }

    @Override
    public long trim() {
        synchronized (lock) {
            return delegate.trim();
        }
    }
}
