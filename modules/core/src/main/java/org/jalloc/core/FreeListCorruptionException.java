package org.jalloc.core;

/**
 * A free-list link stored inside a free block did not decode to a block of the heap ({@code secure=on}, SEC-1): a
 * stray write into a freed block changed it. Thrown by the allocation (or free) that would have followed the link,
 * before anything is changed, instead of following a wild address.
 */
public class FreeListCorruptionException extends HeapCorruptionException {
    private static final long serialVersionUID = 1L;
    private final long block;
    private final long stored;
    private final long decoded;

    /**
     * @param message what broke, naming the allocator, the block and the bad link
     * @param block   the free block whose link is bad
     * @param slot    the address of the link word
     * @param stored  the word found there
     * @param decoded what it decodes to with the heap's key
     */
    public FreeListCorruptionException(String message, long block, long slot, long stored, long decoded) {
        super(message, slot);
        this.block = block;
        this.stored = stored;
        this.decoded = decoded;
    }

    /** The free block holding the bad link. */
    public long block() {
        return block;
    }

    /** The word found in the link slot. */
    public long stored() {
        return stored;
    }

    /** The address it decodes to (not a block of the heap). */
    public long decoded() {
        return decoded;
    }
}
