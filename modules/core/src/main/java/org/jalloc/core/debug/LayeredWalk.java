package org.jalloc.core.debug;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.ForwardingWalk;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The block walk of a debug layer over its engine's: everything is the engine's walk except the extents (a layer
 * shows a live block with the caller's payload and usable size, inside the engine's block) and the invariants (the
 * layer's own, DEBUG-1 and DEBUG-2, join the engine's). Both layers use it: {@link DebugAllocator} and the disciplined
 * allocators' ({@code stack}, {@code arena}, {@code pool}).
 *
 * <p>Also the byte patterns both layers paint and verify: {@link DebugAllocator#RED} zones, {@link DebugAllocator#POISON}
 * over freed blocks, and {@link #mismatch}, the first byte of a range that differs from a pattern.
 */
public abstract class LayeredWalk extends ForwardingWalk {
    /** 4 KiB of red-zone bytes, the pattern {@link #mismatch} compares zones with. */
    public static final MemorySegment RED_BYTES = filled(DebugAllocator.RED);
    /** 4 KiB of poison bytes, the pattern {@link #mismatch} compares freed blocks with. */
    public static final MemorySegment POISON_BYTES = filled(DebugAllocator.POISON);

    private static MemorySegment filled(byte b) {
        byte[] a = new byte[4096];
        Arrays.fill(a, b);
        return MemorySegment.ofArray(a).asReadOnly();
    }

    /** The first address in {@code [from, from + length)} of {@code heap} whose byte differs from {@code pattern}, or -1. */
    public static long mismatch(Heap heap, long from, long length, MemorySegment pattern) {
        MemorySegment memory = heap.memory();
        for (long off = 0; off < length; off += pattern.byteSize()) {
            long n = Math.min(pattern.byteSize(), length - off);
            long m = MemorySegment.mismatch(pattern, 0, n, memory, from + off, from + off + n);
            if (m >= 0) {
                return from + off + m;
            }
        }
        return -1;
    }

    protected LayeredWalk(HeapWalk under) {
        super(under);
    }

    /** The layer's own invariants (DEBUG-1, DEBUG-2), checked after the engine's. */
    protected abstract void checkLayer(InvariantSink sink);

    /** The engine's extents as the caller sees them: a live block with the caller's payload and usable size. */
    @Override
    public abstract void walkExtents(ExtentVisitor visitor);

    /** The layer's extents are its own: the engine's checked extent walk is never used, the checker walks these. */
    @Override
    public final boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
        walkExtents(visitor);
        return false;
    }

    @Override
    public final void checkInvariants(InvariantSink sink) {
        under.checkInvariants(sink);
        checkLayer(sink);
    }

    /** The layer's extents are its own, so the engine's extent checks are never folded: only its list checks. */
    @Override
    public final void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        under.checkInvariants(sink, false, freeStructuresChecked);
        checkLayer(sink);
    }
}
