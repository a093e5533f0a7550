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
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * Two mutators' partial SATB buffers flushed at the remark (GC-14, GC-17). Each mutator i has root 0 → Aᵢ → Wᵢ; the
 * roots are scanned. Each moves Wᵢ into its root slot 1 and deletes Aᵢ's reference (logged in its own buffer, which
 * is far from full, so nothing is handed off); the second mutator's thread then runs the marker to the end of the
 * cycle while the first may still be moving: the remark must wait until both mutators are stopped and drain both
 * buffers. (Two actors: JCStress skips a test with more actors than the machine's CPUs.)
 */
@JCStressTest
@Description("two mutators' snapshot buffers drained by the remark: both objects stay marked")
@Outcome(id = "KEPT, KEPT", expect = ACCEPTABLE, desc = "both objects survived")
@Outcome(expect = FORBIDDEN, desc = "an object logged in a mutator's buffer was swept")
@State
public class RemarkFlushesBuffersStress {
    private final Fixture f = new Fixture();
    private final Mutator m1 = f.c.mutator();
    private final Mutator m2 = f.c.newMutator();

    public RemarkFlushesBuffersStress() {
        for (Mutator m : new Mutator[] {m1, m2}) {
            m.pushFrame(2);
            m.setLocal(0, f.object(m));
            m.setRef(m.local(0), 0, f.object(m));
        }
        f.c.step(); // root scan: A1 and A2 gray
        m1.enterSafeRegion();
        m2.enterSafeRegion();
    }

    private static void move(Mutator m) {
        m.leaveSafeRegion();
        long a = m.local(0);
        m.setLocal(1, m.getRef(a, 0));
        m.setRef(a, 0, 0);
        m.enterSafeRegion();
    }

    @Actor
    public void mutator1() {
        move(m1);
    }

    /** Mutator 2, then the marker on the same thread (JCStress runs no more actors than CPUs: two here). */
    @Actor
    public void mutator2ThenMarker() {
        move(m2);
        f.finishCycle(); // marks, stops the world for the remark (waiting for mutator 1), drains both buffers, sweeps
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        m1.leaveSafeRegion();
        m2.leaveSafeRegion();
        r.r1 = f.verdict(m1, 1, -1);
        r.r2 = f.verdict(m2, 1, -1);
        f.c.close();
    }
}
