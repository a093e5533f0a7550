package org.jalloc.stress.slab;

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
 * {@code slab:debug=F} (F alone is the engine's own, docs/slab.md): two threads free the same kmalloc block at once,
 * each into its own magazine. F claims the block's head word with one CAS, and tells the ring, before the object
 * becomes a round, so exactly one free passes and the other is a {@link DoubleFreeException} (it finds the claim, the
 * free marker over the head or the state map's FREE, and the ring names the free); each actor then detaches (its
 * magazine flushed to the slab), and the heap is well formed with no live block. Forbidden: both pass (the object a
 * round twice) or neither, or any other refusal. The body is {@link TwoFreesOfOneBlock}, shared with slub's.
 */
@JCStressTest
@Description("slab:debug=F: two racing frees of one block, exactly one passes")
@Outcome(id = {TwoFreesOfOneBlock.FIRST_PASSED, TwoFreesOfOneBlock.SECOND_PASSED}, expect = ACCEPTABLE, desc = "one free passed, the other was refused")
@Outcome(expect = FORBIDDEN, desc = "both frees passed, neither did, another refusal, or the checker found the heap broken")
@State
public class DoubleFreeRaceUnderFStress {
    private final Fixture f = new Fixture("slab:debug=F", 4, 0);
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
        r.r3 = f.verdictForKmalloc(List.of());
    }
}
