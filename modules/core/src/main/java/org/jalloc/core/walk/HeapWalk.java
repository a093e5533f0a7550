package org.jalloc.core.walk;

import org.jalloc.core.memory.Heap;

/**
 * The block-walk SPI: how the shared checker sees an allocator's heap through the allocator's own metadata.
 *
 * <p>An allocator implements this next to its engine. The checker ({@code org.jalloc.check}) then proves, from the
 * two walks below alone:
 * <ul>
 *   <li>the extents tile {@code [walkStart(), walkEnd())} exactly, in address order (HEAP-1);</li>
 *   <li>block payloads are aligned to {@link #payloadAlignment()} and usable sizes fit inside their blocks (HEAP-2);</li>
 *   <li>the free structures hold exactly the FREE extents of the walk, each once, and nothing else (HEAP-3);</li>
 *   <li>no two FREE extents are adjacent when {@link #coalescesImmediately()} (HEAP-4);</li>
 * </ul>
 * and, with a shadow model of the live blocks, that the ALLOCATED extents are exactly the live blocks, large enough,
 * with intact payloads. Everything else the allocator promises it checks itself in {@link #checkInvariants}.
 *
 * <p>Walkers must be robust against corrupted metadata: they stop when a visitor returns false, never loop without
 * progress, and may throw {@link IndexOutOfBoundsException} on a wild link (the checker reports it as a violation).
 */
public interface HeapWalk {
    /** The heap walked. */
    Heap heap();

    /** The first address of the first extent; by default the heap's start. */
    default long walkStart() {
        return heap().start();
    }

    /** The end of the last extent; by default the break. */
    default long walkEnd() {
        return heap().brk();
    }

    /** Yields every extent from {@link #walkStart()} to {@link #walkEnd()} in address order. */
    void walkExtents(ExtentVisitor visitor);

    /** Yields every entry of every free structure. */
    void walkFreeStructures(FreeEntryVisitor visitor);

    /** True when the allocator promises that no two free blocks are ever adjacent between operations. */
    boolean coalescesImmediately();

    /** The alignment every payload has (16 for every jalloc allocator). */
    default long payloadAlignment() {
        return 16;
    }

    /** Bytes of metadata kept outside the heap (side tables, bitmaps); added to the heap for utilization. */
    default long externalMetadataBytes() {
        return 0;
    }

    /** Checks the allocator's own invariants and reports every violation found. */
    default void checkInvariants(InvariantSink sink) {}

    /** A human name for a free structure index, for messages ("class 3 [64, 128)", "order 5"). */
    default String describeList(int list) {
        return "list " + list;
    }
}
