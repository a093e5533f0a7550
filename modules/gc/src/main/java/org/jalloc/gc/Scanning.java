package org.jalloc.gc;

/**
 * How a collector finds references (MMTk's {@code Scanning}): the reference slots of one object and the root slots
 * of the runtime. A collector knows an object's layout only through this and {@link ObjectModel}.
 *
 * <p>Slots are visited, not values, so a moving collector can rewrite them. Heap slots are heap addresses of
 * reference fields; root slots live outside the heap (the global handle table and every mutator's shadow stack) and
 * are rewritten through {@link RootVisitor}'s return value.
 */
public interface Scanning {
    /** Receives the address of one reference field. */
    @FunctionalInterface
    interface SlotVisitor {
        void slot(long slotAddress);
    }

    /** Receives the stored value of one root slot and returns the value to store back (the same unless it moves). */
    @FunctionalInterface
    interface RootVisitor {
        long root(long stored);
    }

    /** Visits every reference field of {@code object}, in field order. */
    void scanObject(long object, SlotVisitor visitor);

    /** Visits every root slot: global handles first, then each mutator's frames from the bottom. */
    void scanRoots(RootVisitor visitor);
}
