package org.jalloc.stress.slab;

import java.util.ArrayList;
import java.util.List;

import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * The race {@link MagazineDepotExchangeStress} and {@link MagazineResizeStress} share: the constructor fills the depot
 * by allocating and freeing {@code warm} objects of the fixture's cache and detaches; then two threads each allocate
 * {@code objects} objects, mark them, and free the first {@code frees} through their magazines (checking the marks),
 * so both exchange magazines with the depot. The arbiter's first result is {@code EXCLUSIVE} when no mark was
 * overwritten (no object held by both threads at once), else {@code SHARED}; the second is the heap checker's verdict
 * with the kept objects live. Each JCStress test keeps its own class, fixture and outcomes.
 */
final class DepotExchange {
    private final Fixture f;
    private final long[] a;
    private final long[] b;
    private final int frees;
    private boolean exclusiveA = true;
    private boolean exclusiveB = true;

    DepotExchange(Fixture f, int warm, int objects, int frees) {
        this.f = f;
        this.a = new long[objects];
        this.b = new long[objects];
        this.frees = frees;
        long[] w = new long[warm];
        for (int i = 0; i < w.length; i++) {
            w[i] = f.cache.alloc();
        }
        for (long p : w) {
            f.cache.free(p); // rounds into magazines; full magazines go to the depot
        }
        f.allocator.detach(); // this thread's magazines: rounds to the slabs, the magazines to the depot empty
    }

    /** The first actor. */
    void first() {
        exclusiveA = run(1, a);
    }

    /** The second actor. */
    void second() {
        exclusiveB = run(2, b);
    }

    /** Allocates, marks each object, frees the first {@code frees} (checking their marks); false when a mark was overwritten. */
    private boolean run(int actor, long[] objs) {
        boolean ok = true;
        for (int i = 0; i < objs.length; i++) {
            objs[i] = f.cache.alloc();
            ok &= f.stamp(objs[i], Fixture.mark(actor, i));
        }
        for (int i = 0; i < frees; i++) {
            ok &= f.intact(objs[i], Fixture.mark(actor, i));
            f.cache.free(objs[i]);
        }
        return ok;
    }

    void arbiter(LL_Result r) {
        boolean exclusive = exclusiveA && exclusiveB;
        List<Long> kept = new ArrayList<>();
        for (int i = frees; i < a.length; i++) {
            exclusive &= f.intact(a[i], Fixture.mark(1, i)) && f.intact(b[i], Fixture.mark(2, i));
            kept.add(a[i]);
        }
        for (int i = frees; i < b.length; i++) {
            kept.add(b[i]);
        }
        r.r1 = exclusive ? "EXCLUSIVE" : "SHARED";
        r.r2 = f.verdictForCache(kept);
        f.recycle();
    }
}
