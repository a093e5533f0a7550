package org.jalloc.stress.threadcache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;

import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * {@code thread-cache:debug=F}: two threads free two different blocks at once, so both frees write F's ring of recent
 * frees (core's {@code RecentFrees}, packed mode: one opaque 64-bit store per free at an index read and written without
 * an atomic). The arbiter then frees both again. A racing pair may write the same slot, so one entry may be lost: that
 * double free is then refused as an invalid pointer. Forbidden: a double free that names the other block's size (an
 * entry torn between two frees), a second free that passes, both entries lost (two stores to one slot leave one), or a
 * heap the checker finds broken.
 */
@JCStressTest
@Description("thread-cache:debug=F: two racing frees both noted in the ring of recent frees, or one lost whole")
@Outcome(id = "named, named, OK", expect = ACCEPTABLE, desc = "both double frees named with their own sizes")
@Outcome(id = {"named, lost, OK", "lost, named, OK"}, expect = ACCEPTABLE_INTERESTING,
        desc = "the two frees wrote one slot: one entry lost, its double free refused as an invalid pointer")
@Outcome(expect = FORBIDDEN, desc = "a wrong size, a double free that passed, both entries lost, or a broken heap")
@State
public class RecentFreesRaceUnderFStress {
    private final Fixture f = new Fixture("debug=F");
    private final long p;
    private final long q;
    private final long pUsable;
    private final long qUsable;

    public RecentFreesRaceUnderFStress() {
        p = f.allocator.malloc(48);
        q = f.allocator.malloc(400);
        pUsable = f.allocator.usableSize(p);
        qUsable = f.allocator.usableSize(q);
    }

    @Actor
    public void first() {
        f.allocator.free(p);
    }

    @Actor
    public void second() {
        f.allocator.free(q);
    }

    private String again(long u, long usable) {
        try {
            f.allocator.free(u);
            return "passed";
        } catch (DoubleFreeException e) {
            return e.getMessage().contains("block already freed (" + usable + " bytes)") ? "named" : "wrong size: " + e.getMessage();
        } catch (InvalidPointerException e) {
            return "lost";
        }
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r1 = again(p, pUsable);
        r.r2 = again(q, qUsable);
        r.r3 = f.verdict(List.of());
        f.recycle();
    }
}
