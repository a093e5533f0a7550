package org.jalloc.stress.gc;

import org.jalloc.check.HeapChecker;
import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.inspect.GcInspector;

/**
 * A small concurrent collector whose marker runs in {@code step()} calls (one gray object per step), so a stress test
 * places the marker exactly where the race needs it and then runs it from an actor thread. Mutators start in safe
 * regions; an actor leaves the region to run, and enters it again when done.
 */
final class Fixture {
    static final long MAGIC = 0x5EED_CAFE_F00DL;
    final Collector c = Collectors.create("concurrent:gogc=off,marker=steps,step=1,satb-buffer=64", null, 64 << 10);
    final int node = c.types().define("node", 2, 8);

    Fixture() {
        this(false);
    }

    /** With {@code noBarrier}, the snapshot barrier is removed before any mutator exists. */
    Fixture(boolean noBarrier) {
        if (noBarrier) {
            org.jalloc.gc.GcStressHooks.removeSnapshotBarrier(c);
        }
    }

    /** A new object holding MAGIC. */
    long object(Mutator m) {
        long o = m.allocate(node);
        m.putLong(o, 0, MAGIC);
        return o;
    }

    /** Marker steps until the cycle ends (the remark and the sweep included). */
    void finishCycle() {
        long before = c.stats().collections();
        while (c.stats().collections() == before) {
            c.step();
        }
    }

    /**
     * After the cycle: "KEPT" when the object in {@code slot} of {@code m}'s frame (or in field {@code field} of it,
     * when field >= 0) survived with its data and the heap checker finds nothing; "LOST" otherwise.
     */
    String verdict(Mutator m, int slot, int field) {
        var violations = new HeapChecker().check(GcInspector.of(c).heapWalk());
        if (!violations.isEmpty()) {
            return "LOST";
        }
        long o = m.local(slot);
        if (field >= 0 && o != 0) {
            o = m.getRef(o, field);
        }
        return o != 0 && m.getLong(o, 0) == MAGIC ? "KEPT" : "LOST";
    }
}
