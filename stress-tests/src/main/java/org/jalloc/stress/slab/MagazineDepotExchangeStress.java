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
    /** Loaded 2, previous 2, three full magazines to the depot; each thread allocates 5 and frees 3. */
    private final DepotExchange race = new DepotExchange(new Fixture(2), 10, 5, 3);

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
