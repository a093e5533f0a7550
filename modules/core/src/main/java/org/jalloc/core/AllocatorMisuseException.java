package org.jalloc.core;

/**
 * A caller broke the allocator's contract: a bad size or alignment, or an address that is not a live block start.
 * The heap is left exactly as it was before the call. Running out of heap is not misuse ({@code malloc} returns 0).
 */
public class AllocatorMisuseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final long address;

    public AllocatorMisuseException(String message, long address) {
        super(message);
        this.address = address;
    }

    /** The heap address the misuse is about, or 0 when it is about a size or alignment. */
    public long address() {
        return address;
    }
}
