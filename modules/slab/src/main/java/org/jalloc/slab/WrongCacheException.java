package org.jalloc.slab;

import org.jalloc.core.InvalidPointerException;

/**
 * An object was freed to (or looked up in) a cache other than the one it came from: {@code inodes.free(dentry)}, or
 * {@code free()} of the kmalloc interface on an object of a cache created with {@link SlabAllocator#newCache}. The
 * heap is unchanged.
 */
public class WrongCacheException extends InvalidPointerException {
    private static final long serialVersionUID = 1L;
    private final String cache;
    private final String ownerCache;

    public WrongCacheException(String message, long address, String cache, String ownerCache) {
        super(message, address);
        this.cache = cache;
        this.ownerCache = ownerCache;
    }

    /** The cache the caller named. */
    public String cache() {
        return cache;
    }

    /** The cache the object belongs to. */
    public String ownerCache() {
        return ownerCache;
    }
}
