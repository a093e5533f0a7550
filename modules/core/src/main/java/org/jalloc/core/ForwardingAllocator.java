package org.jalloc.core;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.HeapWalk;

/**
 * An allocator that passes every call to another one; decorators (tracking, checking, locking) override what they
 * add. The FFM adapters ({@link #segment}, {@link #asArena}) go through the decorator, not around it.
 */
public abstract class ForwardingAllocator implements Allocator {
    protected final Allocator delegate;

    protected ForwardingAllocator(Allocator delegate) {
        this.delegate = delegate;
    }

    /** The allocator this one decorates. */
    public Allocator delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ThreadSafety threadSafety() {
        return delegate.threadSafety();
    }

    @Override
    public Heap heap() {
        return delegate.heap();
    }

    @Override
    public long malloc(long size) {
        return delegate.malloc(size);
    }

    @Override
    public long calloc(long count, long size) {
        return delegate.calloc(count, size);
    }

    @Override
    public long realloc(long address, long size) {
        return delegate.realloc(address, size);
    }

    @Override
    public boolean tryExpand(long address, long size) {
        return delegate.tryExpand(address, size);
    }

    @Override
    public void free(long address) {
        delegate.free(address);
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        return delegate.alignedAlloc(alignment, size);
    }

    @Override
    public long usableSize(long address) {
        return delegate.usableSize(address);
    }

    @Override
    public AllocatorStats stats() {
        return delegate.stats();
    }

    @Override
    public long trim() {
        return delegate.trim();
    }

    @Override
    public HeapWalk heapWalk() {
        return delegate.heapWalk();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + delegate + ")";
    }
}
