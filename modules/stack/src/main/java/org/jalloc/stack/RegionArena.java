package org.jalloc.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;

import org.jalloc.core.spi.Arguments;
import org.jalloc.core.RegionAllocator;
import org.jalloc.core.memory.Heap;

/**
 * The FFM {@link Arena} of a region allocator ({@code asArena()} of {@code stack} and {@code arena}): opening it takes
 * a checkpoint (pushes a frame, takes a mark), closing it releases to that checkpoint in O(1), however many segments
 * were allocated: one lifetime, one release.
 *
 * <pre>
 *   RegionArena ── checkpoint   the frame or mark taken when it opened
 *        └─ scope: heap.dependentArena()   closed by the arena, or by the heap when it closes or resets
 *   segment = heap.slice(block, byteSize) bound to scope, zeroed
 * </pre>
 *
 * <ol>
 *   <li>allocate(n, a): owner thread only; a block through {@code malloc}/{@code alignedAlloc} (zeroed);
 *       {@link OutOfMemoryError} when the heap cannot hold it (FFM's contract).</li>
 *   <li>close(): owner thread only. First the release is checked without changing anything (a stack refuses to pop
 *       a frame while a newer one is open: {@code OutOfOrderFreeException}, and the arena stays open); then the scope
 *       closes (every segment dies), then the allocator releases to the checkpoint. Blocks allocated from the
 *       allocator directly after the arena opened are released too: they are younger than its checkpoint.</li>
 * </ol>
 *
 * <p>Threads: as {@code Allocator.asArena()}: segments are shared, {@code allocate} and {@code close} belong to the
 * creating thread.
 */
final class RegionArena implements Arena {
    private final RegionAllocator allocator;
    private final LongConsumer checkRelease;
    private final Heap heap;
    private final Arena scope;
    private final long checkpoint;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    /**
     * @param checkRelease throws what {@code releaseTo(checkpoint)} would throw, changing nothing
     * @throws OutOfMemoryError      when a stack has no room for the frame record
     * @throws IllegalStateException if the heap is closed
     */
    RegionArena(RegionAllocator allocator, LongConsumer checkRelease) {
        this.allocator = allocator;
        this.checkRelease = checkRelease;
        this.heap = org.jalloc.core.walk.Inspection.of(allocator).heap();
        this.scope = heap.dependentArena();
        long c = allocator.checkpoint();
        if (c == 0) {
            scope.close();
            throw new OutOfMemoryError(allocator.name() + ": no room for the arena's checkpoint");
        }
        this.checkpoint = c;
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
        long address = Arguments.allocateForSegment(allocator, byteSize, byteAlignment);
        if (byteSize > 0) {
            heap.fill(address, byteSize, (byte) 0);
        }
        return heap.slice(address, byteSize, scope);
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /**
     * Invalidates every segment of this arena, then releases the allocator to the arena's checkpoint.
     *
     * @throws IllegalStateException                       if already closed (by this method, or by the heap)
     * @throws org.jalloc.core.OutOfOrderFreeException     if a newer frame of a stack is still open (nothing changes)
     * @throws org.jalloc.core.StaleCheckpointException    if the checkpoint was released behind the arena's back
     */
    @Override
    public void close() {
        requireOwner();
        if (closed) {
            throw new IllegalStateException("arena already closed");
        }
        if (scope.scope().isAlive()) {
            checkRelease.accept(checkpoint);
        }
        try {
            scope.close();
        } catch (IllegalStateException e) {
            if (!scope.scope().isAlive()) {
                closed = true; // the heap closed it: the blocks went with the heap
            }
            throw e;
        }
        closed = true;
        allocator.releaseTo(checkpoint);
    }
}
