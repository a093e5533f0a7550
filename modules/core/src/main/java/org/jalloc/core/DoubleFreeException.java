package org.jalloc.core;

/** The address was a block start, but that block is already free. */
public class DoubleFreeException extends InvalidPointerException {
    private static final long serialVersionUID = 1L;

    public DoubleFreeException(String message, long address) {
        super(message, address);
    }
}
