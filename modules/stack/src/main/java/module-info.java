/**
 * jalloc stack: the allocators people reach for first when malloc is too slow. {@link org.jalloc.stack.StackAllocator}
 * ({@code stack}): LIFO frames over a fixed region with a real guard page below its limit, per thread or explicit;
 * {@link org.jalloc.stack.ArenaAllocator} ({@code arena}): bump allocation in chunks with marks, release and reset;
 * {@link org.jalloc.stack.PoolAllocator} ({@code pool}): N fixed-size objects made at construction, a free list
 * through them, never growing. Single owner.
 */
module org.jalloc.stack {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.stack;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.stack.internal.StackProvider;
}
