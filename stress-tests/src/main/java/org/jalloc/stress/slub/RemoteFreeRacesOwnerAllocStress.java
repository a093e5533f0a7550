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
    private final Fixture f = new Fixture();
    private final long[] held = new long[61];
    private final long[] got = new long[6];
    private boolean exclusiveA = true;
    private boolean exclusiveB = true;

    public RemoteFreeRacesOwnerAllocStress() {
        for (int i = 0; i < held.length; i++) {
            held[i] = f.allocator.malloc(64);
            f.stamp(held[i], Fixture.mark(0, i));
        }
        f.allocator.detach(); // the slab: 61 of 64 in use, detached, on the partial list
    }

    @Actor
    public void owner() {
        for (int i = 0; i < got.length; i++) {
            got[i] = f.allocator.malloc(64);
            exclusiveA &= f.stamp(got[i], Fixture.mark(1, i));
        }
    }

    @Actor
    public void remote() {
        for (int i = 0; i < 8; i++) {
            exclusiveB &= f.intact(held[i], Fixture.mark(0, i));
            f.allocator.free(held[i]);
        }
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        boolean exclusive = exclusiveA && exclusiveB;
        List<Long> live = new ArrayList<>();
        for (int i = 8; i < held.length; i++) {
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
