package org.jalloc.gc;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.Consumer;

import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * The tri-colour invariants of a marking cycle, checked from the heap itself (the incremental and the concurrent
 * collector's sanity checks). Colours, with {@code m} the cycle's mark value:
 *
 * <pre>
 *   black  mark(o) = m and o is not gray          (scanned, or allocated during the cycle)
 *   gray   o is on the mark stack, or logged in a snapshot buffer not yet processed (SATB)
 *   white  mark(o) ≠ m and o is not gray          (not reached yet; garbage if still white when marking ends)
 * </pre>
 *
 * <pre>
 *   GC-12 (strong, Dijkstra)    no black object and no root names a white object
 *   GC-13 (snapshot, Yuasa/SATB) every white object reachable when marking began is reachable from a gray object
 *                                through white objects
 *   GC-14 (marking complete)    when marking ends: every object reachable at its start (SATB) or at its end
 *                                (Dijkstra) is black
 *   GC-15 (allocate black)      every object allocated since the cycle began carries the mark value m
 * </pre>
 */
final class TriColour {
    private TriColour() {}

    /** Reports kept per check; the rest are counted. */
    private static final int REPORTS = 8;

    /** The objects reachable from the roots now, sorted (an independent trace, not the collector's marks). */
    static long[] reachable(Collector c) {
        return new CollectorInspector(c).reachable();
    }

    private static boolean in(long[] sorted, long a) {
        return Arrays.binarySearch(sorted, a) >= 0;
    }

    private static boolean white(Collector c, long a, boolean m, long[] gray) {
        return ObjectModel.markOf(c.model.status(a)) != m && !in(gray, a);
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    /** GC-12: no black object and no root names a white object. */
    @Enforces("GC-12")
    static void checkStrong(Collector c, InvariantSink sink, GcVerifier.Objects objs, boolean m, long[] gray) {
        int[] bad = {0};
        c.scanRoots(stored -> {
            if (objs.indexOf(stored) >= 0 && white(c, stored, m, gray) && bad[0]++ < REPORTS) {
                sink.violation("GC-12", stored, "a root names a white object while marking: " + c.model.describe(stored),
                        "roots name black or gray objects (the insertion barrier shades every stored reference)", "white");
            }
            return stored;
        });
        for (int k = 0; k < objs.n; k++) {
            long o = objs.addr[k];
            if (ObjectModel.markOf(c.model.status(o)) != m || in(gray, o)) {
                continue; // only black objects
            }
            int n = c.model.refCount(o);
            for (int f = 0; f < n; f++) {
                long v = c.model.ref(o, f);
                if (v != 0 && objs.indexOf(v) >= 0 && white(c, v, m, gray) && bad[0]++ < REPORTS) {
                    sink.violation("GC-12", ObjectModel.slot(o, f), "black " + c.model.describe(o) + " field " + f + " names white "
                            + c.model.describe(v), "no black-to-white edge", "a black-to-white edge");
                }
            }
        }
        if (bad[0] > REPORTS) {
            sink.violation("GC-12", 0, (bad[0] - REPORTS) + " more black-to-white edges", "none", "more");
        }
    }

    /** GC-13: every white object of the snapshot is reachable from a gray object through white objects. */
    @Enforces("GC-13")
    static void checkSnapshot(Collector c, InvariantSink sink, GcVerifier.Objects objs, boolean m, long[] gray, long[] snapshot) {
        BitSet protectedWhite = new BitSet(objs.n);
        LongStack stack = new LongStack();
        for (long g : gray) {
            if (objs.indexOf(g) >= 0) {
                stack.push(g);
            }
        }
        while (!stack.isEmpty()) {
            long o = stack.pop();
            int n = c.model.refCount(o);
            for (int f = 0; f < n; f++) {
                long v = c.model.ref(o, f);
                int k = v == 0 ? -1 : objs.indexOf(v);
                if (k >= 0 && !protectedWhite.get(k) && white(c, v, m, gray)) {
                    protectedWhite.set(k);
                    stack.push(v);
                }
            }
        }
        int bad = 0;
        for (long s : snapshot) {
            int k = objs.indexOf(s);
            if (k >= 0 && white(c, s, m, gray) && !protectedWhite.get(k) && bad++ < REPORTS) {
                sink.violation("GC-13", s, "a white object reachable when marking began is no longer reachable from a gray object: "
                        + c.model.describe(s), "reachable from a gray object through white objects (the deletion barrier logs every"
                        + " overwritten reference)", "unprotected: marking will not reach it");
            }
        }
        if (bad > REPORTS) {
            sink.violation("GC-13", 0, (bad - REPORTS) + " more unprotected snapshot objects", "none", "more");
        }
    }

    /**
     * GC-14, when marking ends: every object of {@code mustBeBlack} (the snapshot for SATB, the objects reachable now
     * for Dijkstra) carries the mark value. Reports one line per unmarked object.
     */
    @Enforces("GC-14")
    static void checkMarkingComplete(Collector c, boolean m, long[] mustBeBlack, String which, Consumer<String> report) {
        int bad = 0;
        for (long a : mustBeBlack) {
            if (ObjectModel.markOf(c.model.status(a)) != m && bad++ < REPORTS) {
                report.accept("marking ended with " + c.model.describe(a) + " white, though it was reachable " + which);
            }
        }
        if (bad > REPORTS) {
            report.accept((bad - REPORTS) + " more unmarked objects reachable " + which);
        }
    }

    /** GC-15: the objects {@code born[from, to)} of the object list were allocated during the cycle: black. */
    @Enforces("GC-15")
    static void checkAllocatedBlack(Collector c, InvariantSink sink, ObjectList list, int from, int to, boolean m) {
        int bad = 0;
        for (int i = from; i < to; i++) {
            long a = list.get(i);
            if (ObjectModel.markOf(c.model.status(a)) != m && bad++ < REPORTS) {
                sink.violation("GC-15", a, "an object allocated during the cycle is not black: " + c.model.describe(a),
                        "mark = " + (m ? 1 : 0) + " (allocate black: the cycle must not sweep what it saw born)", "mark = " + (m ? 0 : 1));
            }
        }
    }

    /** A sorted copy of the first {@code n} entries of {@code a}. */
    static long[] sortedCopy(long[] a, int n) {
        long[] out = Arrays.copyOf(a, n);
        Arrays.sort(out);
        return out;
    }
}
