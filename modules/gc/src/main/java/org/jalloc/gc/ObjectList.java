package org.jalloc.gc;

import java.util.Arrays;

/**
 * Every object of a non-moving space, in allocation order, outside the heap: what lets a sweep stop after any number
 * of objects and resume (the allocator's block walk cannot be resumed), at 8 bytes per object.
 *
 * <pre>
 *   objs: | swept, kept [0, keep) | gap | not yet swept [cursor, end) | born since the sweep began [end, n) |
 * </pre>
 * A sweep begins with {@code end = n}; each step examines {@code objs[cursor]}: kept objects move down to
 * {@code keep}, dead ones are freed by the caller. When {@code cursor == end} the objects born meanwhile move down
 * behind the kept ones. Owner: whoever holds the collector's allocation (single-owner collectors: the mutator;
 * {@code concurrent}: under its allocation lock).
 */
final class ObjectList {
    private long[] objs = new long[1024];
    private int n;
    private int keep;
    private int cursor;
    private int end = -1;

    void add(long a) {
        if (n == objs.length) {
            objs = Arrays.copyOf(objs, n * 2);
        }
        objs[n++] = a;
    }

    int size() {
        return n;
    }

    long get(int i) {
        return objs[i];
    }

    boolean sweeping() {
        return end >= 0;
    }

    /** Starts a sweep of every object now in the list. */
    void beginSweep() {
        keep = 0;
        cursor = 0;
        end = n;
    }

    /** Objects the sweep has not examined yet. */
    int unswept() {
        return end < 0 ? 0 : end - cursor;
    }

    /** The next object to examine (only while {@link #unswept} is positive). */
    long next() {
        return objs[cursor];
    }

    /** The object {@link #next} named survives. */
    void keepNext() {
        objs[keep++] = objs[cursor++];
    }

    /** The object {@link #next} named was freed. */
    void dropNext() {
        cursor++;
    }

    /** Ends the sweep: the objects born during it follow the kept ones. */
    void endSweep() {
        int born = n - end;
        System.arraycopy(objs, end, objs, keep, born);
        n = keep + born;
        end = -1;
        if (objs.length > 1 << 16 && n < objs.length / 4) {
            objs = Arrays.copyOf(objs, Math.max(1024, n * 2));
        }
    }

    /** The index from which objects were born during the current sweep (n when not sweeping). */
    int bornFrom() {
        return end < 0 ? n : end;
    }

    long bytes() {
        return objs.length * 8L;
    }
}
