package org.jalloc.slab;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A cache's magazine depot (Bonwick &amp; Adams 2001, section 3.3): a stack of full magazines and a stack of empty
 * ones, exchanged with the threads' magazines under the depot's lock (its own monitor). The working-set numbers
 * ({@link #fullLow}, {@link #emptyLow}: the fewest magazines of each kind held since the last update) tell the
 * scavenger how many magazines nobody needed: those are returned (full ones to the slab layer).
 */
final class Depot {
    /** Threads in the depot or waiting for its lock: an entry that finds another counts as contended. */
    final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
    /** Contended entries, in total and since the last step up of the magazine size; the steps taken. */
    long contentions;
    int sinceResize;
    int resizes;
    @Nullable Magazine full;
    int fullCount;
    int fullLow;
    @Nullable Magazine empty;
    int emptyCount;
    int emptyLow;

    // statistics (under the lock)
    long fullTaken;
    long fullReturned;
    long emptyTaken;
    long emptyReturned;

    @Nullable Magazine takeFull() {
        Magazine m = full;
        if (m != null) {
            full = m.next;
            m.next = null;
            fullCount--;
            fullLow = Math.min(fullLow, fullCount);
            fullTaken++;
        }
        return m;
    }

    void putFull(Magazine m) {
        m.next = full;
        full = m;
        fullCount++;
        fullReturned++;
    }

    @Nullable Magazine takeEmpty() {
        Magazine m = empty;
        if (m != null) {
            empty = m.next;
            m.next = null;
            emptyCount--;
            emptyLow = Math.min(emptyLow, emptyCount);
            emptyTaken++;
        }
        return m;
    }

    void putEmpty(Magazine m) {
        m.next = empty;
        empty = m;
        emptyCount++;
        emptyReturned++;
    }

    /** Unlinks up to {@code n} full magazines (no statistics: purges and reaps, not exchanges). */
    void drainFull(int n, java.util.List<Magazine> into) {
        for (int i = 0; i < n && full != null; i++) {
            Magazine m = full;
            full = m.next;
            m.next = null;
            fullCount--;
            into.add(m);
        }
    }

    /** Unlinks up to {@code n} empty magazines. */
    void drainEmpty(int n, java.util.List<Magazine> into) {
        for (int i = 0; i < n && empty != null; i++) {
            Magazine m = empty;
            empty = m.next;
            m.next = null;
            emptyCount--;
            into.add(m);
        }
    }

    /** Rounds held in full magazines. */
    long rounds() {
        long n = 0;
        for (Magazine m = full; m != null; m = m.next) {
            n += m.count;
        }
        return n;
    }
}
