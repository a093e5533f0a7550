package org.jalloc.core;

/**
 * An allocator of objects of one size, a fixed number of them made at construction (an object pool): {@code malloc(n)}
 * with {@code n <= objectSize()} takes an object in O(1), {@code free} gives it back in O(1), in any order; a request
 * above the object size, or one made when all {@link #objectCount()} objects are out, returns 0. It never grows.
 */
public interface FixedSizeAllocator extends Allocator {
    /** The usable bytes of every object: the largest request {@code malloc} can satisfy. */
    long objectSize();

    /** The number of objects, fixed at construction. */
    long objectCount();
}
