package org.jalloc.testkit.contract;

import org.jalloc.core.walk.Inspection;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;

/**
 * The ways a caller can pass a bad address, each set up on a heap holding three live blocks {@code a, b, c} of 48
 * bytes and, for the "freed" cases, {@code b} freed (its neighbours stay live, so its header survives).
 */
public enum Misuse {
    /** free(b) twice. */
    DOUBLE_FREE(DoubleFreeException.class),
    /** realloc of a freed block. */
    REALLOC_FREED(DoubleFreeException.class),
    /** tryExpand of a freed block. */
    EXPAND_FREED(DoubleFreeException.class),
    /** usableSize of a freed block. */
    USABLE_SIZE_FREED(DoubleFreeException.class),
    /** free(a + 16): inside a live payload, 16-aligned. */
    INTERIOR(InvalidPointerException.class),
    /** free(a + 1): not even aligned. */
    MISALIGNED(InvalidPointerException.class),
    /** free of an address beyond the break. */
    BEYOND_BREAK(InvalidPointerException.class),
    /** free of an address in the guard page below the heap start. */
    GUARD_PAGE(InvalidPointerException.class),
    /** free of an address past the whole reservation. */
    FOREIGN(InvalidPointerException.class);

    /** The exception checked mode throws (default mode may throw this or its superclass InvalidPointerException). */
    public final Class<? extends InvalidPointerException> checkedException;

    Misuse(Class<? extends InvalidPointerException> checkedException) {
        this.checkedException = checkedException;
    }

    /** True for the cases whose block was freed before the misuse. */
    public boolean freesFirst() {
        return checkedException == DoubleFreeException.class;
    }

    /** Performs the misuse on a heap set up as described above; must throw. */
    void perform(Allocator allocator, long a, long b) {
        long brk = Inspection.of(allocator).heap().brk();
        switch (this) {
            case DOUBLE_FREE -> allocator.free(b);
            case REALLOC_FREED -> allocator.realloc(b, 100);
            case EXPAND_FREED -> allocator.tryExpand(b, 20);
            case USABLE_SIZE_FREED -> allocator.usableSize(b);
            case INTERIOR -> allocator.free(a + 16);
            case MISALIGNED -> allocator.free(a + 1);
            case BEYOND_BREAK -> allocator.free((brk + 4096) & -16L);
            case GUARD_PAGE -> allocator.free(Inspection.of(allocator).heap().start() - 64);
            case FOREIGN -> allocator.free(Inspection.of(allocator).heap().limit() + 4096);
        }
    }
}
