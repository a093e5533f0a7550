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
 *   recent   RecentFrees, packed (a heap of at most 64 GiB): the last DebugAllocator.RECENT_FREES frees, one long each,
 *            (u − start) / 16 &lt;&lt; 32 | usable / 16, at a racy index: no atomic per free; above 64 GiB its shared
 *            mode (an atomic index, address and size in two longs)
 *   views    BlockViews under this object's lock: u → the arena of u's views, for blocks whose head says SCOPED
 * </pre>
 *
 * Invariant: {@code views} holds {@code u} ⇒ {@code u} is live and its engine marked it scoped before the view was made
 * (a free that finds the mark closes the arena under the same lock).
 *
 * <p>Why the ring needs no atomic (2026-12-07, branch tc40). What makes a free exact is not the ring but the engine's
 * own claim: slub's CAS of the head word to FREED, thread-cache's exchange of the payload's mark; of two racing frees
 * of one block exactly one passes, whatever the ring holds. The ring only <i>words</i> the refusal of the loser (or of
 * a later free): a double free, with the size of the recent free, where without an entry it is an invalid pointer.
 * So the ring may lose an entry but must never hold a wrong one. Each entry is one 64-bit opaque store (whole or
 * absent, never one free's address with another's size); the index is a plain field, so two frees at the same instant
 * may write one slot (one entry lost) and a stale read may move the index back (older slots rewritten sooner). Lost
 * entries cost only words: a later double free of that address is refused as an invalid pointer, nothing changed.
 * Where the tests demand the exact report: (1) one thread freeing (every F suite's double free and the 4,096-free
 * window): the plain index is exact, as in the single-owner mode; (2) two racing frees of one block (slub's
 * {@code DoubleFreeRaceUnderFStress}, both engines' racing-free tests): only the winner writes the ring, so no
 * concurrent write can take its slot, and it writes before the engine frees the block, so slub's loser — which
 * finds FREED in the head (a double free from the head) or the object free in the state map — finds the entry;
 * thread-cache's loser finds the mark taken, which the winner did before its ring store, so it may look before the
 * entry is there and say invalid pointer (as before this mode; its test accepts either refusal); (3) frees of different blocks at once, then double frees: each entry is named
 * with its own size or lost whole ({@code RecentFreesRaceUnderFStress}). Each engine passes payloads 16-aligned in
 * its heap and usable sizes that are multiples of 16 (a class or page size less a power-of-two front of at least 16).
 *
 * <p>Made once by {@link #claim}, before the engine hands out a block; the engine's name becomes {@code NAME:debug=F}
 * and {@link AbstractAllocator}'s own refusals carry it. If {@link EngineShadow} comes to serve concurrent engines, an
 * engine using this needs only its head word ({@link SizeWordOnRequest}) and can drop its own screen.
 */
public final class EngineSanity {
    private final String name;
    private final Heap heap;
    private final RecentFrees recent;
    private final BlockViews views;

    private EngineSanity(String name, Heap heap) {
        this.name = name;
        this.heap = heap;
        this.views = new BlockViews(heap);
        this.recent = heap.limit() - heap.start() <= RecentFrees.PACKED_SPAN ? RecentFrees.packed(heap.start()) : new RecentFrees(true);
    }

    /** {@code engine} checks F alone itself from now on, under {@code displayName} ({@code slub:debug=F}). */
    public static <E extends AbstractAllocator & FreeChecksOnRequest> EngineSanity claim(E engine, String displayName) {
        engine.checkFreesItself(engine, displayName);
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
