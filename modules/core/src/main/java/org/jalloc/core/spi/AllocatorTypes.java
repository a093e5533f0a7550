package org.jalloc.core.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.jalloc.core.Allocators;

/**
 * The allocator types of every {@link AllocatorProvider} on the module or class path, with their factories: what the
 * tools (fuzz engine, trace replay, CLI, benchmarks) use. Users see {@link Allocators#types()} instead.
 */
public final class AllocatorTypes {
    private AllocatorTypes() {}

    /** Every allocator type on the module or class path, in {@link Allocators#CANONICAL_ORDER}. */
    public static List<AllocatorType> all() {
        List<AllocatorType> all = new ArrayList<>();
        for (AllocatorProvider p : ServiceLoader.load(AllocatorProvider.class, AllocatorTypes.class.getClassLoader())) {
            all.addAll(p.allocatorTypes());
        }
        if (AllocatorTypes.class.getModule().isNamed()) {
            // On the module path, ServiceLoader.load(Class) with the context loader finds providers in other layers
            // too. That loader may also see another copy of jalloc (on the class path beside a module layer): its
            // providers implement another AllocatorProvider and are skipped, not fatal.
            Iterator<AllocatorProvider> it = ServiceLoader.load(AllocatorProvider.class).iterator();
            while (true) {
                AllocatorProvider p;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    p = it.next();
                } catch (ServiceConfigurationError foreign) {
                    continue;
                }
                for (AllocatorType t : p.allocatorTypes()) {
                    if (all.stream().noneMatch(x -> x.name().equals(t.name()))) {
                        all.add(t);
                    }
                }
            }
        }
        all.sort(Comparator.comparingInt((AllocatorType t) -> {
            int i = Allocators.CANONICAL_ORDER.indexOf(t.name());
            return i < 0 ? Integer.MAX_VALUE : i;
        }).thenComparing(AllocatorType::name));
        return List.copyOf(all);
    }

    /** The type called {@code name}, if a module provides it. */
    public static Optional<AllocatorType> find(String name) {
        return all().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** The type called {@code name}, or an {@link IllegalArgumentException} listing the known names. */
    public static AllocatorType require(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown allocator " + Messages.quote(name) + "; known: "
                + String.join(", ", all().stream().map(AllocatorType::name).toList())));
    }

    /**
     * The provider a module declares in its {@code module-info} lives in a package the module does not export (its
     * signatures name SPI types users cannot read); the allocator types, which construct allocators over a
     * {@link org.jalloc.core.memory.Heap} through package-private constructors, live beside the allocators. This
     * instantiates that package-private class ({@code className}, with a no-argument constructor) through the
     * module's own {@code caller} lookup: a module may always reach its own packages.
     *
     * @throws IllegalStateException if the class is missing or is not an {@link AllocatorProvider}
     */
    public static AllocatorProvider packagePrivateProvider(MethodHandles.Lookup caller, String className) {
        try {
            Class<?> c = Class.forName(className, true, caller.lookupClass().getClassLoader());
            MethodHandles.Lookup inside = MethodHandles.privateLookupIn(c, caller);
            Object provider = inside.findConstructor(c, MethodType.methodType(void.class)).invoke();
            if (provider instanceof AllocatorProvider p) {
                return p;
            }
            throw new IllegalStateException(className + " is not an AllocatorProvider");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot make the allocator types of " + className + ": " + e, e);
        }
    }
}
