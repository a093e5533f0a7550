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
 *
 * <p><b>The checker's one pass.</b> On a heap larger than the caches every free-list link is a cache miss, and an
 * allocator that checks its lists in {@link #checkInvariants} chases each link a second time after the checker's
 * walk. So the checker calls the <em>checked</em> walks instead, in this order:
 * <pre>
 *   boolean x = walkExtents(extentVisitor, sink);          // the extents, plus the allocator's per-block checks
 *   boolean f = walkFreeStructures(entryVisitor, sink);    // the entries, plus the allocator's per-entry checks
 *   checkInvariants(sink, x, f);                           // the rest of the allocator's checks
 * </pre>
 * A checked walk yields exactly what its plain form yields and reports, on the way, violations of the allocator's
 * own invariants for what it reads; it returns true only when it made <em>all</em> the checks
 * {@link #checkInvariants(InvariantSink)} makes for its part (it returns false, for one, when a visitor stopped it
 * early), and {@link #checkInvariants(InvariantSink, boolean, boolean)} then leaves that part out. The three calls
 * together report the same violations as the plain walks followed by {@link #checkInvariants(InvariantSink)}; the
 * defaults fold nothing, so a walk that does not override them is checked as before.
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

    /**
     * {@link #walkExtents(ExtentVisitor)} with the allocator's per-extent checks folded in (see the class comment).
     *
     * @return true when every check of {@link #checkInvariants(InvariantSink)} that belongs to the extent pass was made
     */
    default boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
        walkExtents(visitor);
        return false;
    }

    /**
     * {@link #walkFreeStructures(FreeEntryVisitor)} with the allocator's per-entry checks (links, size classes)
     * folded in, so each entry is read once per check (see the class comment).
     *
     * @return true when every check of {@link #checkInvariants(InvariantSink)} that belongs to the free-structure
     *         pass was made
     */
    default boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
        walkFreeStructures(visitor);
        return false;
    }

    /**
     * The allocator's checks that the checked walks did not make: all of {@link #checkInvariants(InvariantSink)}
     * less the extent pass's checks when {@code extentsChecked} and the free-structure pass's when
     * {@code freeStructuresChecked} (the results of {@link #walkExtents(ExtentVisitor, InvariantSink)} and
     * {@link #walkFreeStructures(FreeEntryVisitor, InvariantSink)} of this check).
     */
    default void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        checkInvariants(sink);
    }

    /** A human name for a free structure index, for messages ("class 3 [64, 128)", "order 5"). */
    default String describeList(int list) {
        return "list " + list;
    }
}
