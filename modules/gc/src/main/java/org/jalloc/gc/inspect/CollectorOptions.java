package org.jalloc.gc.inspect;

import java.util.List;
import java.util.function.Function;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.gc.CollectorType;

/**
 * The full option declarations of a collector type (ranges, power-of-two rules, usage text) for tools such as
 * {@code ./jalloc list}; users see {@link CollectorType#options()}. Filled by {@code org.jalloc.gc} when
 * {@link CollectorType} is initialized (the shared-secrets pattern of {@link GcInspectorAccess}).
 */
public final class CollectorOptions {
    private static @MonotonicNonNull Function<CollectorType, List<OptionSpec>> specs;

    private CollectorOptions() {}

    /** Called once by {@code org.jalloc.gc}. */
    public static void install(Function<CollectorType, List<OptionSpec>> f) {
        if (specs != null) {
            throw new IllegalStateException("already installed");
        }
        specs = f;
    }

    /** The declarations of {@code type}'s options, in order. */
    public static List<OptionSpec> of(CollectorType type) {
        Function<CollectorType, List<OptionSpec>> f = specs;
        if (f == null) {
            throw new IllegalStateException("org.jalloc.gc did not install its option declarations");
        }
        return f.apply(type);
    }
}
