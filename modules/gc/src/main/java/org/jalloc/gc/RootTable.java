package org.jalloc.gc;

import java.util.Arrays;

/**
 * The global handle table: stable root slots outside the heap, named by small positive ints (handle 0 is never
 * live). Free slots are chained through {@code next}; a slot's value is a stored reference (0 = NULL).
 *
 * <pre>
 *   values[h]  the stored reference of live handle h
 *   live[h]    whether h is handed out
 *   next[h]    the next free handle (free slots only); freeHead the first
 * </pre>
 * Collector-global state: one table per collector, shared by its mutators; synchronized, since a concurrent
 * collector's mutator threads share it (uncontended for the single-owner collectors).
 */
final class RootTable {
    private long[] values = new long[16];
    private boolean[] live = new boolean[16];
    private int[] next = new int[16];
    private int freeHead;
    private int high = 1; // handles below this have been handed out at least once
    private int count;

    synchronized int create(long stored) {
        int h = freeHead;
        if (h != 0) {
            freeHead = next[h];
        } else {
            if (high == values.length) {
                int n = values.length * 2;
                values = Arrays.copyOf(values, n);
                live = Arrays.copyOf(live, n);
                next = Arrays.copyOf(next, n);
            }
            h = high++;
        }
        live[h] = true;
        values[h] = stored;
        count++;
        return h;
    }

    synchronized void require(int h) {
        if (h <= 0 || h >= high || !live[h]) {
            throw new RootMisuseException("global handle " + h + " is not live"
                    + (h > 0 && h < high ? " (freed)" : " (never created)"));
        }
    }

    synchronized long get(int h) {
        require(h);
        return values[h];
    }

    synchronized void set(int h, long stored) {
        require(h);
        values[h] = stored;
    }

    synchronized void free(int h) {
        require(h);
        live[h] = false;
        values[h] = 0;
        next[h] = freeHead;
        freeHead = h;
        count--;
    }

    synchronized int count() {
        return count;
    }

    /** Visits the value of every live handle, in handle order, storing back what the visitor returns. */
    synchronized void scan(Scanning.RootVisitor visitor) {
        for (int h = 1; h < high; h++) {
            if (live[h] && values[h] != 0) {
                values[h] = visitor.root(values[h]);
            }
        }
    }

    /** The live handles, ascending. */
    synchronized int[] handles() {
        int[] out = new int[count];
        int k = 0;
        for (int h = 1; h < high; h++) {
            if (live[h]) {
                out[k++] = h;
            }
        }
        return out;
    }

    /** Bytes this table occupies outside the heap. */
    synchronized long bytes() {
        return values.length * 13L;
    }
}
