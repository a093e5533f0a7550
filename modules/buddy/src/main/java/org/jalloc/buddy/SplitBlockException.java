package org.jalloc.buddy;

/**
 * {@code freePages(address, order)} freed a split half as the whole: the block at the address has a smaller order
 * than the one given, because the order-{@code order} block was split (by the allocator, to serve a smaller request)
 * and the other half is a block of its own. Freeing the whole would free that half too. The heap is unchanged.
 */
public class SplitBlockException extends WrongOrderException {
    private static final long serialVersionUID = 1L;

    public SplitBlockException(String message, long address, int blockOrder, int givenOrder) {
        super(message, address, blockOrder, givenOrder);
    }
}
