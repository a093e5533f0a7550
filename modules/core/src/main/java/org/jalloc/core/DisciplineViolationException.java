package org.jalloc.core;

/**
 * A call broke the discipline of a {@link RegionAllocator}: it freed or released out of order, or named a checkpoint
 * that is no longer open. The heap is left exactly as it was.
 */
public class DisciplineViolationException extends AllocatorMisuseException {
    private static final long serialVersionUID = 1L;

    public DisciplineViolationException(String message, long address) {
        super(message, address);
    }
}
