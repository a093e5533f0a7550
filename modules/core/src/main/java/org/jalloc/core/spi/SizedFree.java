package org.jalloc.core.spi;

import org.jalloc.core.Allocator;

/**
 * What a debug layer's {@code F} asks of the allocator beneath it: that the allocator's usable size of a block is
 * still, at its free, what it was when the block was handed out (its metadata was not overwritten). Asked through
 * {@link Allocator#usableSize} alone that is two screened metadata reads per block besides the free's own; here the
 * allocator reads its metadata once at each end:
 *
 * <ul>
 *   <li>{@link #freshUsableSize}: the usable size of a block this allocator has just handed out (by {@code malloc},
 *       {@code alignedAlloc} or a {@code tryExpand} that succeeded), without the screen a pointer from outside
 *       needs;</li>
 *   <li>{@link #freeIfUsable}: frees a block only if its usable size is the one given, reading the metadata the free
 *       reads anyway; otherwise changes nothing.</li>
 * </ul>
 *
 * An {@link AbstractAllocator} answers through its {@code freshUsable} and {@code deallocateIfUsable} (by default
 * {@code usable} then {@code deallocate}; an allocator whose free reads the size anyway overrides them); any other
 * allocator through {@code usableSize} and {@code free}.
 *
 * <p>{@link #screensSizeBelowPayload} tells the layer whether it may keep F's state outside the heap
 * (the engine checks F itself through {@link EngineShadow}, no prefix) instead of in a tagged prefix of each block ({@code TaggedSanity}).
 */
public interface SizedFree {
    /** The usable size of the block this allocator has just handed out at {@code address}. */
    long freshUsableSize(long address);

    /**
     * Frees the live block at {@code address} if its usable size is {@code usable}; otherwise changes nothing.
     *
     * @return the block's usable size as the allocator read it: {@code usable} when it was freed
     * @throws org.jalloc.core.InvalidPointerException when {@code address} is no live block (as far as the allocator's
     *                                                 own O(1) screen tells)
     */
    long freeIfUsable(long address, long usable);

    /**
     * Whether this allocator keeps each block's size in the 8-byte word just below its payload, and its free (and
     * {@link #freeIfUsable}) refuses that word when it is no block of the heap — a size beyond the break, below the
     * least block, flag bits that must be clear: so a 1-byte underrun, which lands in the word's top byte, is the
     * allocator's own {@link org.jalloc.core.InvalidPointerException} and any other size is caught by
     * {@link #freeIfUsable}'s comparison. Then F needs no prefix of its own in the block. False by default.
     */
    default boolean screensSizeBelowPayload() {
        return false;
    }

    /** The sized operations of {@code allocator}. */
    static SizedFree of(Allocator allocator) {
        if (allocator instanceof AbstractAllocator a) {
            return AbstractAllocator.sizedFaceOf(a);
        }
        return new SizedFree() {
            @Override
            public long freshUsableSize(long address) {
                return allocator.usableSize(address);
            }

            @Override
            public long freeIfUsable(long address, long usable) {
                long now = allocator.usableSize(address);
                if (now == usable) {
                    allocator.free(address);
                }
                return now;
            }
        };
    }
}
