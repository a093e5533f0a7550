package org.jalloc.core.walk;

import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.Faces;

/** The door from the user face of an allocator ({@link Allocator}) to its inspection face ({@link Inspectable}). */
public final class Inspection {
    private Inspection() {}

    /**
     * The inspection face of {@code allocator} (wrappers forward their delegate's).
     *
     * @throws IllegalArgumentException when the allocator has none (an {@link Allocator} implemented outside jalloc's
     *                                  base classes): the checker, the fuzzer and the tools cannot see its heap
     */
    public static Inspectable of(Allocator allocator) {
        if (allocator instanceof AbstractAllocator a) {
            return Faces.of(a);
        }
        if (allocator instanceof Inspectable i) {
            return i;
        }
        throw new IllegalArgumentException("allocator " + allocator.name() + " (" + allocator.getClass().getName()
                + ") has no inspection face: extend org.jalloc.core.spi.AbstractAllocator or ForwardingAllocator so tools can walk its heap");
    }
}
