/**
 * jalloc free-list: the implicit free list of CS:APP chapter 9 (one header word per block), with first-fit
 * placement, splitting and immediate or deferred coalescing. Single owner. Named {@code first-fit} for
 * {@code ./jalloc}.
 */
module org.jalloc.freelist {
    requires static org.checkerframework.checker.qual;
    requires org.jalloc.core;

    exports org.jalloc.freelist;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.freelist.FreeListProvider;
}
