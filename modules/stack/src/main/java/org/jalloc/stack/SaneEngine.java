package org.jalloc.stack;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;

/**
 * What the stack, the arena and the pool share when {@code debug=F} alone is the engine itself ({@link EngineSanity}):
 * the F state, made once at construction, and the views that die with their block.
 *
 * <pre>
 *   sanity    null: F off, the engine's own views (AbstractAllocator's)
 *             else: segment(p) and asSegmentAllocator() views from EngineSanity, closed when p is freed, popped,
 *                   released or reset; segment(p) takes p's usable size from the engine's own screen (liveUsable)
 * </pre>
 */
abstract class SaneEngine extends AbstractAllocator {
    /** {@code debug=F} done by this engine (null: off); its key binds a stack header's size. */
    final @Nullable EngineSanity sanity;

    SaneEngine(String name, Heap heap, boolean sane) {
        super(name, heap);
        this.sanity = sane ? new EngineSanity(name, heap) : null;
    }

    /** The usable size of the live block at {@code p}, or the engine's refusal naming {@code op}. */
    abstract long liveUsable(String op, long p);

    /** F: a view of the live block at {@code address} that dies when the block is given back. */
    @Override
    public final MemorySegment segment(long address) {
        EngineSanity v = sanity;
        return v == null ? super.segment(address) : v.segment(address, p -> liveUsable("segment", p));
    }

    /** F: each allocation a view that dies with its block. */
    @Override
    public final SegmentAllocator asSegmentAllocator() {
        EngineSanity v = sanity;
        return v == null ? super.asSegmentAllocator() : v.segmentAllocator(this);
    }
}
