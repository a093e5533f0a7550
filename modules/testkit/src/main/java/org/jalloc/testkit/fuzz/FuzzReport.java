package org.jalloc.testkit.fuzz;

import java.util.List;

/**
 * The result of a fuzz run over many sequences.
 *
 * @param allocator      the allocator's name
 * @param ops            ops executed, over all sequences (and threads)
 * @param seed           the run's seed
 * @param sequences      sequences run
 * @param failures       failing sequences, shrunk
 * @param blocksVisited  extents the checker walked
 * @param seconds        wall time
 */
public record FuzzReport(String allocator, long ops, long seed, long sequences, List<FuzzFailure> failures,
                         long blocksVisited, double seconds) {
    public FuzzReport {
        failures = List.copyOf(failures);
    }

    /** The checker's walk rate over the run. */
    public double blocksPerSecond() {
        return seconds == 0 ? 0 : blocksVisited / seconds;
    }
}
