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

    uses org.jalloc.core.spi.AllocatorProvider;
}
