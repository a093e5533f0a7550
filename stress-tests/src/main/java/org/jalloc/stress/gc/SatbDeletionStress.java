package org.jalloc.stress.gc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.jalloc.gc.Mutator;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * A deletion ahead of the marker under SATB (GC-13). Root 0 → A → B → W; only the roots are scanned (A gray). The
 * mutator loads W into root slot 1 (root stores are not barriered: the roots were scanned at the snapshot) and deletes
 * B's reference to it, while the marker scans A and then B. The deletion barrier logs W, so W ends marked even when
 * the marker reaches B after the cut.
 */
@JCStressTest
@Description("a reference deleted before the marker reaches it under SATB: the object stays marked")
@Outcome(id = "KEPT", expect = ACCEPTABLE, desc = "W survived: marked through B or through the snapshot buffer")
@Outcome(id = "LOST", expect = FORBIDDEN, desc = "W was swept while root slot 1 names it")
@State
public class SatbDeletionStress {
    private final Fixture f = new Fixture();
    private final Mutator m = f.c.mutator();

    public SatbDeletionStress() {
        m.pushFrame(2);
        m.setLocal(0, f.object(m));
        m.setRef(m.local(0), 0, f.object(m));
        m.setRef(m.getRef(m.local(0), 0), 0, f.object(m));
        f.c.step(); // root scan: A gray, B and W white
        m.enterSafeRegion();
    }

    @Actor
    public void mutator() {
        m.leaveSafeRegion();
        long b = m.getRef(m.local(0), 0);
        m.setLocal(1, m.getRef(b, 0));
        m.setRef(b, 0, 0);
        m.enterSafeRegion();
    }

    @Actor
    public void marker() {
        f.c.step(); // A
        f.c.step(); // B
    }

    @Arbiter
    public void arbiter(L_Result r) {
        m.leaveSafeRegion();
        f.finishCycle();
        r.r1 = f.verdict(m, 1, -1);
        f.c.close();
    }
}
