package org.jalloc.stress.threadcache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.threadcache.ThreadCache;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Batch transfer under contention (one arena, class 16 B: batches of 32, lists of at most 128): one cache frees 160
 * blocks, overflowing and returning batches to the central list, while another allocates 100 blocks, refilling
 * batches from the same list. Afterwards exactly the 100 new blocks are live and every other block is free in
 * exactly one place.
 */
@JCStressTest
@Description("batch transfer between a thread cache and the central list under contention")
@Outcome(id = "OK", expect = ACCEPTABLE, desc = "every block accounted for exactly once")
@Outcome(expect = FORBIDDEN, desc = "a block was lost, duplicated or handed out twice")
@State
public class BatchTransferStress {
    private final Fixture f = new Fixture(1);
    private final ThreadCache freeing = f.cache();
    private final ThreadCache allocating = f.cache();
    private final long[] held = new long[160];
    private final long[] got = new long[100];

    public BatchTransferStress() {
        for (int i = 0; i < held.length; i++) {
            held[i] = f.allocator.malloc(freeing, 16);
        }
    }

    @Actor
    public void frees() {
        for (long p : held) {
            f.allocator.free(freeing, p);
        }
    }

    @Actor
    public void allocates() {
        for (int i = 0; i < got.length; i++) {
            got[i] = f.allocator.malloc(allocating, 16);
        }
    }

    @Arbiter
    public void arbiter(L_Result r) {
        List<Long> live = new ArrayList<>();
        for (long p : got) {
            live.add(p);
        }
        r.r1 = f.verdict(live);
        f.recycle();
    }
}
