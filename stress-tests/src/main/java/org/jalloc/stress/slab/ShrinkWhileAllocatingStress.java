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
 * {@code shrink()} reaches into every thread's magazines (under each thread's magazine lock), empties the depot and
 * returns empty slabs to buddy while another thread allocates and frees through its own magazines (3 rounds). The
 * owner's magazine operations and the flush must exclude each other: no object handed out while still held, none lost, no slab
 * destroyed with an object in use: SLAB-1..7, HEAP-1..8, BUDDY-1..5.
 */
@JCStressTest
@Description("shrink flushing magazines while their owner allocates and frees")
@Outcome(id = "EXCLUSIVE, OK", expect = ACCEPTABLE, desc = "no object handed out twice; none lost")
@Outcome(id = "SHARED, .*", expect = FORBIDDEN, desc = "an object was handed out while still held (a mark overwritten)")
@Outcome(expect = FORBIDDEN, desc = "the checker found an object lost, duplicated or a slab freed under a live object")
@State
public class ShrinkWhileAllocatingStress {
    private final Fixture f = new Fixture(3);
    private final long[] owned = new long[6];

    public ShrinkWhileAllocatingStress() {
        long[] warm = new long[200]; // more than two slabs: shrink has empty slabs to return
        for (int i = 0; i < warm.length; i++) {
            warm[i] = f.cache.alloc();
        }
        for (long p : warm) {
            f.cache.free(p);
        }
        f.allocator.detach();
    }

    private boolean exclusive = true;

    @Actor
    public void owner() {
        for (int i = 0; i < owned.length; i++) {
            owned[i] = f.cache.alloc();
            exclusive &= f.stamp(owned[i], Fixture.mark(1, i));
        }
        for (int i = 0; i < 4; i++) {
            exclusive &= f.intact(owned[i], Fixture.mark(1, i));
            f.cache.free(owned[i]);
        }
        owned[0] = f.cache.alloc();
        exclusive &= f.stamp(owned[0], Fixture.mark(1, 0));
    }

    @Actor
    public void shrinker() {
        f.cache.shrink();
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        boolean ok = exclusive && owned[0] != owned[4] && owned[0] != owned[5];
        ok &= f.intact(owned[0], Fixture.mark(1, 0)) && f.intact(owned[4], Fixture.mark(1, 4)) && f.intact(owned[5], Fixture.mark(1, 5));
        r.r1 = ok ? "EXCLUSIVE" : "SHARED";
        r.r2 = f.verdictForCache(new ArrayList<>(List.of(owned[0], owned[4], owned[5])));
        f.recycle();
    }
}
