package org.jalloc.core;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One statistics schema for every allocator. Byte counts are exact at the time of the snapshot.
 *
 * <p>Requested sizes are known only to the caller: a bare allocator reports them as empty; a
 * {@link Allocators#tracking tracking} or checked wrapper fills them in.
 *
 * @param allocator              the allocator's name
 * @param heapBytes              current break minus heap start
 * @param reservedBytes          the most the break may grow to
 * @param highWaterBytes         highest break ever minus heap start (mdriver's heap size)
 * @param liveRequestedBytes     sum of sizes callers asked for, over live blocks (when tracked)
 * @param peakLiveRequestedBytes highest {@code liveRequestedBytes} so far (when tracked)
 * @param liveGrantedBytes       sum of usable sizes of live blocks
 * @param freeBytes              sum of sizes of free blocks
 * @param allocatedBlocks        live blocks
 * @param freeBlocks             free blocks
 * @param largestFreeBlock       size of the largest free block
 * @param metadataBytes          bytes of headers, footers, sentinels, padding and side tables, inside and outside the heap
 * @param externalMetadataBytes  the part of {@code metadataBytes} kept outside the heap
 * @param metrics                allocator-specific metrics, in report order (typed: see {@link #metric(Class)})
 */
public record AllocatorStats(
        String allocator,
        long heapBytes,
        long reservedBytes,
        long highWaterBytes,
        OptionalLong liveRequestedBytes,
        OptionalLong peakLiveRequestedBytes,
        long liveGrantedBytes,
        long freeBytes,
        long allocatedBlocks,
        long freeBlocks,
        long largestFreeBlock,
        long metadataBytes,
        long externalMetadataBytes,
        List<AllocatorMetric> metrics) {

    public AllocatorStats {
        metrics = List.copyOf(metrics);
    }

    /** The first metric of type {@code type} (e.g. {@code BuddyMetric.class}), if the allocator reports one. */
    public <M extends AllocatorMetric> Optional<M> metric(Class<M> type) {
        for (AllocatorMetric m : metrics) {
            if (type.isInstance(m)) {
                return Optional.of(type.cast(m));
            }
        }
        return Optional.empty();
    }

    /** A copy with the requested-bytes figures a tracker knows. */
    public AllocatorStats withRequested(long live, long peak) {
        return new AllocatorStats(allocator, heapBytes, reservedBytes, highWaterBytes, OptionalLong.of(live),
                OptionalLong.of(peak), liveGrantedBytes, freeBytes, allocatedBlocks, freeBlocks, largestFreeBlock,
                metadataBytes, externalMetadataBytes, metrics);
    }

    /** External fragmentation: {@code 1 - largestFreeBlock / freeBytes} (0 when nothing is free). */
    public double externalFragmentation() {
        return freeBytes == 0 ? 0.0 : 1.0 - (double) largestFreeBlock / freeBytes;
    }

    /**
     * mdriver's utilization: peak live requested bytes over the heap high-water mark plus external metadata.
     * Empty when requested bytes are not tracked.
     */
    public java.util.OptionalDouble utilization() {
        long denominator = highWaterBytes + externalMetadataBytes;
        if (peakLiveRequestedBytes.isEmpty() || denominator == 0) {
            return java.util.OptionalDouble.empty();
        }
        return java.util.OptionalDouble.of((double) peakLiveRequestedBytes.getAsLong() / denominator);
    }
}
