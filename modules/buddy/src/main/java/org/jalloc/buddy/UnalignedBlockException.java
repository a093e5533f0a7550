package org.jalloc.buddy;

import org.jalloc.core.InvalidPointerException;

/**
 * The address is not aligned to the size of the block it claims to start: not a multiple of the page size, or,
 * for {@code freePages(address, order)}, not a multiple of the order-{@code order} block size. No buddy block can
 * start there. The heap is unchanged.
 */
public class UnalignedBlockException extends InvalidPointerException {
    private static final long serialVersionUID = 1L;

    public UnalignedBlockException(String message, long address) {
        super(message, address);
    }
}
