package org.jalloc.core.spi;

import java.util.List;

/**
 * The service an allocator module provides ({@code provides org.jalloc.core.spi.AllocatorProvider with ...} in its
 * {@code module-info.java}, plus {@code META-INF/services} for class-path users) so that {@code ./jalloc}, the fuzz
 * engine and trace replay find it by name. See {@code docs/architecture.md}, "Adding an allocator".
 */
public interface AllocatorProvider {
    /** The allocator types this module offers. */
    List<AllocatorType> allocatorTypes();
}
