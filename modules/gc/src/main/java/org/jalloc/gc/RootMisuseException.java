package org.jalloc.gc;

/** A root used wrongly: popping with no frame pushed, a slot outside the top frame, a global handle that is not live. */
public class RootMisuseException extends GcMisuseException {
    private static final long serialVersionUID = 1L;

    public RootMisuseException(String message) {
        super(message);
    }
}
