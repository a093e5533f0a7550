package org.jalloc.gc;

/**
 * What the gc JCStress tests (org.jalloc.stress.gc) need of gc's internals: the test-only switch that removes the
 * concurrent collector's snapshot barrier, and the two writers of a generational card table — the promotion path and
 * the mutator's write barrier. The stress tests run on the class path, so this class shares gc's package.
 */
public final class GcStressHooks {
    private GcStressHooks() {}

    /** The planted bug of the barrier-off stress test: the concurrent collector's SATB barrier logs nothing. */
    public static void removeSnapshotBarrier(Collector c) {
        ((ConcurrentCollector) c).fault = ConcurrentCollector.Fault.NO_BARRIER;
    }

    /** A generational collector's card table, written by a promotion and by a mutator's barrier. */
    public static final class Cards implements AutoCloseable {
        private final GenerationalCollector g;
        private final WriteBarrier barrier;

        public Cards() {
            g = (GenerationalCollector) Collectors.create("generational:remset=cards", null, 256 << 10);
            barrier = g.mutator().barrier();
        }

        /** The address of a field in tenured card {@code card}. */
        public long tenuredSlot(int card) {
            return g.cards.cardBase(card) + 16;
        }

        /** What a minor collection does when it promotes an object whose field names the nursery: remember the field. */
        public void promotionRemembers(long slot) {
            g.remember(slot);
        }

        /** A mutator's store of a nursery reference into the tenured field {@code slot}, through its barrier. */
        public void mutatorStoresYoung(long slot) {
            barrier.beforeStore(slot - 16, slot, 0, g.space.nurseryStart() + 16);
        }

        public boolean dirty(long slot) {
            return g.cards.isDirty(slot);
        }

        @Override
        public void close() {
            g.close();
        }
    }
}
