package org.jalloc.projecttests.planted;

import org.jalloc.core.Allocator;
import org.jalloc.testkit.trace.Op;

/** A deliberate violation for the architecture test: "allocator" code reaching into testkit. */
public final class PlantedAllocator {
    private PlantedAllocator() {}

    public static Op misuse(Allocator allocator) {
        return Op.malloc(0, allocator.usableSize(0));
    }
}
