package org.jalloc.cli;

/** A usage error found after parsing (unknown allocator, unreadable trace, bad combination): exit code 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
