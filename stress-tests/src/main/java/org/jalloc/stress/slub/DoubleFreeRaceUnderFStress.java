package org.jalloc.stress.slub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;

import org.jalloc.core.DoubleFreeException;
import org.jalloc.stress.support.TwoFreesOfOneBlock;
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
 * free list twice) or neither, or any other refusal. The body is {@link TwoFreesOfOneBlock}, shared with slab's.
 */
@JCStressTest
@Description("slub:debug=F: two racing frees of one block, exactly one passes")
@Outcome(id = {TwoFreesOfOneBlock.FIRST_PASSED, TwoFreesOfOneBlock.SECOND_PASSED}, expect = ACCEPTABLE, desc = "one free passed, the other was refused")
@Outcome(expect = FORBIDDEN, desc = "both frees passed, neither did, another refusal, or the checker found the heap broken")
@State
public class DoubleFreeRaceUnderFStress {
    private final Fixture f = new Fixture("slub:arenas=1,empty-slabs=2,debug=F");
    private final TwoFreesOfOneBlock race = new TwoFreesOfOneBlock(f.allocator, f.allocator::detach);

    @Actor
    public void first(LLL_Result r) {
        r.r1 = race.free();
    }

    @Actor
    public void second(LLL_Result r) {
        r.r2 = race.free();
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r3 = f.verdict(List.of());
    }
}
