package org.jalloc.stack;

/**
 * The frame API of a {@link StackAllocator} ran out of stack: the frame record or the block asked for does not fit
 * between the stack pointer and the limit. Thrown before any byte is written: the stack is exactly as it was. (Through
 * the plain {@code Allocator} face running out returns 0 instead, as for every allocator.)
 */
public class StackOverflowException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long requested;
    private final long available;

    public StackOverflowException(String message, long requested, long available) {
        super(message);
        this.requested = requested;
        this.available = available;
    }

    /** Bytes the frame record or block needed, header included. */
    public long requested() {
        return requested;
    }

    /** Bytes left between the stack pointer and the limit. */
    public long available() {
        return available;
    }
}
