package org.jalloc.stress.threadcache;

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
 * Two virtual threads race for the one striped cache ({@code stripes=1}): each claims it with the try-lock for its
 * call, or, finding it held, takes the arena path. The stripe's cache was left holding two free blocks (LIFO), so a
 * claim that let both threads in would hand both the same head. Each thread mallocs one block and frees one block
 * the state allocated beforehand (a free through the stripe or the arena path). Afterwards the two blocks are
 * distinct, and the heap checker finds every block in exactly one place (live, the stripe's cache, a central list).
 */
@JCStressTest
@Description("two virtual threads claiming the one striped cache never share it")
@Outcome(id = "DISTINCT, OK", expect = ACCEPTABLE, desc = "each thread got its own block; every other block is free in exactly one place")
@Outcome(id = "SAME_BLOCK, .*", expect = FORBIDDEN, desc = "both threads received the same block: the stripe was shared")
@Outcome(expect = FORBIDDEN, desc = "the heap checker found a lost, duplicated or corrupted block")
@State
public class StripeClaimStress {
    private final Fixture f = new Fixture("arenas=1,stripes=1");
    private final long[] toFree = new long[2];
    private long p1;
    private long p2;

    public StripeClaimStress() {
        onVirtual(() -> {
            long a = f.allocator.malloc(48);
            long b = f.allocator.malloc(48);
            toFree[0] = f.allocator.malloc(48);
            toFree[1] = f.allocator.malloc(48);
            f.allocator.free(b);
            f.allocator.free(a); // the stripe's list for 48 B now starts a -> b -> ...
        });
    }

    @Actor
    public void first() {
        onVirtual(() -> {
            p1 = f.allocator.malloc(48);
            f.allocator.free(toFree[0]);
        });
    }

    @Actor
    public void second() {
        onVirtual(() -> {
            p2 = f.allocator.malloc(48);
            f.allocator.free(toFree[1]);
        });
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = p1 == p2 ? "SAME_BLOCK" : "DISTINCT";
        List<Long> live = new ArrayList<>(List.of(p1, p2));
        r.r2 = f.verdict(live);
        f.recycle();
    }

    /** Runs {@code task} on a new virtual thread and waits for it (the join orders its writes before our reads). */
    private static void onVirtual(Runnable task) {
        Thread t = Thread.ofVirtual().start(task);
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
