package org.jalloc.stress.threadcache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;

import org.jalloc.threadcache.ThreadCache;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * Two threads with empty caches allocate at once: both refill from the same central list (one arena) and must never
 * receive the same block; afterwards the heap checks clean with exactly those two blocks live.
 */
@JCStressTest
@Description("two threads allocating concurrently never receive the same block")
@Outcome(id = "DISTINCT, OK", expect = ACCEPTABLE, desc = "each thread got its own block; every other block is free in exactly one place")
@Outcome(id = "SAME_BLOCK, .*", expect = FORBIDDEN, desc = "both threads received the same block")
@Outcome(expect = FORBIDDEN, desc = "the heap checker found a lost, duplicated or corrupted block")
@State
public class ConcurrentMallocStress {
    private final Fixture f = new Fixture(1);
    private final ThreadCache one = f.cache();
    private final ThreadCache two = f.cache();
    private long p1;
    private long p2;

    @Actor
    public void first() {
        p1 = f.allocator.malloc(one, 48);
    }

    @Actor
    public void second() {
        p2 = f.allocator.malloc(two, 48);
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = p1 == p2 ? "SAME_BLOCK" : "DISTINCT";
        r.r2 = f.verdict(List.of(p1, p2));
        f.recycle();
    }
}
