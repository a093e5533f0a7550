package org.jalloc.stress.slab;

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
 * Two threads without magazines exchange with one depot (magazines of 2 rounds): the depot starts with three full
 * magazines and two empty ones. Each thread allocates 5 objects — taking full magazines from the depot, the loser
 * falling back to the slabs — and frees 3 of them, which fills its magazines and sends full ones back to the depot
 * for empty ones. No object may be handed to both threads, and afterwards every object the threads did not keep is
 * free in exactly one place (slab free list, a thread's magazine, the depot): SLAB-1..7, HEAP-1..8.
 */
@JCStressTest
@Description("two threads exchanging full and empty magazines with one depot")
@Outcome(id = "EXCLUSIVE, OK", expect = ACCEPTABLE, desc = "each object went to one thread; none lost, none in two places")
@Outcome(id = "SHARED, .*", expect = FORBIDDEN, desc = "an object was held by both threads at once (a mark overwritten)")
@Outcome(expect = FORBIDDEN, desc = "the checker found an object lost, duplicated or in two places")
@State
public class MagazineDepotExchangeStress {
    private final Fixture f = new Fixture(2);
    private final long[] a = new long[5];
    private final long[] b = new long[5];

    public MagazineDepotExchangeStress() {
        long[] warm = new long[10];
        for (int i = 0; i < warm.length; i++) {
            warm[i] = f.cache.alloc();
        }
        for (long p : warm) {
            f.cache.free(p); // loaded 2, previous 2, three full magazines to the depot
        }
        f.allocator.detach(); // this thread's two magazines: rounds to the slabs, the magazines to the depot empty
    }

    private boolean exclusiveA = true;
    private boolean exclusiveB = true;

    @Actor
    public void first() {
        exclusiveA = run(1, a);
    }

    @Actor
    public void second() {
        exclusiveB = run(2, b);
    }

    /** Allocates 5 objects, marks each, frees the first 3 (checking their marks); false when a mark was overwritten. */
    private boolean run(int actor, long[] objs) {
        boolean ok = true;
        for (int i = 0; i < objs.length; i++) {
            objs[i] = f.cache.alloc();
            ok &= f.stamp(objs[i], Fixture.mark(actor, i));
        }
        for (int i = 0; i < 3; i++) {
            ok &= f.intact(objs[i], Fixture.mark(actor, i));
            f.cache.free(objs[i]);
        }
        return ok;
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        boolean exclusive = exclusiveA && exclusiveB;
        for (int i = 3; i < 5; i++) {
            exclusive &= f.intact(a[i], Fixture.mark(1, i)) && f.intact(b[i], Fixture.mark(2, i));
        }
        r.r1 = exclusive ? "EXCLUSIVE" : "SHARED";
        List<Long> kept = new ArrayList<>(List.of(a[3], a[4], b[3], b[4]));
        r.r2 = f.verdictForCache(kept);
        f.recycle();
    }
}
