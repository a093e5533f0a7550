package org.jalloc.gc.inspect;

import java.util.function.Function;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.jalloc.gc.Collector;

/**
 * The bridge through which {@code org.jalloc.gc} hands out inspectors without a public method on {@link Collector}
 * (a shared-secrets pattern). Internal: the gc package installs the factory when {@code Collector} is initialized.
 */
public final class GcInspectorAccess {
    private static @MonotonicNonNull Function<Collector, GcInspector> factory;

    private GcInspectorAccess() {}

    /** Called once by {@code org.jalloc.gc}. */
    public static void install(Function<Collector, GcInspector> f) {
        if (factory != null) {
            throw new IllegalStateException("already installed");
        }
        factory = f;
    }

    static GcInspector of(Collector c) {
        Function<Collector, GcInspector> f = factory;
        if (f == null) {
            throw new IllegalStateException("org.jalloc.gc did not install its inspector factory");
        }
        return f.apply(c);
    }
}
