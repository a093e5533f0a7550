package org.jalloc.gc;

/** A raw reference was used after the collection that invalidated it (checked mode; for {@code handles}, always): re-read it from a root. Like a JNI local reference, a reference is valid only until the next allocation or collection unless it lives in a root. */
public class StaleReferenceException extends GcMisuseException {
    private static final long serialVersionUID = 1L;

    public StaleReferenceException(String message) {
        super(message);
    }
}
