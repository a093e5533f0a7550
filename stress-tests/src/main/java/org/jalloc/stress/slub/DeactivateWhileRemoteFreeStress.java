package org.jalloc.stress.slub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.ArrayList;
import java.util.List;

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
    private final Fixture f = new Fixture();
    private final long[] held = new long[20];
    private final long[] got = new long[4];
    private boolean exclusiveA = true;
    private boolean exclusiveB = true;

    public DeactivateWhileRemoteFreeStress() {
        for (int i = 0; i < held.length; i++) {
            held[i] = f.allocator.malloc(128);
            f.stamp(held[i], Fixture.mark(0, i));
        }
        f.allocator.detach();
    }

    @Actor
    public void ownerDeactivates() {
        for (int i = 0; i < got.length; i++) {
            got[i] = f.allocator.malloc(128);
            exclusiveA &= f.stamp(got[i], Fixture.mark(1, i));
        }
        f.allocator.detach();
    }

    @Actor
    public void remote() {
        for (int i = 0; i < 6; i++) {
            exclusiveB &= f.intact(held[i], Fixture.mark(0, i));
            f.allocator.free(held[i]);
        }
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        boolean exclusive = exclusiveA && exclusiveB;
        List<Long> live = new ArrayList<>();
        for (int i = 6; i < held.length; i++) {
            exclusive &= f.intact(held[i], Fixture.mark(0, i));
            live.add(held[i]);
        }
        for (int i = 0; i < got.length; i++) {
            exclusive &= f.intact(got[i], Fixture.mark(1, i));
            live.add(got[i]);
        }
        r.r1 = exclusive ? "EXCLUSIVE" : "SHARED";
        r.r2 = f.verdict(live);
        f.recycle();
    }
}
