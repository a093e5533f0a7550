package org.jalloc.core.debug;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.Heap;

/**
 * The views that die with their block, written once for every F that keeps them by address (the heap engines' own F,
 * {@code org.jalloc.core.spi.EngineShadow}; the tagged layer, {@link SanityLayer}; the stack, arena and pool's own F):
 * {@code segment(u)} and {@code asSegmentAllocator} views of a live block are bound to one dependent arena of the heap
 * ({@link Heap#dependentArena()}) per block, made on the first view asked and closed when the block is freed, so any
 * later access through a view throws {@link IllegalStateException} from the FFM runtime.
 *
 * <pre>
 *   arenas   user address (never 0) → the block's arena, only for blocks a view was asked of (no boxing: AddressMap)
 * </pre>
 *
 * Invariant: every arena in {@code arenas} belongs to a live block of its owner; the owner calls {@link #close} (or
 * {@link #closeIn}, {@link #closeAll}) when blocks stop being live, before their memory is handed out again. An arena
 * the heap already ended (a {@link Heap#reset()} or close) is dead already and closes quietly.
 *
 * <p>Not thread safe: a concurrent owner holds its own lock around every call.
 */
public final class BlockViews {
    private final Heap heap;
    private final AddressMap<Arena> arenas = new AddressMap<>();

    public BlockViews(Heap heap) {
        this.heap = heap;
    }

    /** A view of {@code length} bytes at {@code u} that dies with the block; the block's arena is made on first use. */
    public MemorySegment view(long u, long length) {
        Arena s = arenas.get(u);
        if (s == null) {
            s = heap.dependentArena();
            arenas.put(u, s);
        }
        return heap.slice(u, length, s);
    }

    /** How many blocks have live views. */
    public int size() {
        return arenas.size();
    }

    /** The block at {@code u} is no longer live: its views die (nothing when it had none). */
    public void close(long u) {
        closeQuietly(arenas.remove(u));
    }

    /** Every block whose address is in {@code [lo, hi)} is no longer live. */
    public void closeIn(long lo, long hi) {
        for (long u : arenas.keys()) {
            if (u >= lo && u < hi) {
                close(u);
            }
        }
    }

    /** No block is live any more (a reset). */
    public void closeAll() {
        arenas.forEach(BlockViews::closeQuietly);
        arenas.clear();
    }

    /** Closes {@code s} unless it is null or the heap ended it already (a reset or close kills every view at once). */
    public static void closeQuietly(@Nullable Arena s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IllegalStateException alreadyEndedByTheHeap) {
            // the heap was reset or closed: the views are dead already
        }
    }
}
