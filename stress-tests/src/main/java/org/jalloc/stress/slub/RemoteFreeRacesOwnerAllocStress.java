package org.jalloc.stress.slub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * A remote free racing the owner's allocation from the same slab. The constructor fills kmalloc-64's only slab but
 * for 3 objects and detaches. The owner allocates 6 objects: it activates that slab, takes its 3 free objects, then
 * its slow path takes the remote list (getAndSet) or deactivates the full slab. Meanwhile the other thread frees 8
 * of the constructor's objects: onto the remote list (one CAS) when the slab is active, under the arena lock when it
 * is detached. Forbidden: an object handed out twice (a holder's mark overwritten) or lost (the checker: SLUB-1).
 */
@JCStressTest
@Description("slub: remote frees racing the owner's allocation from the same slab")
@Outcome(id = "EXCLUSIVE, OK", expect = ACCEPTABLE, desc = "no object handed out twice; none lost")
@Outcome(id = "SHARED, .*", expect = FORBIDDEN, desc = "an object was held by two holders at once")
@Outcome(expect = FORBIDDEN, desc = "the checker found an object lost, duplicated or in two places")
@State
public class RemoteFreeRacesOwnerAllocStress {
    /** Kmalloc-64: the slab 61 of 64 in use, detached, on the partial list; the owner takes 6; the other thread frees 8. */
    private final RemoteFreeRace race = new RemoteFreeRace(64, 61, 6, 8);

    @Actor
    public void owner() {
        race.ownerAllocates();
    }

    @Actor
    public void remote() {
        race.remoteFrees();
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        race.arbiter(r);
    }
}
