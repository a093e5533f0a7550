package org.jalloc.projecttests.plantedexports.api;

import java.util.List;

import org.jalloc.projecttests.plantedexports.internal.Internal;

/** A deliberate leak for the exports test: an exported class whose public signature names an internal type. */
public final class LeakyApi {
    private LeakyApi() {}

    /** Leaks through a type argument. */
    public static List<Internal> internals() {
        return List.of();
    }

    /** Not a leak: private members are no part of the API. */
    private static Internal hidden() {
        throw new UnsupportedOperationException();
    }
}
