/**
 * jalloc gc: garbage collection over jalloc heaps. An object model with a documented header
 * ({@link org.jalloc.gc.ObjectModel}), types registered once ({@link org.jalloc.gc.Types}), roots (global handles and a
 * shadow stack of frames), the mutator API with a write-barrier hook ({@link org.jalloc.gc.Mutator}), a GOGC-like
 * trigger, and the collectors {@code mark-sweep} (over any general-purpose jalloc allocator, found by name),
 * {@code mark-compact} (LISP2 sliding), {@code handles} (a handle table; compaction updates only the table) and
 * {@code refcount} (reference counting with Bacon-Rajan trial deletion for cycles), found by name through
 * {@link org.jalloc.gc.Collectors}. The collectors' invariants (GC-n) are checked through the block-walk
 * SPI of {@code org.jalloc.core.walk}; tools reach it through {@code org.jalloc.gc.inspect}.
 */
module org.jalloc.gc {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.gc;
    // Inspection (heap walk, object enumeration, collection listener) is for tools, not for users.
    exports org.jalloc.gc.inspect to org.jalloc.testkit, org.jalloc.cli;
}
