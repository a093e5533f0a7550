package org.jalloc.core;

/**
 * A red zone around a block was overwritten (a buffer overrun or underrun), found by the debug layer ({@code debug=Z})
 * when the block was freed, resized or checked. The message names the allocator, the block, the bytes found in the
 * zone and, with {@code U}, where the block was allocated. The block is left live and the heap as it was.
 */
public class RedZoneException extends HeapCorruptionException {
    private static final long serialVersionUID = 1L;

    public RedZoneException(String message, long address) {
        super(message, address);
    }
}
