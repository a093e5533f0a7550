package org.jalloc.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * An {@link Arena} over an allocator: each segment is a block of the allocator, bound to a confined scope, so it
 * becomes inaccessible on {@link #close()}, which then frees every block. Owned by the creating thread.
 */
final class AllocatorArena implements Arena {
    /** The blocks are freed by {@link #close()} itself, after the scope is gone. */
    private static final java.util.function.Consumer<MemorySegment> NO_CLEANUP = segment -> { };

    private final Allocator allocator;
    private final Arena scope = Arena.ofConfined();
    private final Thread owner = Thread.currentThread();
    private long[] blocks = new long[16];
    private int count;

    AllocatorArena(Allocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("arena is confined to " + owner);
        }
        if (!scope.scope().isAlive()) {
            throw new IllegalStateException("arena is closed");
        }
        long address = Segments.allocate(allocator, byteSize, byteAlignment, true);
        if (count == blocks.length) {
            blocks = Arrays.copyOf(blocks, count * 2);
        }
        blocks[count++] = address;
        long real = allocator.heap().memory().address() + address;
        return MemorySegment.ofAddress(real).reinterpret(byteSize, scope, NO_CLEANUP);
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /** Invalidates every segment of this arena, then frees their blocks. */
    @Override
    public void close() {
        scope.close();
        for (int i = 0; i < count; i++) {
            allocator.free(blocks[i]);
        }
        count = 0;
    }
}
