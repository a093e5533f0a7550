package org.jalloc.freelist;

/**
 * The block a search is looking for: {@code asize} bytes (header included), its payload aligned to
 * {@code alignment} when that is above 16. For an aligned request the front gap before the aligned payload is
 * either 0 or a whole free block of at least {@link Blocks#MIN_BLOCK} bytes, split off and kept free.
 */
final class Request {
    private final Blocks blocks;
    long asize;
    private long alignment;

    Request(Blocks blocks) {
        this.blocks = blocks;
    }

    void plain(long blockSize) {
        this.asize = blockSize;
        this.alignment = 0;
    }

    void aligned(long blockSize, long payloadAlignment) {
        this.asize = blockSize;
        this.alignment = payloadAlignment;
    }

    /** Bytes of the free block {@code block} left over after serving this request, or a negative number if it does not fit. */
    long slack(long block) {
        return blocks.size(block) - gap(block) - asize;
    }

    /** Bytes between {@code block} and the header of the block whose payload is aligned (0 for plain requests). */
    long gap(long block) {
        if (alignment == 0) {
            return 0;
        }
        long payload = block + Blocks.HEADER;
        long aligned = (payload + alignment - 1) & -alignment;
        if (aligned != payload && aligned - payload < Blocks.MIN_BLOCK) {
            aligned += alignment;
        }
        return aligned - payload;
    }
}
