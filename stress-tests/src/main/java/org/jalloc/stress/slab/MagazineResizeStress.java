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
 * Magazine resizing racing a depot exchange: a cache that starts with 1-round magazines and steps its magazine size
 * up on every contended depot entry (1, 3, 7, 15, ...). Two threads allocate 6 objects and free 4 through their
 * magazines, so both exchange with the depot while the size grows under them: magazines of an older size still
 * circulate (full ones are used up, empty ones dropped as they come back). Forbidden: an object held by two holders,
 * a round lost or in two places, a magazine above the cache's size or a previous magazine neither full nor empty
 * (SLAB-7).
 */
@JCStressTest
@Description("slab: a cache's magazine size stepping up while two threads exchange magazines with the depot")
@Outcome(id = "EXCLUSIVE, OK", expect = ACCEPTABLE, desc = "no object handed out twice; every round in one place")
@Outcome(id = "SHARED, .*", expect = FORBIDDEN, desc = "an object was held by two holders at once")
@Outcome(expect = FORBIDDEN, desc = "the checker found a round lost, duplicated, or a magazine out of shape")
@State
public class MagazineResizeStress {
    private final Fixture f = new Fixture(1, 1);
    private final long[] a = new long[6];
    private final long[] b = new long[6];
    private boolean exclusiveA = true;
    private boolean exclusiveB = true;

    public MagazineResizeStress() {
        long[] warm = new long[8];
        for (int i = 0; i < warm.length; i++) {
            warm[i] = f.cache.alloc();
        }
        for (long p : warm) {
            f.cache.free(p); // 1-round magazines: most go to the depot full
        }
        f.allocator.detach();
    }

    @Actor
    public void first() {
        exclusiveA = run(1, a);
    }

    @Actor
    public void second() {
        exclusiveB = run(2, b);
    }

    private boolean run(int actor, long[] objs) {
        boolean ok = true;
        for (int i = 0; i < objs.length; i++) {
            objs[i] = f.cache.alloc();
            ok &= f.stamp(objs[i], Fixture.mark(actor, i));
        }
        for (int i = 0; i < 4; i++) {
            ok &= f.intact(objs[i], Fixture.mark(actor, i));
            f.cache.free(objs[i]);
        }
        return ok;
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        boolean exclusive = exclusiveA && exclusiveB;
        for (int i = 4; i < 6; i++) {
            exclusive &= f.intact(a[i], Fixture.mark(1, i)) && f.intact(b[i], Fixture.mark(2, i));
        }
        r.r1 = exclusive ? "EXCLUSIVE" : "SHARED";
        List<Long> kept = new ArrayList<>(List.of(a[4], a[5], b[4], b[5]));
        r.r2 = f.verdictForCache(kept);
        f.recycle();
    }
}
