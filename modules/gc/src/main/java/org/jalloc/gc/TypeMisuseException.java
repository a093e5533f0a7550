package org.jalloc.gc;

/** A type that is not registered, a field index or data range outside the object's type, or a bad array length. */
public class TypeMisuseException extends GcMisuseException {
    private static final long serialVersionUID = 1L;

    public TypeMisuseException(String message) {
        super(message);
    }
}
