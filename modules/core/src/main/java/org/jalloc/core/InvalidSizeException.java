package org.jalloc.core;

/** A negative size, or a {@code calloc} whose {@code count * size} overflows. */
public class InvalidSizeException extends AllocatorMisuseException {
    private static final long serialVersionUID = 1L;

    public InvalidSizeException(String message) {
        super(message, 0);
    }
}
