package org.jalloc.core;

/**
 * An allocator found its own metadata broken on a normal path (for example a zero-size header while searching),
 * typically because a caller wrote past the end of a block. It stops instead of looping or handing out memory
 * twice; the heap checker tells which invariant broke.
 */
public class HeapCorruptionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final long address;

    public HeapCorruptionException(String message, long address) {
        super(message);
        this.address = address;
    }

    /** Where the broken metadata was found. */
    public long address() {
        return address;
    }
}
