package org.jalloc.projecttests.plantedexports.internal;

/** A type of a package the planted module does not export. */
public final class Internal {
    private Internal() {}
}
