package org.jalloc.testkit.trace;

/**
 * What replaying one trace with one allocator gave.
 *
 * @param trace               the trace's file name
 * @param allocator           the allocator's name
 * @param ops                 ops executed (all of them unless the heap ran out)
 * @param utilization         mdriver's utilization: peak live requested bytes / (heap high-water mark + external metadata)
 * @param opsPerSecond        best of several unchecked timing runs (0 when not measured or out of memory)
 * @param violations          invariant violations found by the checker (0 when not checked)
 * @param outOfMemory         true if an allocation returned 0 (the trace stopped there)
 * @param peakLiveRequested   the numerator of utilization
 * @param heapHighWater       highest break minus heap start
 * @param externalMetadata    metadata bytes outside the heap, added to the high-water mark
 * @param extentsVisited      extents the checker walked
 * @param failure             the checker's report, or the empty string
 */
public record ReplayResult(String trace, String allocator, long ops, double utilization, double opsPerSecond,
                           long violations, boolean outOfMemory, long peakLiveRequested, long heapHighWater,
                           long externalMetadata, long extentsVisited, String failure) {
    /** True when the trace ran to the end without violations or running out of memory. */
    public boolean ok() {
        return violations == 0 && !outOfMemory && failure.isEmpty();
    }
}
