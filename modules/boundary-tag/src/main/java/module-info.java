/**
 * jalloc boundary-tag: Knuth's boundary tags (a size tag at both ends of a block) with explicit doubly linked free
 * lists, O(1) coalescing with both neighbours, and dlmalloc's footer elision; two free-block indexes: segregated
 * lists by size class ({@code boundary-tag}) and two-level segregated fit ({@code tlsf}). Single owner.
 */
module org.jalloc.boundarytag {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.boundarytag;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.boundarytag.internal.BoundaryTagProvider;
}
