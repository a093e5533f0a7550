package org.jalloc.cli;

import org.jalloc.core.Allocator;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;
import org.jalloc.gc.inspect.GcInspector;

/**
 * The one place the heap map reads a heap: an allocator's block walk, or a collector's space walk through its
 * {@link GcInspector}; an allocator's walk comes from its inspection face ({@link Inspection#of}).
 */
final class HeapInspection {
    private final HeapWalk walk;

    private HeapInspection(HeapWalk walk) {
        this.walk = walk;
    }

    static HeapInspection of(Allocator allocator) {
        return new HeapInspection(Inspection.of(allocator).heapWalk());
    }

    /** A collector's space, through the inspector the gc module exports to tools. */
    static HeapInspection of(GcInspector collector) {
        return new HeapInspection(collector.heapWalk());
    }

    /** The first address of the walk. */
    long start() {
        return walk.walkStart();
    }

    /** The end of the last extent. */
    long end() {
        return walk.walkEnd();
    }

    /** Every extent in address order; the visitor stops the walk by returning false. */
    void extents(ExtentVisitor visitor) {
        walk.walkExtents(visitor);
    }
}
