package org.jalloc.core;

/**
 * An allocator that records the requested size of every live block (outside the heap) so {@link #stats()} reports
 * live and peak requested bytes, and so utilization can be computed ({@link Allocators#tracking}). The wrapper is
 * single-owner whatever it wraps (the table is not synchronized): a concurrent allocator may be wrapped, and is then
 * called by one thread at a time through it.
 */
public interface TrackingAllocator extends Allocator {
    /** Live requested bytes right now. */
    long liveRequested();

    /** The highest live requested bytes so far. */
    long peakRequested();
}
