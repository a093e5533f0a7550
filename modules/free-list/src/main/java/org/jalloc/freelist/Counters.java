package org.jalloc.freelist;

/** The work counters behind the {@code free-list} statistics section; plain fields, bumped on the hot paths. */
final class Counters {
    /** Successful allocations (malloc, aligned and moving realloc). */
    long allocations;
    /** Blocks or list nodes visited by searches, over all allocations. */
    long searchSteps;
    /** The most steps one allocation took. */
    long maxSearchSteps;
    /** Steps of the allocation in progress. */
    long currentSteps;
    /** Blocks split into a used part and a free rest. */
    long splits;
    /** Heap growths that added a block (rather than extending a free last block). */
    long extensions;
    /** Merges of two free blocks into one. */
    long coalesces;
    /** Blocks or list nodes visited looking for a free left neighbour (immediate coalescing). */
    long leftNeighbourSteps;
    /** List nodes visited finding the place of a block in an address-ordered list. */
    long insertSteps;
    /** Whole-heap coalescing passes (deferred coalescing). */
    long coalescePasses;

    /** Opens the search of one allocation. */
    void begin() {
        currentSteps = 0;
    }

    void step() {
        currentSteps++;
    }

    /** Closes the search of one allocation. */
    void allocated() {
        allocations++;
        searchSteps += currentSteps;
        maxSearchSteps = Math.max(maxSearchSteps, currentSteps);
        currentSteps = 0;
    }

    double meanSearchSteps() {
        return allocations == 0 ? 0.0 : (double) searchSteps / allocations;
    }
}
