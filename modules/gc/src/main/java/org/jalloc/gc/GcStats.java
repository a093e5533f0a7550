package org.jalloc.gc;

/**
 * A snapshot of a collector's statistics.
 *
 * @param collector        the collector's name with its non-default options
 * @param collections      full collections so far
 * @param byThreshold      of those, started because allocation passed the GOGC threshold
 * @param byExhaustion     started because the space could not satisfy an allocation
 * @param explicit         started by {@code collect()}
 * @param pauseNanos       every pause in order, nanoseconds (one per collection; stop-the-world)
 * @param bytesAllocated   bytes of objects allocated, ever
 * @param objectsAllocated objects allocated, ever
 * @param failedAllocations allocations that returned 0 after a full collection
 * @param bytesReclaimed   bytes of objects found dead, ever
 * @param objectsReclaimed objects found dead, ever
 * @param liveBytes        bytes of objects that survived the last collection (0 before the first)
 * @param liveObjects      objects that survived the last collection
 * @param usedBytes        bytes of objects now in the space, live or not yet collected
 * @param heapBytes        the space's capacity for objects
 * @param peakUsedBytes    the most bytes of objects the space ever held at once (live and not yet reclaimed)
 * @param unreachableBytes bytes of objects the last collection left in the space although no root reaches them: the
 *                         cycles {@code refcount:cycles=off} cannot free (0 for collectors that reclaim all garbage)
 * @param unreachableObjects objects of {@code unreachableBytes}
 * @param freePauseNanos   pauses outside collections, ns each: reference counting's cascades of frees that took at
 *                         least {@value #FREE_PAUSE_THRESHOLD_NANOS} ns (empty for the tracing collectors)
 */
public record GcStats(String collector, long collections, long byThreshold, long byExhaustion, long explicit, long[] pauseNanos,
                      long bytesAllocated, long objectsAllocated, long failedAllocations, long bytesReclaimed,
                      long objectsReclaimed, long liveBytes, long liveObjects, long usedBytes, long heapBytes,
                      long peakUsedBytes, long unreachableBytes, long unreachableObjects, long[] freePauseNanos) {
    /** A cascade of frees is recorded as a pause from this long on (shorter ones cost about what an allocation does). */
    public static final long FREE_PAUSE_THRESHOLD_NANOS = 10_000;

    public GcStats {
        pauseNanos = pauseNanos.clone();
        freePauseNanos = freePauseNanos.clone();
    }

    @Override
    public long[] pauseNanos() {
        return pauseNanos.clone();
    }

    @Override
    public long[] freePauseNanos() {
        return freePauseNanos.clone();
    }

    /** Sum of all pauses, ns. */
    public long totalPauseNanos() {
        long t = 0;
        for (long p : pauseNanos) {
            t += p;
        }
        return t;
    }

    /** The longest pause, ns (0 before the first collection). */
    public long maxPauseNanos() {
        long m = 0;
        for (long p : pauseNanos) {
            m = Math.max(m, p);
        }
        return m;
    }

    @Override
    public String toString() {
        return collector + ": " + collections + " collections (" + byThreshold + " threshold, " + byExhaustion + " exhaustion, "
                + explicit + " explicit), pauses total " + totalPauseNanos() / 1000 + " us max " + maxPauseNanos() / 1000
                + " us, allocated " + bytesAllocated + " B in " + objectsAllocated + " objects, reclaimed " + bytesReclaimed
                + " B, live " + liveBytes + " B in " + liveObjects + " objects, used " + usedBytes + " of " + heapBytes + " B, "
                + failedAllocations + " failed allocations"
                + (unreachableObjects > 0 ? ", " + unreachableBytes + " B in " + unreachableObjects + " unreachable objects left" : "")
                + (freePauseNanos.length > 0 ? ", " + freePauseNanos.length + " cascades of frees over 10 us" : "");
    }
}
