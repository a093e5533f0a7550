/**
 * jalloc dense: the allocator whose purpose is density. Small requests live headerless in pages of one size class
 * (metadata per page, as slab and thread-cache keep it); the rest are boundary-tagged blocks with footer elision,
 * placed by exact best fit with address-ordered ties, coalesced at once, grown in place by realloc, in a heap that
 * grows by exactly what a request needs. Every technique is an option, so its worth can be measured. Single owner.
 */
module org.jalloc.dense {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.dense;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.dense.internal.DenseProvider;
}
