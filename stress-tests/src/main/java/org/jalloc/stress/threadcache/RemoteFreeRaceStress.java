package org.jalloc.stress.threadcache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
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
 * A remote free racing the owner's allocation. Two arenas: the owner's cache (arena 0) allocated block x and was
 * flushed, so its next malloc refills from arena 0's central list, draining that list's remote stack. Meanwhile a
 * thread of arena 1 frees x into its cache and flushes it, which pushes x onto arena 0's remote stack with a CAS.
 * Whatever the order, x must end up in exactly one place and the owner's new block must be live exactly once.
 */
@JCStressTest
@Description("a remote free racing the owner's allocation neither loses nor duplicates the block")
@Outcome(id = "GOT_OTHER_BLOCK, OK", expect = ACCEPTABLE, desc = "the owner got another block; x is free in exactly one place")
@Outcome(id = "GOT_REMOTE_BLOCK, OK", expect = ACCEPTABLE_INTERESTING, desc = "the owner got x back through the remote stack")
@Outcome(expect = FORBIDDEN, desc = "x was lost or duplicated, or the heap is corrupt")
@State
public class RemoteFreeRaceStress {
    private final Fixture f = new Fixture(2);
    private final ThreadCache owner = f.cache();
    private final ThreadCache remote = f.cache();
    private final long x;
    private long y;

    public RemoteFreeRaceStress() {
        x = f.allocator.malloc(owner, 48);
        f.allocator.flushCache(owner);
    }

    @Actor
    public void ownerAllocates() {
        y = f.allocator.malloc(owner, 48);
    }

    @Actor
    public void remoteFrees() {
        f.allocator.free(remote, x);
        f.allocator.flushCache(remote);
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = y == x ? "GOT_REMOTE_BLOCK" : "GOT_OTHER_BLOCK";
        r.r2 = f.verdict(List.of(y));
        f.recycle();
    }
}
