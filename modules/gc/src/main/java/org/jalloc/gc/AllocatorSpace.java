package org.jalloc.gc;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.HeapWalk;

/**
 * A space that is a general-purpose jalloc allocator, created by name ({@code Allocators.create}): an object is one
 * {@code malloc}ed block whose payload starts with the object header, and a dead object is {@code free}d. Sweeping
 * finds the objects through the allocator's block walk (every ALLOCATED extent is an object: the collector is the
 * allocator's only client).
 *
 * <p>This is the only class of the module that touches the allocator's {@code heap()} and {@code heapWalk()}: when
 * those move behind an inspection interface, this is the one place to change.
 */
final class AllocatorSpace extends Space {
    /** Allocator names that cannot free arbitrary blocks, so cannot be swept. */
    static final java.util.Set<String> NOT_GENERAL_PURPOSE = java.util.Set.of("stack", "arena", "pool", "bump");

    final Allocator allocator;
    private final Heap heap;
    private final HeapWalk walk;
    private final boolean reportsLeaks;

    AllocatorSpace(String spec, long bytes) {
        org.jalloc.core.spi.AllocatorSpec parsed = org.jalloc.core.spi.AllocatorSpec.parse(spec);
        String name = parsed.name();
        if (NOT_GENERAL_PURPOSE.contains(name)) {
            throw new IllegalArgumentException("allocator " + name + " cannot free arbitrary blocks, so it cannot be swept;"
                    + " use a general-purpose allocator (" + String.join(", ", Allocators.CANONICAL_ORDER) + ")");
        }
        this.allocator = Allocators.create(spec, bytes);
        this.heap = org.jalloc.core.walk.Inspection.of(allocator).heap();
        this.walk = org.jalloc.core.walk.Inspection.of(allocator).heapWalk();
        this.reportsLeaks = !parsed.options().getOrDefault("leaks", "disabled").equals("disabled");
    }

    /** Whether the allocator was created with leak detection, so it reports its live blocks when it closes. */
    boolean reportsLeaks() {
        return reportsLeaks;
    }

    @Override
    Heap heap() {
        return heap;
    }

    @Override
    long capacity() {
        return heap.capacity();
    }

    @Override
    long end() {
        return heap.limit();
    }

    @Override
    long allocate(long size) {
        return allocator.malloc(size);
    }

    void free(long object) {
        allocator.free(object);
    }

    @Override
    void forEachObject(ObjectModel model, ObjectVisitor visitor) {
        walk.walkExtents((kind, start, size, payload, usable) -> kind != ExtentKind.ALLOCATED || visitor.object(payload, usable));
    }

    @Override
    HeapWalk walk(ObjectModel model) {
        return walk;
    }

    @Override
    public void close() {
        allocator.close();
    }
}
