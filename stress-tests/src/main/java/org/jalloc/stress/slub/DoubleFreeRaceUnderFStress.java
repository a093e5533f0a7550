package org.jalloc.stress.slub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;

import org.jalloc.core.DoubleFreeException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * {@code slub:debug=F} (F alone is the engine's own, docs/slub.md): two threads free the same block at once. The
 * constructor allocates it and detaches, so both frees go to a detached slab (no owner). F claims the block's head
 * word with one CAS before the engine frees it, so exactly one free passes and the other is a
 * {@link DoubleFreeException}; the heap is then well formed with no live block. Forbidden: both pass (the object on a
 * free list twice) or neither.
 */
@JCStressTest
@Description("slub:debug=F: two racing frees of one block, exactly one passes")
@Outcome(id = {"freed, double free, OK", "double free, freed, OK"}, expect = ACCEPTABLE, desc = "one free passed, the other was refused")
@Outcome(expect = FORBIDDEN, desc = "both frees passed, neither did, or the checker found the heap broken")
@State
public class DoubleFreeRaceUnderFStress {
    private final Fixture f = new Fixture("slub:arenas=1,empty-slabs=2,debug=F");
    private final long p;

    public DoubleFreeRaceUnderFStress() {
        p = f.allocator.malloc(48);
        f.allocator.detach();
    }

    private String free() {
        try {
            f.allocator.free(p);
            return "freed";
        } catch (DoubleFreeException e) {
            return "double free";
        } finally {
            f.allocator.detach();
        }
    }

    @Actor
    public void first(LLL_Result r) {
        r.r1 = free();
    }

    @Actor
    public void second(LLL_Result r) {
        r.r2 = free();
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r3 = f.verdict(List.of());
    }
}
