/**
 * jalloc thread-cache: a tcmalloc/jemalloc-class concurrent allocator: size classes, per-thread caches (implicit
 * per platform thread, or explicit handles), central free lists per size class in N arenas, and a page
 * heap of spans with a radix-tree page map, a scavenger and jemalloc-style decay. Named {@code thread-cache} for
 * {@code ./jalloc}.
 */
module org.jalloc.threadcache {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.threadcache;

    provides org.jalloc.core.spi.AllocatorProvider with org.jalloc.threadcache.internal.ThreadCacheProvider;
}
