package org.jalloc.gc;

/**
 * What a {@code concurrent} collector did, beyond {@link GcStats} (which counts each cycle as one collection whose
 * pause is the sum of its two stops, and each full collection with its stop): every stop-the-world pause by kind,
 * and the work of the barrier and the marker.
 *
 * @param cycles                 concurrent cycles completed
 * @param fullCollections        full collections (stop-the-world: {@code collect()} or an allocation the space could
 *                               not serve)
 * @param concurrentModeFailures full collections an allocation forced while a cycle was under way
 * @param rootScanPauseNanos     every root-scan stop, ns (every mutator stopped; the time to reach the safepoint is apart)
 * @param remarkPauseNanos       every remark stop, ns
 * @param fullPauseNanos         every full collection's stop, ns
 * @param maxTimeToSafepointNanos the longest wait for the mutators to stop
 * @param loggedEntries          references the SATB barrier logged (drained)
 * @param buffersHandedOff       full buffers the mutators handed to the marker
 * @param assists                times a mutator that outran a cycle waited for it (or, with {@code marker=steps},
 *                               finished it)
 * @param markerNanos            time spent in the marker's work, concurrent and stopped
 * @param mutators               mutators attached now
 * @param marker                 {@code thread} or {@code steps}
 * @param bufferEntries          entries per mutator SATB buffer
 * @param stepObjects            objects per unit of marker work
 * @param phase                  {@code idle}, {@code mark} or {@code sweep} now
 */
public record ConcurrentStats(long cycles, long fullCollections, long concurrentModeFailures, long[] rootScanPauseNanos,
                              long[] remarkPauseNanos, long[] fullPauseNanos, long maxTimeToSafepointNanos, long loggedEntries,
                              long buffersHandedOff, long assists, long markerNanos, int mutators, String marker, int bufferEntries,
                              long stepObjects, String phase) {
    public ConcurrentStats {
        rootScanPauseNanos = rootScanPauseNanos.clone();
        remarkPauseNanos = remarkPauseNanos.clone();
        fullPauseNanos = fullPauseNanos.clone();
    }

    /** The statistics of a {@code concurrent} collector; {@link IllegalArgumentException} for any other. */
    public static ConcurrentStats of(Collector collector) {
        if (collector instanceof ConcurrentCollector c) {
            return c.concurrentStats();
        }
        throw new IllegalArgumentException(collector.name() + " is not a concurrent collector");
    }

    @Override
    public long[] rootScanPauseNanos() {
        return rootScanPauseNanos.clone();
    }

    @Override
    public long[] remarkPauseNanos() {
        return remarkPauseNanos.clone();
    }

    @Override
    public long[] fullPauseNanos() {
        return fullPauseNanos.clone();
    }

    private static long max(long[] a) {
        long m = 0;
        for (long v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    @Override
    public String toString() {
        return "concurrent (marker " + marker + ", " + mutators + " mutators): " + cycles + " cycles, " + fullCollections + " full ("
                + concurrentModeFailures + " forced during a cycle), root scans max " + max(rootScanPauseNanos) / 1000 + " us, remarks max "
                + max(remarkPauseNanos) / 1000 + " us, full max " + max(fullPauseNanos) / 1000 + " us, time-to-safepoint max "
                + maxTimeToSafepointNanos / 1000 + " us, " + loggedEntries + " logged, " + buffersHandedOff + " buffers handed off, " + assists
                + " assists, marker " + markerNanos / 1_000_000 + " ms, now " + phase;
    }
}
