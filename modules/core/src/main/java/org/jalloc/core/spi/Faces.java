package org.jalloc.core.spi;

import org.jalloc.core.walk.Inspectable;

/**
 * The inspection face of an {@link AbstractAllocator}, for {@code org.jalloc.core.walk.Inspection.of}: a class of its
 * own in a package users cannot read, so no allocator class users can name inherits a way to it.
 */
public final class Faces {
    private Faces() {}

    /** The heap and block walk of {@code allocator}. */
    public static Inspectable of(AbstractAllocator allocator) {
        return AbstractAllocator.faceOf(allocator);
    }
}
