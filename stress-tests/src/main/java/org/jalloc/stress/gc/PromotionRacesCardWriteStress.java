package org.jalloc.stress.gc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.jalloc.gc.GcStressHooks;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * A promotion racing a card-table write (GC-9). A minor collection promotes an object whose field names the nursery
 * and remembers that field's card, while a mutator thread's write barrier dirties the neighbouring card — two writers
 * of one card table, the cards adjacent bytes of one word. Neither dirty card may be lost: the table is a byte per
 * card, written with single-byte stores (a bit-packed table updated by read-modify-write would lose one). The
 * generational collector itself is single-owner; this is the race a concurrent promotion would have with the barrier.
 */
@JCStressTest
@Description("a promotion's card write and a barrier's card write on adjacent cards: both stay dirty")
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "both cards dirty")
@Outcome(expect = FORBIDDEN, desc = "a dirty card was lost: a minor collection would miss an old-to-young reference")
@State
public class PromotionRacesCardWriteStress {
    private final GcStressHooks.Cards cards = new GcStressHooks.Cards();
    private final long promoted = cards.tenuredSlot(4);
    private final long stored = cards.tenuredSlot(5);

    @Actor
    public void promotion() {
        cards.promotionRemembers(promoted);
    }

    @Actor
    public void barrier() {
        cards.mutatorStoresYoung(stored);
    }

    @Arbiter
    public void arbiter(ZZ_Result r) {
        r.r1 = cards.dirty(promoted);
        r.r2 = cards.dirty(stored);
        cards.close();
    }
}
