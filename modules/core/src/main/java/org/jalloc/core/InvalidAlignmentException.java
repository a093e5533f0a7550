package org.jalloc.core;

/** An alignment that is not a positive power of two. */
public class InvalidAlignmentException extends AllocatorMisuseException {
    private static final long serialVersionUID = 1L;

    public InvalidAlignmentException(String message) {
        super(message, 0);
    }
}
