package org.jalloc.buddy;

import org.jalloc.core.InvalidPointerException;

/**
 * {@code freePages(address, order)} named the start of an allocated block, but with an order smaller than the
 * block's: freeing it so would leave the rest of the block allocated and unowned. The heap is unchanged.
 */
public class WrongOrderException extends InvalidPointerException {
    private static final long serialVersionUID = 1L;
    private final int blockOrder;
    private final int givenOrder;

    public WrongOrderException(String message, long address, int blockOrder, int givenOrder) {
        super(message, address);
        this.blockOrder = blockOrder;
        this.givenOrder = givenOrder;
    }

    /** The order of the allocated block at the address. */
    public int blockOrder() {
        return blockOrder;
    }

    /** The order the caller passed. */
    public int givenOrder() {
        return givenOrder;
    }
}
