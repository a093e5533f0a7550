package org.jalloc.stress.support;

import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;

/**
 * The body of the {@code DoubleFreeRaceUnderFStress} tests (slab's and slub's {@code debug=F}, F alone the engine's
 * own): one 48-byte block allocated by the constructing thread, which then detaches; each actor frees it and detaches
 * in turn. Exactly one free may pass and the other must be a {@link DoubleFreeException}; any other refusal is named
 * by its class, so the outcome is forbidden rather than an error. The outcomes are the tests' own (JCStress wants them
 * on each test class); their accepted IDs are these constants.
 */
public final class TwoFreesOfOneBlock {
    /** The first actor's free passed, the second's was the double free; then the arbiter's verdict. */
    public static final String FIRST_PASSED = "freed, double free, OK";
    /** The second actor's free passed, the first's was the double free; then the arbiter's verdict. */
    public static final String SECOND_PASSED = "double free, freed, OK";

    private final Allocator allocator;
    private final Runnable detach;
    private final long p;

    /** Allocates the block on {@code allocator}, then runs {@code detach} (the engine's {@code detach()}). */
    public TwoFreesOfOneBlock(Allocator allocator, Runnable detach) {
        this.allocator = allocator;
        this.detach = detach;
        this.p = allocator.malloc(48);
        detach.run();
    }

    /** One actor's free of the block: "freed", "double free", or the simple name of any other exception. */
    public String free() {
        try {
            allocator.free(p);
            return "freed";
        } catch (DoubleFreeException e) {
            return "double free";
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        } finally {
            detach.run();
        }
    }
}
