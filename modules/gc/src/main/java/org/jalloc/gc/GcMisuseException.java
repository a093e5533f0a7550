package org.jalloc.gc;

/** A mutator broke the collector's contract. The heap is left exactly as it was before the call; running out of heap is not misuse (allocation returns 0). */
public class GcMisuseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public GcMisuseException(String message) {
        super(message);
    }
}
