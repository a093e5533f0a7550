package org.jalloc.core;

/**
 * A freed block was written after it was freed, found by the debug layer ({@code debug=P}) when the poisoned block
 * left quarantine. The message names the allocator, the block, the first changed byte and, with {@code U}, where the
 * block was allocated and freed. The operation that found it did not run.
 */
public class UseAfterFreeException extends HeapCorruptionException {
    private static final long serialVersionUID = 1L;

    public UseAfterFreeException(String message, long address) {
        super(message, address);
    }
}
