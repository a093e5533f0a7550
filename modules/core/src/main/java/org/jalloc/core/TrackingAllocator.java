package org.jalloc.core;

/**
 * An allocator that records the requested size of every live block (outside the heap) so {@link #stats()} reports
 * live and peak requested bytes, and so utilization can be computed ({@link Allocators#tracking}). The wrapper is
 * single-owner whatever it wraps (the table is not synchronized): a concurrent allocator may be wrapped, and is then
 * called by one thread at a time through it.
 */
public interface TrackingAllocator extends Allocator {
    /** The size requested for the live block at {@code address}, or -1 if it is not a live block of this tracker. */
    long requested(long address);

    /** Live requested bytes right now. */
    long liveRequested();

    /** The highest live requested bytes so far. */
    long peakRequested();
}
