/**
 * jalloc core: the {@link org.jalloc.core.Allocator} API over off-heap memory, misuse exceptions, the statistics
 * schema, the {@link org.jalloc.core.memory.Heap} with its logical break, the block-walk SPI the checker uses
 * ({@link org.jalloc.core.walk.HeapWalk}) and the provider SPI through which allocator modules are found by name.
 */
module org.jalloc.core {
    requires static org.checkerframework.checker.qual;
    requires jdk.jfr;
    requires java.management;

    exports org.jalloc.core;
    exports org.jalloc.core.memory;
    exports org.jalloc.core.walk;
    exports org.jalloc.core.spi;
    exports org.jalloc.core.events;
    // Internal machinery of the allocators with per-thread records, not user API: qualified, so users never see it.
    exports org.jalloc.core.percpu to org.jalloc.slab, org.jalloc.threadcache;
    exports org.jalloc.core.pagemap to org.jalloc.slab, org.jalloc.threadcache;

    uses org.jalloc.core.spi.AllocatorProvider;
}
