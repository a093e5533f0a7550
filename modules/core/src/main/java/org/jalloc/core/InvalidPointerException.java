package org.jalloc.core;

/** The address passed to free, realloc, tryExpand or usableSize is not the start of a live block of this heap. */
public class InvalidPointerException extends AllocatorMisuseException {
    private static final long serialVersionUID = 1L;

    public InvalidPointerException(String message, long address) {
        super(message, address);
    }
}
