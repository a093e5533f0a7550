package org.jalloc.core;

/** Which threads may call an allocator. Each allocator states its own in its javadoc and in {@code docs/}. */
public enum ThreadSafety {
    /** One thread at a time; callers synchronize externally (or wrap it with {@link Allocators#synchronizedAllocator}). */
    SINGLE_OWNER,
    /** Any number of threads at once, and a block may be freed by a thread other than the one that allocated it. */
    CONCURRENT
}
