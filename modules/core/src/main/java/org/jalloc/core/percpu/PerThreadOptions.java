package org.jalloc.core.percpu;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.Heap;

/**
 * The per-thread options every builder of an allocator with per-thread records takes, in one builder style: the
 * builders of the slab family and thread-cache hold one of these, delegate their {@code backgroundScavenger(Duration)}
 * and {@code build(long heapBytes)} to it, and validate their own options (magazines, cache bytes) themselves.
 */
public final class PerThreadOptions {
    private @Nullable Duration background;

    /** Options with no background scavenger. */
    public PerThreadOptions() {}

    /** Runs the scavenger on a daemon thread every {@code period} (default: no thread); at least 1 ms. */
    public void backgroundScavenger(Duration period) {
        this.background = Objects.requireNonNull(period, "period");
    }

    /** The background scavenger's period, or null for none. */
    public @Nullable Duration backgroundScavenger() {
        return background;
    }

    /** Starts {@code scavenger}'s daemon {@code threadName} running {@code pass} if a period was set. */
    public void start(Scavenger scavenger, String threadName, Runnable pass) {
        Duration every = background;
        if (every != null) {
            scavenger.startDaemon(threadName, every, pass);
        }
    }

    /** Builds an allocator over a new heap of {@code heapBytes} with {@code build}, closing the heap if that fails. */
    public static <A> A buildOnNewHeap(long heapBytes, Function<Heap, A> build) {
        Heap heap = Heap.reserve(heapBytes);
        try {
            return build.apply(heap);
        } catch (RuntimeException e) {
            heap.close();
            throw e;
        }
    }
}
