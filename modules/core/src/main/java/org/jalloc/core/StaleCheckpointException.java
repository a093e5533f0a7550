package org.jalloc.core;

/**
 * A release to a checkpoint (a stack frame, an arena mark) that is no longer open: released already, ended by the
 * release of an older one or by a reset, or never taken by this allocator. The heap is left exactly as it was.
 */
public class StaleCheckpointException extends DisciplineViolationException {
    private static final long serialVersionUID = 1L;
    private final long checkpoint;

    /** @param checkpoint the token that was passed */
    public StaleCheckpointException(String message, long checkpoint) {
        super(message, 0);
        this.checkpoint = checkpoint;
    }

    /** The stale token. */
    public long checkpoint() {
        return checkpoint;
    }
}
