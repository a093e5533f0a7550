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
 * The lost-object race of tri-colour marking (GC-13, GC-14), on the concurrent collector. Root → A → B → W; the marker
 * has scanned A (black), B is gray, W white. The mutator stores W's only reference into black A and deletes B's, while
 * the marker scans B. Without a barrier the marker may find B empty and W is swept though A names it; the SATB barrier
 * logs the deleted reference, so W ends marked whatever the order.
 */
@JCStressTest
@Description("a white object's only reference moved into a black object while the marker runs: the object stays marked")
@Outcome(id = "KEPT", expect = ACCEPTABLE, desc = "W survived the cycle: marked through B or through the snapshot buffer")
@Outcome(id = "LOST", expect = FORBIDDEN, desc = "W was swept while reachable from A")
@State
public class BlackTakesWhiteStress {
    final Fixture f;
    final Mutator m;

    public BlackTakesWhiteStress() {
        this(false);
    }

    BlackTakesWhiteStress(boolean noBarrier) {
        f = new Fixture(noBarrier);
        m = f.c.mutator();
        m.pushFrame(1);
        m.setLocal(0, f.object(m));
        m.setRef(m.local(0), 0, f.object(m));
        m.setRef(m.getRef(m.local(0), 0), 0, f.object(m));
        f.c.step(); // root scan: A gray
        f.c.step(); // A scanned: A black, B gray, W white
        m.enterSafeRegion();
    }

    @Actor
    public void mutator() {
        m.leaveSafeRegion();
        long a = m.local(0);
        long b = m.getRef(a, 0);
        long w = m.getRef(b, 0);
        m.setRef(a, 1, w); // into the black object
        m.setRef(b, 0, 0); // the gray path cut
        m.enterSafeRegion();
    }

    @Actor
    public void marker() {
        f.c.step(); // scans B
    }

    @Arbiter
    public void arbiter(L_Result r) {
        m.leaveSafeRegion();
        f.finishCycle();
        r.r1 = f.verdict(m, 0, 1);
        f.c.close();
    }
}
