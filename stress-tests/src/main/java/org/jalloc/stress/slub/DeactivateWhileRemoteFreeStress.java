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
 * The owner's slab deactivated while another thread frees into it. The owner allocates (activating the constructor's
 * partial slab of kmalloc-128) and then detaches: {@code getAndSet(remote, DETACHED)} under the arena lock, its cpu
 * free list and the remote list becoming the slab's free list. The other thread frees 6 of the constructor's objects
 * of that slab at the same time: a CAS onto the remote list before the deactivation, the locked path after it.
 * Forbidden: a free lost between the two (SLUB-1), an object handed out twice.
 */
@JCStressTest
@Description("slub: an owner deactivating its slab while another thread frees into it")
@Outcome(id = "EXCLUSIVE, OK", expect = ACCEPTABLE, desc = "every free landed in one place; nothing handed out twice")
@Outcome(id = "SHARED, .*", expect = FORBIDDEN, desc = "an object was held by two holders at once")
@Outcome(expect = FORBIDDEN, desc = "the checker found an object lost, duplicated or in two places")
@State
public class DeactivateWhileRemoteFreeStress {
    /** Kmalloc-128: 20 objects held; the owner takes 4 and detaches; the other thread frees 6. */
    private final RemoteFreeRace race = new RemoteFreeRace(128, 20, 4, 6);

    @Actor
    public void ownerDeactivates() {
        race.ownerAllocates();
        race.ownerDetaches();
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
