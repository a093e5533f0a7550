/**
 * jalloc check: the shared heap-invariant checker. {@link org.jalloc.check.HeapChecker} proves a heap well formed
 * through the block-walk SPI of {@code org.jalloc.core.walk}; {@link org.jalloc.check.CheckedAllocator} runs it after
 * every operation against a shadow model of the live blocks.
 */
module org.jalloc.check {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;

    exports org.jalloc.check;
}
