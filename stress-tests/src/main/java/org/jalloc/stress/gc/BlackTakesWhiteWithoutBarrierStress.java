package org.jalloc.stress.gc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * {@link BlackTakesWhiteStress} with the SATB barrier removed (the test-only switch): the barrier is necessary. LOST —
 * forbidden with the barrier — is what this run must show whenever the mutator runs before the marker scans B
 * (docs/gc.md records how often); it is marked interesting, not forbidden, so the sanity run stays green.
 */
@JCStressTest
@Description("the lost-object race with the snapshot barrier removed: the object is swept")
@Outcome(id = "KEPT", expect = ACCEPTABLE, desc = "the marker scanned B before the mutator cut it")
@Outcome(id = "LOST", expect = ACCEPTABLE_INTERESTING, desc = "the barrier removed: W swept while reachable")
@State
public class BlackTakesWhiteWithoutBarrierStress {
    private final BlackTakesWhiteStress t = new BlackTakesWhiteStress(true);

    @Actor
    public void mutator() {
        t.mutator();
    }

    @Actor
    public void marker() {
        t.marker();
    }

    @Arbiter
    public void arbiter(L_Result r) {
        t.arbiter(r);
    }
}
