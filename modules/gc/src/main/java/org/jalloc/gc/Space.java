package org.jalloc.gc;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.HeapWalk;

/**
 * Where objects live (MMTk's space): memory with one allocation policy. {@link BumpSpace} is contiguous with a bump
 * pointer (the compactors); {@link AllocatorSpace} is a jalloc allocator (mark-sweep). A collector is a composition
 * of spaces, a write barrier and a {@link Trigger}.
 */
abstract class Space implements AutoCloseable {
    /** Receives the objects of a space in address order. */
    @FunctionalInterface
    interface ObjectVisitor {
        /**
         * @param object     the object's address
         * @param blockBytes the bytes of the block it lies in (its size in a bump space; the usable size of its
         *                   allocator block)
         * @return false to stop
         */
        boolean object(long object, long blockBytes);
    }

    /** The memory the objects live in. */
    abstract Heap heap();

    /** Bytes the space can hold objects in. */
    abstract long capacity();

    /** Allocates {@code size} bytes (a multiple of 16) for one object, or returns 0; never collects. */
    abstract long allocate(long size);

    /**
     * Visits every object in the space (live or not yet collected) in address order. Stops at the first header it
     * cannot size (a corrupt type id), so it never loops or reads past the space.
     */
    abstract void forEachObject(ObjectModel model, ObjectVisitor visitor);

    /** The block walk of the space, without the collector's checks. */
    abstract HeapWalk walk(ObjectModel model);

    /** The end of the address range objects may ever occupy (the break may be below it). */
    abstract long end();

    @Override
    public void close() {
        heap().close();
    }

    /**
     * A space that takes its whole reservation at creation ({@code sbrk}; pages are committed when touched):
     * {@code [start, end)}, {@code end - start} a multiple of {@code align}. The compactors' spaces.
     */
    abstract static class Contiguous extends Space {
        private final Heap heap;
        final long start;
        final long end;

        /** @param minimum the fewest bytes the space works with; fewer is the caller's error */
        Contiguous(String collector, long bytes, long align, long minimum) {
            Heap h = Heap.reserve(bytes);
            long cap = h.capacity() & -align;
            if (cap < minimum) {
                h.close();
                throw new IllegalArgumentException(collector + ": a heap of " + bytes + " bytes is too small; at least " + minimum);
            }
            if (h.sbrk(cap) < 0) {
                h.close();
                throw new IllegalStateException("cannot take the whole reservation of " + cap + " bytes");
            }
            this.heap = h;
            this.start = h.start();
            this.end = start + cap;
        }

        @Override
        final Heap heap() {
            return heap;
        }

        @Override
        final long capacity() {
            return end - start;
        }

        @Override
        final long end() {
            return end;
        }

    }
}
