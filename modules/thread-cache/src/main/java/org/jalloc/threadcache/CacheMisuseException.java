package org.jalloc.threadcache;

import org.jalloc.core.AllocatorMisuseException;

/**
 * A thread cache was used against its contract: a detached cache, a cache of another allocator, or another live
 * thread's implicit cache passed to {@link ThreadCacheAllocator#detach(ThreadCache)}. Nothing was changed.
 */
public class CacheMisuseException extends AllocatorMisuseException {
    private static final long serialVersionUID = 1L;

    public CacheMisuseException(String message) {
        super(message, 0);
    }
}
