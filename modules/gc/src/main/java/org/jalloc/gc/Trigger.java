package org.jalloc.gc;

/**
 * When to collect, besides when the space cannot satisfy an allocation: Go's GOGC rule. A collection starts when
 * the bytes allocated since the last one reach {@code gogc}% of the bytes that survived it, and never below a
 * floor ({@code min(4 MiB, capacity / 8)}) so that a nearly empty heap is not collected at every allocation.
 *
 * <pre>
 *   collect before allocating n bytes  when  gogc != off  and  allocatedSince + n >= max(floor, live * gogc / 100)
 * </pre>
 * {@code gogc=off} collects only on exhaustion (and on {@code collect()}).
 */
public final class Trigger {
    /** The percentage, or -1 for off. */
    private final long gogc;
    private final long floor;

    Trigger(long gogc, long capacity) {
        this.gogc = gogc;
        this.floor = Math.max(1, Math.min(4L << 20, capacity / 8));
    }

    /** The GOGC percentage, or -1 when threshold collections are off. */
    public long gogc() {
        return gogc;
    }

    /** Bytes that may be allocated after a collection that left {@code liveBytes} before the next one starts. */
    public long budget(long liveBytes) {
        if (gogc < 0) {
            return Long.MAX_VALUE;
        }
        long relative = liveBytes / 100 * gogc + liveBytes % 100 * gogc / 100;
        return Math.max(floor, relative);
    }

    boolean shouldCollect(long allocatedSince, long request, long liveBytes) {
        return gogc >= 0 && allocatedSince + request >= budget(liveBytes);
    }
}
