package org.jalloc.gc;

import java.util.Arrays;

/**
 * A sequential store buffer: the addresses of tenured reference fields the mutator stored a nursery reference into
 * (the generational collector's {@code remset=ssb}). Appending is one array store; duplicates are removed when the
 * buffer grows past a limit and at every minor collection, which keeps only the fields that still name the nursery.
 */
final class StoreBuffer {
    long[] slots = new long[256];
    int size;
    /** Entries after which the buffer is deduplicated in place. */
    private int dedupeAt = 1 << 12;

    void add(long slot) {
        if (size == slots.length) {
            if (size >= dedupeAt) {
                dedupe();
                dedupeAt = Math.max(dedupeAt, size * 2);
            }
            if (size == slots.length) {
                slots = Arrays.copyOf(slots, size * 2);
            }
        }
        slots[size++] = slot;
    }

    /** Sorts the entries and removes duplicates. */
    void dedupe() {
        Arrays.sort(slots, 0, size);
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (n == 0 || slots[n - 1] != slots[i]) {
                slots[n++] = slots[i];
            }
        }
        size = n;
    }

    /** The entries, deduplicated and sorted; the buffer is empty afterwards. */
    long[] take() {
        dedupe();
        long[] out = Arrays.copyOf(slots, size);
        size = 0;
        if (slots.length > 1 << 16) {
            slots = new long[256];
        }
        return out;
    }

    /** Whether {@code slot} is recorded (linear: for the checker). */
    boolean contains(long slot) {
        for (int i = 0; i < size; i++) {
            if (slots[i] == slot) {
                return true;
            }
        }
        return false;
    }

    long bytes() {
        return slots.length * 8L;
    }
}
