package org.jalloc.gc;

/** A reference that is not an object of this heap: NULL where an object is needed, or (checked mode) an address that is no object start. */
public class InvalidReferenceException extends GcMisuseException {
    private static final long serialVersionUID = 1L;

    public InvalidReferenceException(String message) {
        super(message);
    }
}
