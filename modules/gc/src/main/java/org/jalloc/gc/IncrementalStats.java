package org.jalloc.gc;

/**
 * What an {@code incremental} collector did, beyond {@link GcStats} (which counts each completed cycle as one
 * collection whose pause is the sum of its steps): every step's pause, and how the work was divided.
 *
 * @param cycles                     cycles completed in steps
 * @param cyclesFinishedByFullCollection cycles a full collection ({@code collect()}, or an allocation the space
 *                                   could not serve) finished in its one pause
 * @param stepPauseNanos             every step's pause, ns, in order (a cycle's start, a mark step, a sweep step, or
 *                                   the rest of a cycle finished at once when the space ran out)
 * @param markSteps                  steps that marked
 * @param sweepSteps                 steps that swept
 * @param barrierShades              objects the write barrier shaded gray
 * @param barrier                    {@code dijkstra} or {@code yuasa}
 * @param stepBudget                 objects (or bytes) a step scans or sweeps at most
 * @param budgetUnit                 {@code objects} or {@code bytes}
 * @param phase                      {@code idle}, {@code mark} or {@code sweep} now
 */
public record IncrementalStats(long cycles, long cyclesFinishedByFullCollection, long[] stepPauseNanos, long markSteps, long sweepSteps,
                               long barrierShades, String barrier, long stepBudget, String budgetUnit, String phase) {
    public IncrementalStats {
        stepPauseNanos = stepPauseNanos.clone();
    }

    /** The statistics of an {@code incremental} collector; {@link IllegalArgumentException} for any other. */
    public static IncrementalStats of(Collector collector) {
        if (collector instanceof IncrementalCollector i) {
            return i.incrementalStats();
        }
        throw new IllegalArgumentException(collector.name() + " is not an incremental collector");
    }

    @Override
    public long[] stepPauseNanos() {
        return stepPauseNanos.clone();
    }

    /** The longest step, ns. */
    public long maxStepNanos() {
        long m = 0;
        for (long p : stepPauseNanos) {
            m = Math.max(m, p);
        }
        return m;
    }

    @Override
    public String toString() {
        return "incremental (" + barrier + ", step " + stepBudget + " " + budgetUnit + "): " + cycles + " cycles in steps, "
                + cyclesFinishedByFullCollection + " finished by a full collection, " + stepPauseNanos.length + " steps (" + markSteps
                + " mark, " + sweepSteps + " sweep, max " + maxStepNanos() / 1000 + " us), " + barrierShades + " shaded by the barrier, now "
                + phase;
    }
}
