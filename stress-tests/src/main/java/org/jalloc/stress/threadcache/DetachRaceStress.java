package org.jalloc.stress.threadcache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;

import org.jalloc.threadcache.CacheMisuseException;
import org.jalloc.threadcache.ThreadCache;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * A cache detached (thread death, modelled with {@code detach()} since JCStress pools its actor threads) while
 * another thread frees the blocks it allocated. The dying cache (arena 0) holds cached blocks and six live ones; the
 * other thread (arena 1) frees the six and flushes, pushing them onto arena 0's remote stacks while the detach
 * returns the dying cache's lists to arena 0 under the lock. Afterwards nothing is live, every block is free in
 * exactly one place, and the detached cache refuses further use.
 */
@JCStressTest
@Description("a cache detached while another thread frees blocks it allocated")
@Outcome(id = "OK, DETACHED", expect = ACCEPTABLE, desc = "no block lost or duplicated; the detached cache is refused")
@Outcome(expect = FORBIDDEN, desc = "a block was lost or duplicated, or the detached cache still worked")
@State
public class DetachRaceStress {
    private final Fixture f = new Fixture(2);
    private final ThreadCache dying = f.cache();
    private final ThreadCache other = f.cache();
    private final long[] allocatedByDying = new long[6];

    public DetachRaceStress() {
        long[] cached = new long[10];
        for (int i = 0; i < cached.length; i++) {
            cached[i] = f.allocator.malloc(dying, 64);
        }
        for (int i = 0; i < allocatedByDying.length; i++) {
            allocatedByDying[i] = f.allocator.malloc(dying, 64);
        }
        for (long p : cached) {
            f.allocator.free(dying, p);
        }
    }

    @Actor
    public void threadEnds() {
        f.allocator.detach(dying);
    }

    @Actor
    public void otherFrees() {
        for (long p : allocatedByDying) {
            f.allocator.free(other, p);
        }
        f.allocator.flushCache(other);
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = f.verdict(List.of());
        try {
            f.allocator.malloc(dying, 64);
            r.r2 = "STILL_USABLE";
        } catch (CacheMisuseException expected) {
            r.r2 = "DETACHED";
        }
        f.recycle();
    }
}
