package org.jalloc.core.debug;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.jalloc.core.Allocator;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.spi.Arguments;

/**
 * What F alone's layer shares with any other over an engine, written once: {@link TaggedSanity} (F's state in a
 * tagged prefix of each block; the heap engines that keep their size word below the payload check F themselves,
 * {@code org.jalloc.core.spi.EngineShadow}, and need no layer). A subclass keeps a {@code state} per live block and
 * says through it what the block's usable size is and whether its views are
 * scoped; this class holds the rest: the ring of recent frees and the misuse it tells apart (double free or invalid
 * pointer), the report of a changed engine size, {@code calloc}, {@code usableSize}, and the views that die with
 * their block ({@code segment}, {@code asSegmentAllocator}: one dependent arena per block, in {@link BlockViews},
 * consulted only for blocks whose state has the scoped bit).
 *
 * <pre>
 *   recent  ring of the last {@link DebugAllocator#RECENT_FREES} frees ({@link RecentFrees})
 *   views   user → the arena of the block's views ({@link BlockViews}), for the blocks whose state is scoped (under
 *           {@code views}' lock)
 * </pre>
 *
 * Invariant: {@code views} holds {@code u} ⇒ {@code u} is live and its state is scoped; a free of a scoped block
 * closes and removes its arena ({@link #closeScope}) before the free goes into the ring.
 *
 * <p>No leak level: these layers serve F alone ({@link TaggedSanity#serves}), so {@code leakReport()} is the
 * disabled one and there is no live block to tally.
 */
abstract class SanityLayer extends DebugLayer {
    /** The least usable size handed out (the checker's HEAP-2 minimum). */
    static final long MIN_PAYLOAD = 16;

    private final DebugOptions options;
    /** The last {@link DebugAllocator#RECENT_FREES} frees. */
    final RecentFrees recent;
    private final BlockViews views;

    SanityLayer(Allocator delegate, DebugOptions options, String name, boolean concurrent) {
        super(delegate, name, false, LeakLevel.DISABLED);
        this.options = options;
        this.recent = new RecentFrees(concurrent);
        this.views = new BlockViews(heap);
    }

    /** The options this layer runs with. */
    public final DebugOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- the state of a live block

    /** The state of the live block at {@code u} (never 0), or the exception saying why {@code u} is none. */
    abstract long liveState(String op, long u);

    /** The caller's usable size of the block whose state is {@code state}. */
    abstract long usable(long state);

    /** Whether the block's views have an arena in the side map. */
    abstract boolean scoped(long state);

    /** Sets the scoped bit in the state of the live block {@code u} (state {@code state}). */
    abstract void markScoped(long u, long state);

    // ---------------------------------------------------------------- misuse

    /** {@code u} is no live block: a double free when it is among the recent frees, else an invalid pointer. */
    final RuntimeException misuse(String op, long u) {
        long usable = recent.usableOf(u);
        return usable >= 0 ? doubleFree(op, u, usable, null, null) : invalidPointer(op, u); // F alone records no sites
    }

    /** The engine's usable size of the block at {@code block} (handed out as {@code u}) is no longer {@code under}. */
    final HeapCorruptionException sizeChanged(String op, long u, long block, long under, long now) {
        return SanityReports.sizeChanged(name, op, u, block, under, now);
    }

    // ---------------------------------------------------------------- operations the same on both layers

    @Override
    public final long calloc(long count, long size) {
        long total = Arguments.callocBytes(name + ": ", count, size);
        long u = malloc(total);
        if (u != 0 && total > 0) {
            heap.fill(u, total, (byte) 0);
        }
        return u;
    }

    @Override
    public final long usableSize(long address) {
        if (address == 0) {
            return delegate.usableSize(0);
        }
        return usable(liveState("usableSize", address));
    }

    @Override
    public final MemorySegment segment(long address) {
        if (address == 0) {
            throw new InvalidPointerException(name + ": segment(NULL)", 0);
        }
        long state = liveState("segment", address);
        return scopedView(address, state, usable(state));
    }

    @Override
    public final SegmentAllocator asSegmentAllocator() {
        return (byteSize, byteAlignment) -> {
            long a = Arguments.allocateForSegment(this, byteSize, byteAlignment);
            return scopedView(a, liveState("asSegmentAllocator", a), byteSize);
        };
    }

    /** A view of the block's first {@code length} bytes that dies when the block is freed. */
    private MemorySegment scopedView(long u, long state, long length) {
        synchronized (views) {
            if (!scoped(state)) {
                markScoped(u, state);
            }
            return views.view(u, length);
        }
    }

    /** Closes the views of the scoped block {@code u}, which is being freed. */
    final void closeScope(long u) {
        synchronized (views) {
            views.close(u);
        }
    }

    @Override
    protected final void tallyLiveBlocks(LeakTally tally) {
        // never asked: F alone has no leak level (TaggedSanity.serves), so leakReport() is the disabled one
    }
}
