package org.jalloc.core.spi;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspectable;
import org.jalloc.core.walk.Inspection;

/**
 * An allocator that passes every call to another one; decorators (tracking, checking, locking) override what they
 * add. The FFM adapters ({@link #segment}, {@link #asArena}) go through the decorator, not around it. The inspection
 * face is the delegate's ({@link Inspection#of} of the delegate: it throws when the delegate has none).
 */
public abstract class ForwardingAllocator implements Allocator, Inspectable {
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
        return Inspection.of(delegate).heap();
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
    public org.jalloc.core.LeakReport leakReport() {
        return delegate.leakReport();
    }

    @Override
    public long trim() {
        return delegate.trim();
    }

    @Override
    public HeapWalk heapWalk() {
        return Inspection.of(delegate).heapWalk();
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
