package org.jalloc.core.spi;

import java.lang.foreign.MemorySegment;

import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.debug.BlockViews;
import org.jalloc.core.debug.RecentFrees;
import org.jalloc.core.debug.SanityReports;
import org.jalloc.core.memory.Heap;

/**
 * {@code debug=F} alone done by a <b>concurrent</b> engine that finds its blocks exactly itself (slub: page map, slot
 * arithmetic and its state map, all outside the heap; thread-cache: its page map, state map and a mark per payload), where {@link EngineShadow} serves single owners only: what such
 * an engine keeps besides its own checks, written once — the ring of recent frees in its concurrent mode (a double free
 * told from an invalid pointer, with the recent free's size), the views that die at free (one lock around
 * {@link BlockViews}, taken only by {@code segment} and by the free of a block that had a view) and the texts of F's
 * reports ({@link SanityReports}, the same as every F's). The engine keeps everything else in its own final
 * {@code malloc}/{@code free} path (no wrapper's call): its screen, a head word below each payload for the size check
 * and the 1-byte underrun, and an atomic claim of the block at free so two racing frees cannot both pass.
 *
 * <pre>
 *   recent   RecentFrees(concurrent): the last DebugAllocator.RECENT_FREES frees (address, usable)
 *   views    BlockViews under this object's lock: u → the arena of u's views, for blocks whose head says SCOPED
 * </pre>
 *
 * Invariant: {@code views} holds {@code u} ⇒ {@code u} is live and its engine marked it scoped before the view was made
 * (a free that finds the mark closes the arena under the same lock).
 *
 * <p>Made once by {@link #claim}, before the engine hands out a block; the engine's name becomes {@code NAME:debug=F}
 * and {@link AbstractAllocator}'s own refusals carry it. If {@link EngineShadow} comes to serve concurrent engines, an
 * engine using this needs only its head word ({@link SizeWordOnRequest}) and can drop its own screen.
 */
public final class EngineSanity {
    private final String name;
    private final Heap heap;
    private final RecentFrees recent = new RecentFrees(true);
    private final BlockViews views;

    private EngineSanity(String name, Heap heap) {
        this.name = name;
        this.heap = heap;
        this.views = new BlockViews(heap);
    }

    /** {@code engine} checks F alone itself from now on, under {@code displayName} ({@code slub:debug=F}). */
    public static EngineSanity claim(AbstractAllocator engine, String displayName) {
        engine.checkFreesItself(displayName);
        return new EngineSanity(displayName, engine.heap);
    }

    public String name() {
        return name;
    }

    /** {@code u} is no live block: a double free when it is among the recent frees, else an invalid pointer. */
    public RuntimeException misuse(String op, long u) {
        long usable = recent.usableOf(u);
        return usable >= 0 ? doubleFree(op, u, usable) : SanityReports.invalidPointer(name, heap, op, u);
    }

    /** {@code op} on {@code u}, which another thread is freeing or has just freed ({@code usable} bytes). */
    public DoubleFreeException doubleFree(String op, long u, long usable) {
        return SanityReports.doubleFree(name, op, u, usable);
    }

    /** The head word of {@code u} is no size of this heap (an underrun into it): an invalid pointer, nothing freed. */
    public InvalidPointerException invalidPointer(String op, long u) {
        return SanityReports.invalidPointer(name, heap, op, u);
    }

    /**
     * The size word below the live payload {@code u} (block {@code block}) reads {@code word} where the engine's usable
     * size is {@code under}: a word no block of this heap could hold (an underrun sets its top byte) is an
     * {@link InvalidPointerException} about the word, another size the comparison's report; the caller changes nothing.
     */
    public RuntimeException wordRefused(String op, long u, long block, long under, long word) {
        if (word < 16 || word > heap.capacity() || (word & 15) != 0) {
            return new InvalidPointerException(name + ": " + op + "(0x" + Long.toHexString(u) + "): the size word below the payload reads 0x"
                    + Long.toHexString(word) + ", which is no size of a block (an underrun damaged the block's head); nothing freed", u);
        }
        return sizeChanged(op, u, block, under, word);
    }

    public HeapCorruptionException sizeChanged(String op, long u, long block, long under, long now) {
        return SanityReports.sizeChanged(name, op, u, block, under, now);
    }

    /** After the engine freed {@code u} ({@code usable} bytes; {@code scoped}: it had views): views closed, the ring. */
    public void freed(long u, long usable, boolean scoped) {
        if (scoped) {
            synchronized (views) {
                views.close(u);
            }
        }
        recent.add(u, usable);
    }

    /**
     * A view of {@code length} bytes of the live block {@code u} that dies at its free. {@code markScoped} runs under the
     * views' lock first: the engine marks {@code u} scoped (or throws when it is no longer live).
     */
    public MemorySegment view(long u, long length, Runnable markScoped) {
        synchronized (views) {
            markScoped.run();
            return views.view(u, length);
        }
    }
}
