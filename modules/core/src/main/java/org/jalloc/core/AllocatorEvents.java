package org.jalloc.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

import jdk.jfr.FlightRecorder;

import org.jalloc.core.events.HeapStatisticsEvent;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.Observation;

/**
 * jalloc's JFR events (package {@code org.jalloc.core.events}, no dependency: {@code jdk.jfr} is in the JDK), and the
 * one switch users touch: {@link #watch}.
 *
 * <ul>
 *   <li>{@code org.jalloc.AllocationSample}: every allocator, always; one sample per {@link #sampleBytes()} requested
 *       bytes (system property {@code jalloc.jfr.sampleBytes}, default 512 KiB), with its weight.</li>
 *   <li>{@code org.jalloc.HeapStatistics}: for watched allocators only, every period of the recording (1 s by
 *       default). JFR's periodic hook only marks the allocator; the next thread that calls it (the owner, for a
 *       single-owner allocator) walks the heap and commits the event, so no walk ever races the owner. An idle
 *       allocator emits nothing.</li>
 *   <li>{@code org.jalloc.PagesReturned}, {@code org.jalloc.Trim}, {@code org.jalloc.SlowPath}: as they happen.</li>
 * </ul>
 * While no recording runs (and no JMX client has read an MBean), the allocators' fast paths test a constant the JIT
 * folds away; samples count only the bytes requested while a recording runs.
 */
public final class AllocatorEvents {
    private AllocatorEvents() {}

    private static final long SAMPLE_BYTES = Math.max(1, Long.getLong("jalloc.jfr.sampleBytes", 512 * 1024));

    /** Watched allocators' engines (weak: watching never keeps an allocator alive). */
    private static final Map<AbstractAllocator, Boolean> WATCHED = Collections.synchronizedMap(new WeakHashMap<>());
    private static boolean hooked;

    /** Requested bytes between two allocation samples. */
    public static long sampleBytes() {
        return SAMPLE_BYTES;
    }

    /**
     * Emits {@code org.jalloc.HeapStatistics} for this allocator while a recording enables it. Wrappers
     * (synchronized, tracking, checked) are seen through to the allocator they wrap.
     *
     * @throws IllegalArgumentException if no jalloc allocator is found under the wrappers
     */
    public static void watch(Allocator allocator) {
        AbstractAllocator engine = engine(allocator);
        synchronized (AllocatorEvents.class) {
            if (!hooked) {
                FlightRecorder.addPeriodicEvent(HeapStatisticsEvent.class, AllocatorEvents::markDue);
                hooked = true;
            }
        }
        WATCHED.put(engine, Boolean.TRUE);
    }

    /** Stops {@link #watch}ing it. */
    public static void unwatch(Allocator allocator) {
        WATCHED.remove(engine(allocator));
    }

    private static AbstractAllocator engine(Allocator allocator) {
        return Observation.engine(allocator);
    }


    /** JFR's periodic hook: the next call on each watched allocator emits its statistics. */
    private static void markDue() {
        List<AbstractAllocator> all;
        synchronized (WATCHED) {
            all = new ArrayList<>(WATCHED.keySet());
        }
        for (AbstractAllocator a : all) {
            Observation.markStatisticsDue(a);
        }
    }
}
