package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.Violation;
import org.junit.jupiter.api.Test;

/**
 * The tri-colour invariants of the incremental collector broken in real state between steps, each reported with its
 * exact ID: a black-to-white edge under Dijkstra (GC-12), a snapshot object cut off from every gray object under
 * Yuasa (GC-13), marking ending with a reachable object white (GC-14), an object allocated during the cycle not black
 * (GC-15). Each test first proves the heap it breaks is clean.
 */
class TriColourCorruptionTest extends CorruptionFixture<IncrementalCollector> {
    /**
     * Slot 0: a -> b -> w (a list of three), slot 1: d (another root), a cycle started (every root gray) and one
     * step of one object taken (the last root pushed, d, is black; a is still gray).
     */
    private Mutator marking(String barrier) {
        c = (IncrementalCollector) Collectors.create("incremental:checked=on,gogc=off,step=1,barrier=" + barrier, 1 << 20);
        int node = c.types().define("node", 1, 8);
        Mutator m = c.mutator();
        m.pushFrame(2);
        m.setLocal(0, m.allocate(node));
        m.setRef(m.local(0), 0, m.allocate(node));
        m.setRef(m.getRef(m.local(0), 0), 0, m.allocate(node));
        m.setLocal(1, m.allocate(node));
        c.step(); // root scan
        c.step(); // d scanned: black
        assertEquals(IncrementalCollector.Phase.MARK, c.phase);
        assertTrue(check().isEmpty(), () -> "clean before the corruption: " + check());
        return m;
    }

    @Test
    void gc12ABlackObjectNamingAWhiteOneBehindTheBarrier() {
        Mutator m = marking("dijkstra");
        long d = addr(m, 1);
        long b = c.model.ref(addr(m, 0), 0);
        long w = c.model.ref(b, 0); // still white: only b (white) names it
        c.heap.putLong(ObjectModel.slot(d, 0), w); // d is black: a store without the insertion barrier
        assertReports("GC-12");
    }

    @Test
    void gc13ASnapshotObjectCutOffFromEveryGrayObject() {
        Mutator m = marking("yuasa");
        long b = c.model.ref(addr(m, 0), 0);
        c.heap.putLong(ObjectModel.slot(addr(m, 0), 0), 0); // a.f = NULL without the deletion barrier: b (and w) unprotected
        assertReports("GC-13");
    }

    @Test
    void gc14MarkingEndsWithAReachableObjectWhite() {
        Mutator m = marking("dijkstra");
        long d = addr(m, 1);
        c.model.setStatus(d, c.model.status(d) ^ ObjectModel.MARK_BIT); // black d whitened: nobody will scan it again
        while (c.phase == IncrementalCollector.Phase.MARK) {
            c.step();
        }
        List<Violation> v = check();
        assertTrue(v.stream().anyMatch(x -> x.invariantId().equals("GC-14")), () -> "expected GC-14 among " + v);
    }

    @Test
    void gc15AnObjectBornDuringTheCycleThatIsNotBlack() {
        Mutator m = marking("dijkstra");
        int node = c.types().count();
        m.setLocal(1, m.allocate(node)); // born black
        long n = addr(m, 1);
        c.model.setStatus(n, c.model.status(n) ^ ObjectModel.MARK_BIT);
        assertReports("GC-15");
    }
}
