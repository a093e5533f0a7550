package org.jalloc.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Consumer;

import org.jalloc.core.memory.Heap;

/**
 * An {@link Arena} over an allocator ({@link Allocator#asArena()}).
 *
 * <pre>
 *   AllocatorArena ── blocks[0..count)   heap addresses of the blocks it allocated, in order
 *        │
 *        └─ scope: heap.dependentArena()  a shared arena the heap closes, if still open, before it unmaps or resets
 *
 *   segment i = heap.slice(blocks[i], byteSize) bound to scope
 * </pre>
 *
 * <p>Invariants: {@code scope alive ⇔ the arena is open ∧ the heap is open and not reset}; while the arena is open,
 * {@code blocks[0..count)} are the live blocks it allocated and nothing else. So a segment of this arena is usable
 * exactly while its block is guaranteed to be the arena's, and throws {@link IllegalStateException} afterwards,
 * whichever ends first: the arena, the allocator (its heap), or the heap's reset.
 *
 * <ol>
 *   <li>allocate(n, a): owner thread only; allocate a block through the allocator (zeroed, aligned to {@code a}),
 *       record its address, return its slice bound to the scope.</li>
 *   <li>close(): owner thread only. If the heap already ended the scope, throw {@link IllegalStateException}
 *       (already closed; the blocks went with the heap). Else close the scope (every segment dies first), then free
 *       every block, newest first (last in, first out, which a {@link RegionAllocator} with {@code lifo()} requires
 *       and every other allocator accepts), collecting failures: the first failure is thrown once all blocks were tried, with the others
 *       suppressed. The arena is closed and empty either way.</li>
 * </ol>
 *
 * <p>Threads: segments are shared (any thread may access them, as every slice of the heap); {@code allocate} and
 * {@code close} belong to the creating thread ({@link WrongThreadException} otherwise) because the block list is not
 * synchronized and the allocator may be single-owner. Closing the allocator from any thread ends the scope safely:
 * FFM closes a shared arena only once no thread is inside an access.
 */
final class AllocatorArena implements Arena {
    /** The blocks are freed by {@link #close()} itself, after the scope is gone. */
    private static final Consumer<MemorySegment> NO_CLEANUP = segment -> { };

    private final Allocator allocator;
    private final Heap heap;
    private final Arena scope;
    private final Thread owner = Thread.currentThread();
    private long[] blocks = new long[16];
    private int count;
    private boolean closed;

    /** @throws IllegalStateException if the allocator's heap is closed */
    AllocatorArena(Allocator allocator) {
        this.allocator = allocator;
        this.heap = org.jalloc.core.walk.Inspection.of(allocator).heap();
        this.scope = heap.dependentArena();
    }

    private void requireOwner() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("arena is owned by " + owner);
        }
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        requireOwner();
        if (closed || !scope.scope().isAlive()) {
            throw new IllegalStateException(closed ? "arena is closed" : "arena is closed: its allocator was closed or its heap reset");
        }
        long address = Segments.allocate(allocator, byteSize, byteAlignment, true);
        if (count == blocks.length) {
            blocks = Arrays.copyOf(blocks, count * 2);
        }
        blocks[count++] = address;
        return heap.slice(address, byteSize).reinterpret(scope, NO_CLEANUP);
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /**
     * Invalidates every segment of this arena, then frees every block, also past a block that fails to free.
     *
     * @throws IllegalStateException if already closed, by this method or by the allocator's close (its heap)
     * @throws RuntimeException      the first failure to free a block (e.g. {@link DoubleFreeException} for a block
     *                               the caller freed itself), the later ones suppressed; every other block is freed
     */
    @Override
    public void close() {
        requireOwner();
        if (closed) {
            throw new IllegalStateException("arena already closed");
        }
        try {
            scope.close();
        } catch (IllegalStateException e) {
            if (scope.scope().isAlive()) {
                throw e; // a downcall is using one of its segments: still open, try again later
            }
            forget();
            throw e; // the heap closed it: its blocks went with the heap, nothing to free
        }
        long[] toFree = blocks;
        int n = count;
        forget();
        RuntimeException failure = null;
        for (int i = n - 1; i >= 0; i--) { // newest first: the order every allocator accepts, a stack's included
            try {
                allocator.free(toFree[i]);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void forget() {
        closed = true;
        blocks = new long[0];
        count = 0;
    }
}
