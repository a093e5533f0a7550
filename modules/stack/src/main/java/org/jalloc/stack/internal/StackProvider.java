package org.jalloc.stack.internal;

import java.lang.invoke.MethodHandles;
import java.util.List;

import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.AllocatorTypes;

/**
 * The service this module provides ({@code provides ... with} in {@code module-info.java}, and
 * {@code META-INF/services} on the class path), in a package the module does not export: the allocator types are
 * {@code org.jalloc.stack.StackTypes}, beside the package-private constructors they call.
 */
public final class StackProvider implements AllocatorProvider {
    private static final AllocatorProvider TYPES =
            AllocatorTypes.packagePrivateProvider(MethodHandles.lookup(), "org.jalloc.stack.StackTypes");

    @Override
    public List<AllocatorType> allocatorTypes() {
        return TYPES.allocatorTypes();
    }
}
