package org.jalloc.cli;

/** An allocator failed on valid input (threw where the API promises a result): exit code 1, one line. */
final class AllocatorFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AllocatorFailure(String message) {
        super(message);
    }
}
