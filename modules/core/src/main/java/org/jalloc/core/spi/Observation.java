package org.jalloc.core.spi;

import org.checkerframework.checker.nullness.qual.Nullable;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorStats;

/**
 * The observability side of an {@link AbstractAllocator} for core's {@code AllocatorEvents} (JFR) and
 * {@code AllocatorMBeans} (JMX): the engine under the wrappers, JFR's statistics request and JMX's snapshot. A class
 * of its own in a package users cannot read, as {@link Faces}: public methods on {@link AbstractAllocator} would be
 * callable on every allocator class users can name.
 */
public final class Observation {
    private Observation() {}

    /**
     * The engine under the wrappers (synchronized, tracking, checked).
     *
     * @throws IllegalArgumentException if no jalloc allocator is found under the wrappers
     */
    public static AbstractAllocator engine(Allocator allocator) {
        Allocator a = allocator;
        while (a instanceof ForwardingAllocator f) {
            a = f.delegate();
        }
        if (a instanceof AbstractAllocator e) {
            return e;
        }
        throw new IllegalArgumentException("not a jalloc allocator (no AbstractAllocator under its wrappers): " + allocator);
    }

    /** JFR's periodic hook: the engine's next call commits its statistics event. */
    public static void markStatisticsDue(AbstractAllocator engine) {
        engine.request(AbstractAllocator.STATISTICS_DUE);
    }

    /** Whether JFR's periodic hook asked for the engine's statistics and its next call has not committed them yet. */
    public static boolean statisticsDue(AbstractAllocator engine) {
        return engine.requested(AbstractAllocator.STATISTICS_DUE);
    }

    /** A JMX read: the engine's next call refreshes its snapshot. */
    public static void requestSnapshot(AbstractAllocator engine) {
        engine.request(AbstractAllocator.SNAPSHOT_DUE);
    }

    /** Takes a snapshot now, on the calling thread (which must be allowed to walk the heap). */
    public static void takeSnapshot(AbstractAllocator engine) {
        engine.snapshot = engine.stats();
        engine.snapshotMillis = System.currentTimeMillis();
    }

    /** The last snapshot a calling thread took, or null before the first. */
    public static @Nullable AllocatorStats snapshot(AbstractAllocator engine) {
        return engine.snapshot;
    }

    /** When {@link #snapshot} was taken (System.currentTimeMillis()). */
    public static long snapshotMillis(AbstractAllocator engine) {
        return engine.snapshotMillis;
    }
}
