package org.jalloc.stack;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.debug.BlockViews;
import org.jalloc.core.debug.SanityReports;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.Arguments;

/**
 * {@code debug=F} alone, claimed by the engine itself ({@code stack:debug=F}, {@code arena:debug=F}, {@code pool:debug=F}):
 * no layer, no record per block. The engine checks F's condition on its own block (the stack: a header check word
 * keyed per heap and binding the block's address and size; the arena: its header agreeing with both neighbours and,
 * for the newest extent, with the bump pointer; the pool: its live bitmap) and asks this object only off its fast
 * paths: for the reports, worded as {@link DisciplineDebug}'s (and every debug layer's) F reports, and for the views.
 *
 * <pre>
 *  key      random per heap, never 0 (the stack's check word is start ^ key ^ size instead of start ^ CHECK)
 *  views    user address → the block's dependent arena ({@link BlockViews}), only for blocks whose
 *           segment(p) or asSegmentAllocator view was asked; the engine consults it only while it is not empty
 * </pre>
 *
 * Invariant: every arena in {@code views} belongs to a live block of the engine (the engine closes it when the block is
 * freed, popped, released or reset).
 */
final class EngineSanity {
    private final String name;
    private final Heap heap;
    /** Random per heap: what a forged header would need. */
    final long key;
    private final BlockViews views;
    /** Blocks with a live view (the engines' one test on their free paths). */
    int viewCount;

    EngineSanity(String name, Heap heap) {
        this.name = name;
        this.heap = heap;
        this.views = new BlockViews(heap);
        this.key = ThreadLocalRandom.current().nextLong() | 0x10L << 56;
    }

    // ---------------------------------------------------------------- views

    /** A view of {@code length} bytes at {@code user}, which dies when the block is freed or released. */
    MemorySegment view(long user, long length) {
        MemorySegment v = views.view(user, length);
        viewCount = views.size();
        return v;
    }

    /**
     * The engine's {@code segment(user)} under F: NULL refused, then a view of the {@code usable} bytes the engine
     * reads for {@code user} (its own refusal when {@code user} is no live block), which dies with the block.
     */
    MemorySegment segment(long user, LongUnaryOperator usable) {
        if (user == 0) {
            throw new InvalidPointerException(name + ": segment(NULL)", 0);
        }
        return view(user, usable.applyAsLong(user));
    }

    /** The engine's {@code asSegmentAllocator()} under F: each allocation a view that dies with its block. */
    SegmentAllocator segmentAllocator(Allocator engine) {
        return (byteSize, byteAlignment) -> view(Arguments.allocateForSegment(engine, byteSize, byteAlignment), byteSize);
    }

    /** The block at {@code user} is no longer live: its views die. */
    void closeView(long user) {
        views.close(user);
        viewCount = views.size();
    }

    /** Every block whose payload starts in {@code [lo, hi)} is no longer live. */
    void closeViewsIn(long lo, long hi) {
        views.closeIn(lo, hi);
        viewCount = views.size();
    }

    /** Every block is gone (a reset). */
    void closeAllViews() {
        views.closeAll();
        viewCount = 0;
    }

    // ---------------------------------------------------------------- reports (the texts of every debug layer's F: SanityReports')

    private static final String NO_SITES = " (add U to debug= to record sites)";

    DoubleFreeException doubleFree(String op, long address, long usable) {
        return SanityReports.doubleFree(name, op, address, usable);
    }

    InvalidPointerException invalidPointer(String op, long address) {
        return SanityReports.invalidPointer(name, heap, op, address);
    }

    InvalidPointerException inside(String op, long address, long user, long usable) {
        return new InvalidPointerException(name + ": " + op + "(" + hex(address) + "): not the start of a live block: inside the live block "
                + hex(user) + " (" + usable + " bytes)", address);
    }

    HeapCorruptionException usableChanged(long user, long was, long now) {
        return new HeapCorruptionException(name + ": free(" + hex(user) + "): the allocator's usable size of the block at " + hex(user)
                + " changed from " + was + " to " + now + " while it was live (its header was overwritten)" + NO_SITES, user);
    }

    static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
