package org.jalloc.stress.slab;

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
    /** 1-round magazines: most go to the depot full; each thread allocates 6 and frees 4. */
    private final DepotExchange race = new DepotExchange(new Fixture(1, 1), 8, 6, 4);

    @Actor
    public void first() {
        race.first();
    }

    @Actor
    public void second() {
        race.second();
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        race.arbiter(r);
    }
}
