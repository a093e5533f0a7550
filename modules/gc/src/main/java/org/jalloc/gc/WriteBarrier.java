package org.jalloc.gc;

/**
 * The write-barrier hook: every reference store through {@link Mutator} calls {@link #beforeStore} first, and every
 * root store calls {@link #beforeRootStore}. The collectors of this module need no barrier ({@link #NONE}); a
 * generational collector records old-to-young stores here (card table, store buffer), an incremental or concurrent
 * one shades {@code newValue} (Dijkstra) or {@code oldValue} (Yuasa), a reference-counting one counts.
 *
 * <p>A barrier instance belongs to one mutator (its buffers are mutator-local state); the collector's
 * {@code Collector.newBarrier} makes one per mutator. Values are the stored representation (addresses, or
 * handles for {@code handles}), after the mutator has validated them: a barrier never sees a misuse.
 */
public interface WriteBarrier {
    /** No barrier: the stop-the-world collectors of this module. */
    WriteBarrier NONE = new WriteBarrier() {
        @Override
        public void beforeStore(long object, long slot, long oldValue, long newValue) {}

        @Override
        public void beforeRootStore(long oldValue, long newValue) {}

        @Override
        public boolean isNone() {
            return true;
        }
    };

    /**
     * Called before the reference field at heap address {@code slot} of {@code object} changes from
     * {@code oldValue} to {@code newValue} (stored representation; 0 is NULL).
     */
    void beforeStore(long object, long slot, long oldValue, long newValue);

    /** Called before a root slot (local or global) changes from {@code oldValue} to {@code newValue}. */
    void beforeRootStore(long oldValue, long newValue);

    /** True for {@link #NONE}: the mutator then skips the calls. */
    default boolean isNone() {
        return false;
    }
}
