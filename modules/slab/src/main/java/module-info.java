/**
 * jalloc slab: Bonwick's object caches over the buddy system. {@link org.jalloc.slab.SlabCache} is one object cache
 * (constructed objects, full/partial/empty slabs, coloring, per-thread magazines and a depot, SLUB-style debugging);
 * {@link org.jalloc.slab.SlabAllocator} is the slab layer that hosts the caches over a
 * {@link org.jalloc.buddy.PageAllocator}, and {@code kmalloc} on it (size-class caches 16 B to 8 KiB, larger
 * requests as buddy pages), named {@code slab} for {@code ./jalloc}. Concurrent.
 */
module org.jalloc.slab {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;
    requires transitive org.jalloc.buddy;

    exports org.jalloc.slab;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.slab.internal.SlabProvider;
}
