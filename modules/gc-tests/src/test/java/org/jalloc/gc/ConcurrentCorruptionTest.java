package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import org.junit.jupiter.api.Test;

/**
 * The concurrent collector's invariants broken in real state (the marker in steps, so the state is where the test
 * puts it), each reported with its exact ID: a logged entry outside marking (GC-16), a deletion that skipped the SATB
 * barrier (GC-13), a snapshot object white at the remark (GC-14), a newborn that is not black (GC-15). Each test first
 * proves the heap it breaks is clean.
 */
class ConcurrentCorruptionTest extends CorruptionFixture<ConcurrentCollector> {
    /** Slot 0: a -> b -> w; the cycle started (the root scan shaded a), nothing scanned yet. */
    private Mutator marking() {
        c = (ConcurrentCollector) Collectors.create("concurrent:checked=on,gogc=off,marker=steps,step=1", 1 << 20);
        int node = c.types().define("node", 1, 8);
        Mutator m = c.mutator();
        m.pushFrame(2);
        m.setLocal(0, m.allocate(node));
        m.setRef(m.local(0), 0, m.allocate(node));
        m.setRef(m.getRef(m.local(0), 0), 0, m.allocate(node));
        c.step();
        assertEquals(ConcurrentCollector.Phase.MARK, c.phase);
        assertTrue(check().isEmpty(), () -> "clean before the corruption: " + check());
        return m;
    }

    @Test
    void gc16AnEntryInASnapshotBufferOutsideMarking() {
        c = (ConcurrentCollector) Collectors.create("concurrent:checked=on,marker=steps", 1 << 20);
        int node = c.types().define("node", 1, 8);
        Mutator m = c.mutator();
        m.pushFrame(1);
        m.setLocal(0, m.allocate(node));
        assertTrue(check().isEmpty(), () -> "clean before the corruption: " + check());
        ConcurrentCollector.Satb s = (ConcurrentCollector.Satb) m.barrier();
        s.buf[0] = addr(m, 0);
        s.n = 1;
        assertReports("GC-16");
    }

    @Test
    void gc13ADeletionThatSkippedTheSnapshotBarrier() {
        Mutator m = marking();
        c.heap.putLong(ObjectModel.slot(addr(m, 0), 0), 0); // a.f = NULL, logged by nobody: b and w unprotected
        assertReports("GC-13");
    }

    @Test
    void gc14ASnapshotObjectWhiteAtTheRemark() {
        Mutator m = marking();
        c.step(); // a scanned: b gray
        c.step(); // b scanned: w gray
        c.step(); // w scanned
        long w = c.model.ref(c.model.ref(addr(m, 0), 0), 0);
        c.model.setStatus(w, c.model.status(w) ^ ObjectModel.MARK_BIT); // black w whitened behind the marker
        while (c.phase == ConcurrentCollector.Phase.MARK) {
            c.step(); // the remark
        }
        assertReports("GC-14");
    }

    @Test
    void gc15ANewbornThatIsNotBlack() {
        Mutator m = marking();
        m.setLocal(1, m.allocate(c.types().count()));
        long n = addr(m, 1);
        c.model.setStatus(n, c.model.status(n) ^ ObjectModel.MARK_BIT);
        assertReports("GC-15");
    }
}
