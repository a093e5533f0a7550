package org.jalloc.threadcache;

import java.util.ArrayList;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.PerThreadCaches;
import org.jalloc.core.walk.HeapWalk;

/**
 * A {@link ThreadCacheAllocator} seen through explicit cache handles: the same engine and heap behind
 * {@link AbstractAllocator}, so the argument checks and the edge cases of {@code realloc}, {@code calloc},
 * {@code alignedAlloc}, {@code tryExpand} and {@code usableSize} are the ones every jalloc allocator has.
 *
 * <pre>
 *   ExplicitCacheAllocator ── engine: ThreadCacheAllocator (size classes, central lists, page heap)
 *        ├─ fixed handle      allocator(handle): every call through that handle (single owner, as the handle)
 *        └─ per-thread handles explicitView(), thread-cache:cache=explicit: each calling thread attaches its own
 *                              explicit handle on first use; detachCurrentThread() returns it, the next call attaches
 *                              a new one (concurrent)
 * </pre>
 * Invariant: every handle this view attached and has not detached is in {@code attached} (TC-view); closing the view
 * detaches them all, and closes the engine too when the view owns it ({@code thread-cache:cache=explicit}).
 *
 * <p>Lock order: {@code attached}'s monitor, then the engine's (registry, central list, page heap).
 */
public final class ExplicitCacheAllocator extends AbstractAllocator implements PerThreadCaches {
    private final ThreadCacheAllocator engine;
    private final @Nullable ThreadCache fixed;
    private final ThreadLocal<@Nullable ThreadCache> perThread = new ThreadLocal<>();
    private final List<ThreadCache> attached = new ArrayList<>();
    private final boolean ownsEngine;

    ExplicitCacheAllocator(ThreadCacheAllocator engine, @Nullable ThreadCache fixed, String name, boolean ownsEngine) {
        super(name, Inspection.of(engine).heap());
        this.engine = engine;
        this.fixed = fixed;
        this.ownsEngine = ownsEngine;
    }

    /** One thread at a time through a fixed handle; any thread through per-thread handles. */
    @Override
    public ThreadSafety threadSafety() {
        return fixed != null ? ThreadSafety.SINGLE_OWNER : ThreadSafety.CONCURRENT;
    }

    /** The allocator whose engine this view uses. */
    public ThreadCacheAllocator engine() {
        return engine;
    }

    /** The handle the calling thread's calls go through now (attached on first use in per-thread mode). */
    public ThreadCache handle() {
        ThreadCache f = fixed;
        if (f != null) {
            engine.requireUsable(f);
            return f;
        }
        ThreadCache c = perThread.get();
        return c != null ? c : attach();
    }

    /**
     * Per-thread mode: detaches the calling thread's handle (its cached blocks go back to the central lists); its next
     * call attaches a new one. Fixed mode: detaches the handle; every later call is {@link CacheMisuseException}.
     */
    @Override
    public void detachCurrentThread() {
        ThreadCache f = fixed;
        if (f != null) {
            engine.detach(f);
            return;
        }
        ThreadCache c = perThread.get();
        if (c != null) {
            perThread.remove();
            synchronized (attached) {
                attached.remove(c);
            }
            engine.detach(c);
        }
    }

    /** Per-thread mode: detaches the calling thread's handle, if any, and attaches a new one now. */
    @Override
    public void attachCurrentThread() {
        if (fixed != null) {
            throw new CacheMisuseException(name() + ": a view of one handle cannot attach another; take a new handle with newCache()");
        }
        detachCurrentThread();
        attach();
    }

    private ThreadCache attach() {
        ThreadCache c = engine.newCache();
        synchronized (attached) {
            attached.add(c);
        }
        perThread.set(c);
        return c;
    }

    @Override
    protected long allocate(long size) {
        return engine.allocateFrom(handle(), size);
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        return engine.allocateAlignedFrom(handle(), alignment, size);
    }

    @Override
    protected boolean resize(long address, long size) {
        handle();
        return engine.resize(address, size);
    }

    @Override
    protected void deallocate(long address) {
        engine.freeTo(handle(), address);
    }

    @Override
    protected long usable(long address) {
        return engine.usable(address);
    }

    @Override
    protected HeapWalk walk() {
        return engine.walk();
    }

    @Override
    protected List<AllocatorMetric> metrics() {
        return engine.metrics();
    }

    /** Detaches its handle(s); closes the engine (and the heap) when the view owns it. Calling it again does nothing. */
    @Override
    public void close() {
        List<ThreadCache> mine;
        synchronized (attached) {
            mine = new ArrayList<>(attached);
            attached.clear();
        }
        perThread.remove();
        if (ownsEngine) {
            engine.close();
            return;
        }
        ThreadCache f = fixed;
        if (f != null && !f.isDetached()) {
            mine.add(f);
        }
        for (ThreadCache c : mine) {
            if (!c.isDetached()) {
                engine.detach(c);
            }
        }
    }

    /** The view {@code thread-cache:cache=explicit} makes: it owns {@code engine}. */
    static ExplicitCacheAllocator owning(ThreadCacheAllocator engine, String name) {
        return new ExplicitCacheAllocator(engine, null, name, true);
    }
}
