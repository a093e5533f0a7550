package org.jalloc.gc;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;

/**
 * A contiguous space with a bump pointer: objects lie back to back from {@code start} to {@code top}, and
 * {@code [top, end)} is the one free run. Allocation is a compare and an add. Only a compacting collector can
 * reuse the space of dead objects (it slides the live ones down and lowers {@code top}).
 *
 * <pre>
 *   start                                   top                          end
 *   | obj | obj | dead | obj | dead | obj   |   free (one run)           |
 * </pre>
 * The whole reservation is taken with {@code sbrk} at creation (pages are committed when touched), so the walk
 * covers {@code [start, end)}: ALLOCATED extents for the objects (live or dead: only a collection tells), one FREE
 * extent for {@code [top, end)}.
 */
final class BumpSpace extends Space.Contiguous {
    long top;

    BumpSpace(long bytes) {
        super("a bump space", bytes, 16, 0);
        this.top = start;
    }

    @Override
    long allocate(long size) {
        long t = top;
        if (size > end - t) {
            return 0;
        }
        top = t + size;
        return t;
    }

    /** The size of the object at {@code a} from its header, or -1 when its type id is not registered. */
    static long safeSize(ObjectModel model, long a) {
        long s = model.status(a);
        int t = ObjectModel.typeOf(s);
        if (!model.types().isDefined(t) || ObjectModel.lengthOf(s) < 0) {
            return -1;
        }
        return model.sizeOf(t, ObjectModel.lengthOf(s));
    }

    @Override
    void forEachObject(ObjectModel model, ObjectVisitor visitor) {
        forEachIn(model, start, top, visitor);
    }

    /**
     * Visits the objects tiling the bump region {@code [from, top)}: true when all were visited, false when the visitor
     * stopped or a header does not tile the region.
     */
    static boolean forEachIn(ObjectModel model, long from, long top, ObjectVisitor visitor) {
        long a = from;
        while (a < top) {
            long size = safeSize(model, a);
            if (size <= 0 || size > top - a || !visitor.object(a, size)) {
                return false;
            }
            a += size;
        }
        return true;
    }

    /**
     * Yields the bump region {@code [from, limit)} to the checker: its objects up to {@code top} as ALLOCATED extents,
     * then {@code [top, limit)} as one FREE extent. False when the visitor stopped or a header is unreadable.
     */
    static boolean extentsIn(ObjectModel model, ExtentVisitor visitor, long from, long top, long limit) {
        long a = from;
        while (a < top) {
            long size = safeSize(model, a);
            if (size <= 0) {
                visitor.extent(ExtentKind.ALLOCATED, a, 0, a, 0); // the checker reports the size and stops
                return false;
            }
            if (!visitor.extent(ExtentKind.ALLOCATED, a, size, a, size)) {
                return false;
            }
            a += size;
        }
        return top >= limit || visitor.extent(ExtentKind.FREE, top, limit - top, top, limit - top);
    }

    @Override
    HeapWalk walk(ObjectModel model) {
        return new HeapWalk() {
            @Override
            public Heap heap() {
                return BumpSpace.this.heap();
            }

            @Override
            public void walkExtents(ExtentVisitor visitor) {
                extentsIn(model, visitor, start, top, end);
            }

            @Override
            public void walkFreeStructures(FreeEntryVisitor visitor) {
                if (top < end) {
                    visitor.entry(0, top, end - top);
                }
            }

            @Override
            public boolean coalescesImmediately() {
                return true;
            }

            @Override
            public String describeList(int list) {
                return "the bump space's free run";
            }
        };
    }
}
