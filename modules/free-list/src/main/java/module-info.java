/**
 * jalloc free-list: the free-list allocators of CS:APP chapter 9 with one header word per block: first fit, next
 * fit, best fit and segregated fits over an implicit list, explicit LIFO or address-ordered lists, or size-class
 * lists, with splitting and immediate or deferred coalescing. Single owner. Named {@code first-fit},
 * {@code next-fit}, {@code best-fit} and {@code segregated} for {@code ./jalloc} (options {@code list},
 * {@code coalesce}).
 */
module org.jalloc.freelist {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.freelist;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.freelist.internal.FreeListProvider;
}
