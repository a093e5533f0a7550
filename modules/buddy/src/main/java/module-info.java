/**
 * jalloc buddy: the binary buddy system. {@link org.jalloc.buddy.PageAllocator} is the page-level allocator
 * ({@code allocPages(order)}, {@code freePages(address, order)}, 4 KiB pages and orders 0-10 by default, as Linux)
 * that slab builds on; {@link org.jalloc.buddy.BuddyAllocator} is {@code malloc} over it with 16-byte minimum blocks,
 * named {@code buddy} for {@code ./jalloc}. Single owner.
 */
module org.jalloc.buddy {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.buddy;
    // The buddy engine with its walk and checks: slab carves its pages and reuses its walk; users see PageAllocator.
    exports org.jalloc.buddy.pages to org.jalloc.slab;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.buddy.internal.BuddyProvider;
}
