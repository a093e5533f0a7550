package org.jalloc.core;

/**
 * A free or a release out of last-in-first-out order: a live block that is not the newest of the newest frame, or a
 * frame that is not the newest open one. The heap is left exactly as it was.
 */
public class OutOfOrderFreeException extends DisciplineViolationException {
    private static final long serialVersionUID = 1L;

    public OutOfOrderFreeException(String message, long address) {
        super(message, address);
    }
}
