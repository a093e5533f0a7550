package org.jalloc.testkit.gc;

import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The result of a {@code gc-fuzz} run.
 *
 * @param collector   the collector spec
 * @param allocator   its allocator, or null for collectors with their own space
 * @param ops         operations executed, over all sequences
 * @param collections collections run, over all sequences (each followed by the checker and the oracle)
 * @param checks      checks run (after collections, every 64 operations, at the end of each sequence)
 * @param sequences   sequences run
 * @param failures    failing sequences, shrunk
 * @param seconds     wall time
 */
public record GcFuzzReport(String collector, @Nullable String allocator, long ops, long collections, long checks, long sequences,
                           List<GcFuzzFailure> failures, double seconds) {
    public GcFuzzReport {
        failures = List.copyOf(failures);
    }
}
