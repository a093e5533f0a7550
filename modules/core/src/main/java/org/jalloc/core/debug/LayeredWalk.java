package org.jalloc.core.debug;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.FreeEntryVisitor;
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
public abstract class LayeredWalk implements HeapWalk {
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

    /** The engine's walk. */
    protected final HeapWalk under;

    protected LayeredWalk(HeapWalk under) {
        this.under = under;
    }

    /** The layer's own invariants (DEBUG-1, DEBUG-2), checked after the engine's. */
    protected abstract void checkLayer(InvariantSink sink);

    @Override
    public final Heap heap() {
        return under.heap();
    }

    @Override
    public final long walkStart() {
        return under.walkStart();
    }

    @Override
    public final long walkEnd() {
        return under.walkEnd();
    }

    @Override
    public final void walkFreeStructures(FreeEntryVisitor visitor) {
        under.walkFreeStructures(visitor);
    }

    @Override
    public final boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
        return under.walkFreeStructures(visitor, sink);
    }

    @Override
    public final boolean coalescesImmediately() {
        return under.coalescesImmediately();
    }

    @Override
    public final long payloadAlignment() {
        return under.payloadAlignment();
    }

    @Override
    public final long externalMetadataBytes() {
        return under.externalMetadataBytes();
    }

    @Override
    public final String describeList(int list) {
        return under.describeList(list);
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
