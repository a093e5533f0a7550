package org.jalloc.gc;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;

/**
 * The generational collector's one reservation, cut into four bump regions: the tenured space at the bottom, then the
 * nursery (two survivor spaces and eden). One heap, so a reference is one address, the barrier's old-to-young test
 * is two compares ({@code slot < nurseryStart && value >= nurseryStart}), and promotion is a bump of the tenured
 * top.
 *
 * <pre>
 *   start           tTop          tEnd = nurseryStart                              end
 *   | tenured objs  | free        | survivor 0 | survivor 1 | eden objs  | free     |
 *                                 |&lt;- one holds the survivors (from), the other is empty (to) ->|
 * </pre>
 * Every boundary is a multiple of the card size (512) from {@code start}. Objects tile {@code [start, tTop)},
 * {@code [fromStart, fromTop)} and {@code [eStart, eTop)}; everything else is free. The walk yields those objects as
 * ALLOCATED extents and each free part as one FREE extent (a free structure of its own); an empty survivor space lies
 * next to the tenured free tail, so free extents may touch (no immediate coalescing).
 */
final class GenerationalSpace extends Space.Contiguous {
    static final int CARD_SHIFT = 9;
    static final long CARD_BYTES = 1L << CARD_SHIFT;

    final long tEnd;
    long tTop;
    final long[] sStart = new long[2];
    final long[] sEnd = new long[2];
    /** Which survivor space holds the survivors (the other is empty). */
    int from;
    long fromTop;
    final long eStart;
    final long eEnd;
    long eTop;

    /**
     * @param nurseryPercent the nursery's share of the heap (eden : survivor : survivor = 8 : 1 : 1)
     */
    GenerationalSpace(long bytes, int nurseryPercent) {
        super("generational", bytes, CARD_BYTES, 4 * CARD_BYTES);
        long cap = end - start;
        long cards = cap >> CARD_SHIFT;
        long nurseryCards = Math.min(cards - 1, Math.max(3, cards * nurseryPercent / 100));
        long survivorCards = Math.max(1, nurseryCards / 10);
        long edenCards = nurseryCards - 2 * survivorCards;
        long tenuredCards = cards - nurseryCards;
        this.tEnd = start + (tenuredCards << CARD_SHIFT);
        this.tTop = start;
        sStart[0] = tEnd;
        sEnd[0] = tEnd + (survivorCards << CARD_SHIFT);
        sStart[1] = sEnd[0];
        sEnd[1] = sStart[1] + (survivorCards << CARD_SHIFT);
        this.eStart = sEnd[1];
        this.eEnd = eStart + (edenCards << CARD_SHIFT);
        this.eTop = eStart;
        this.from = 0;
        this.fromTop = sStart[0];
    }

    long nurseryStart() {
        return tEnd;
    }

    long fromStart() {
        return sStart[from];
    }

    long toStart() {
        return sStart[1 - from];
    }

    long toEnd() {
        return sEnd[1 - from];
    }

    long survivorBytes() {
        return sEnd[0] - sStart[0];
    }

    long edenBytes() {
        return eEnd - eStart;
    }

    long tenuredBytes() {
        return tEnd - start;
    }

    /** Bytes of objects in the nursery (eden and the survivors). */
    long nurseryUsed() {
        return (eTop - eStart) + (fromTop - fromStart());
    }

    /** A bump in eden, never collecting: the address or 0. */
    @Override
    long allocate(long size) {
        long t = eTop;
        if (size > eEnd - t) {
            return 0;
        }
        eTop = t + size;
        return t;
    }

    /** A bump in the tenured space: the address or 0. */
    long allocateTenured(long size) {
        long t = tTop;
        if (size > tEnd - t) {
            return 0;
        }
        tTop = t + size;
        return t;
    }

    @Override
    void forEachObject(ObjectModel model, ObjectVisitor visitor) {
        if (BumpSpace.forEachIn(model, start, tTop, visitor) && BumpSpace.forEachIn(model, fromStart(), fromTop, visitor)) {
            BumpSpace.forEachIn(model, eStart, eTop, visitor);
        }
    }

    /** Where the objects of a region end as its headers say, for the tiling check: {@code top} when they tile it. */
    static long tiledEnd(ObjectModel model, long from, long top) {
        long a = from;
        while (a < top) {
            long size = BumpSpace.safeSize(model, a);
            if (size <= 0 || size > top - a) {
                return a;
            }
            a += size;
        }
        return a;
    }

    @Override
    HeapWalk walk(ObjectModel model) {
        return new HeapWalk() {
            @Override
            public Heap heap() {
                return GenerationalSpace.this.heap();
            }

            @Override
            public long walkStart() {
                return start;
            }

            @Override
            public long walkEnd() {
                return end;
            }

            @Override
            public void walkExtents(ExtentVisitor visitor) {
                if (!BumpSpace.extentsIn(model, visitor, start, tTop, tEnd)) {
                    return;
                }
                for (int s = 0; s < 2; s++) {
                    if (!BumpSpace.extentsIn(model, visitor, sStart[s], s == from ? fromTop : sStart[s], sEnd[s])) {
                        return;
                    }
                }
                BumpSpace.extentsIn(model, visitor, eStart, eTop, eEnd);
            }

            @Override
            public void walkFreeStructures(FreeEntryVisitor visitor) {
                if (tTop < tEnd) {
                    visitor.entry(0, tTop, tEnd - tTop);
                }
                for (int s = 0; s < 2; s++) {
                    long top = s == from ? fromTop : sStart[s];
                    if (top < sEnd[s]) {
                        visitor.entry(1 + s, top, sEnd[s] - top);
                    }
                }
                if (eTop < eEnd) {
                    visitor.entry(3, eTop, eEnd - eTop);
                }
            }

            @Override
            public boolean coalescesImmediately() {
                return false;
            }

            @Override
            public String describeList(int list) {
                return switch (list) {
                    case 0 -> "the tenured space's free run";
                    case 1, 2 -> "survivor space " + (list - 1) + "'s free run";
                    default -> "eden's free run";
                };
            }
        };
    }
}
