package org.jalloc.slab;

import java.util.Arrays;

/** An open-addressing set of non-zero longs, for the checker's scratch (rounds seen, descriptors, listed slabs). */
final class LongSet {
    private long[] table = new long[64];
    private int size;

    void clear() {
        if (size > 0) {
            Arrays.fill(table, 0);
            size = 0;
        }
    }

    int size() {
        return size;
    }

    /** Adds {@code v} (not 0); false when it was present. */
    boolean add(long v) {
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        int mask = table.length - 1;
        for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
            long t = table[i];
            if (t == 0) {
                table[i] = v;
                size++;
                return true;
            }
            if (t == v) {
                return false;
            }
        }
    }

    boolean contains(long v) {
        int mask = table.length - 1;
        for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
            long t = table[i];
            if (t == 0) {
                return false;
            }
            if (t == v) {
                return true;
            }
        }
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        size = 0;
        for (long v : old) {
            if (v != 0) {
                add(v);
            }
        }
    }

    private static int mix(long v) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
